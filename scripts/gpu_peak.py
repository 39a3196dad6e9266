"""Run ``catdog train ...`` in this process, then print its peak GPU memory beside the app's estimate.

    python3 scripts/gpu_peak.py train DATA --arch resnet18 --device cuda --out RUNS --name r18
    torchrun --nproc_per_node 1 scripts/gpu_peak.py train ...

scripts/gpu_check.sh wraps its training steps with it: the estimate (core.planning.memory, the
model's part of the run: weights, gradients, optimizer state, one step's activations) is what the
window and ``catdog train`` show before a run, and a GPU is where it was never compared with
torch.cuda.max_memory_allocated. Exits with the command's status.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    import torch

    from core.cli.parser import build_parser
    from core.cli.parser import main as cli_main

    rc = cli_main(sys.argv[1:])
    if os.environ.get("RANK", "0") != "0" or not torch.cuda.is_available():
        return rc
    args = build_parser().parse_args(sys.argv[1:])
    from core.training.config import TrainConfig

    run = Path(args.resume) if getattr(args, "resume", None) else Path(args.out or TrainConfig.out) / (args.name or "")
    try:
        meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"== peak GPU memory: no meta.json in {run} ({exc})")
        return rc
    from core.hardware import resolve_precision
    from core.planning.memory import estimate

    cfg = meta["config"]
    precision = resolve_precision(cfg.get("precision") or "auto", torch.device("cuda"))
    est = estimate(meta["arch"], cfg["batch_size"], cfg["image_size"], precision, meta.get("start") or "scratch",
                   cfg.get("optimizer") or "adamw").on_device("cuda")
    peak = torch.cuda.max_memory_allocated()
    print(f"== {run.name}: peak GPU memory {peak / 2**20:.0f} MiB (torch.cuda.max_memory_allocated), the app's "
          f"estimate {est.peak_bytes / 2**20:.0f} MiB ({meta['arch']}, batch {cfg['batch_size']}, "
          f"{cfg['image_size']} px, {precision}, {meta.get('start')}); ratio {peak / max(est.peak_bytes, 1):.2f}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
