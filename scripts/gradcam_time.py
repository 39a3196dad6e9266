"""Time Grad-CAM of one photo end to end (decode, crop, forward, one gradient per class) for an architecture.

    python scripts/gradcam_time.py /work/shared/data/dogs-vs-cats-1760/cat.1.jpg --arch resnet18 --size 224
The weights are random (timing only); pass --model RUN to time a trained run instead.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("photo")
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--model", help="a run folder (default: random weights of --arch)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--precision", default="auto", help="auto (as prediction), fp32, bf16")
    args = ap.parse_args()
    from core.data.augment import cache_side
    from core.explain.photos import explain_files
    from core.hardware import resolve_device, resolve_precision, setup_backends
    from core.inference.predict import LoadedModel, load_run
    from core.models.registry import build_model

    if args.model:
        lm = load_run(args.model)
    else:
        setup_backends(resolve_device("cpu"))  # the allocator tuning load_run applies
        lm = LoadedModel(Path("random"), {"arch": args.arch, "classes": ["cat", "dog"], "image_size": args.size,
                                          "resize": cache_side(args.size)},
                         build_model(args.arch).eval(), resolve_device("cpu"),
                         resolve_precision(args.precision, resolve_device("cpu")))
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        cams, _ = explain_files(lm, [Path(args.photo)])
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(f"Grad-CAM of one photo, {lm.meta['arch']} at {lm.image_size} px, {lm.precision}, stage {cams[0].stage}: "
          f"first {times[0]:.2f} s, then median {sorted(times[1:])[len(times[1:]) // 2]:.2f} s "
          f"(CPU time of all threads: median {sorted(cpu[1:])[len(cpu[1:]) // 2]:.2f} s; a busy machine inflates "
          f"the wall time, check `uptime`)")


if __name__ == "__main__":
    main()
