"""Export every architecture to ONNX, .pt2 and TorchScript and compare with what `catdog predict` computes.

    python scripts/check_exports.py [--arch KEY ...] [--image-size 64] [--photos DIR]

For each architecture: a run folder with random weights (its last layer scaled so that
probabilities are neither uniform nor one-hot), `catdog export` to each format, then onnxruntime,
torch.export.load(...).module() and torch.jit.load on the same photos as predict (float32 on the CPU).
Prints the largest probability difference per format; exit status 1 if any is above 1e-4, an export
fails, ONNX fell back to the old exporter, or ONNX or pt2 raised a deprecation warning.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.data.augment import cache_side, eval_batch, to_model_input
from core.data.decode import decode_square
from core.export.formats import FORMATS
from core.export.model_file import export_model
from core.inference.predict import load_run, predict_files
from core.models.registry import ARCHS, build_model, get_arch
from core.runs import store
from core.runs.meta import write_meta

TOLERANCE = 1e-4
CLASSES = ["cat", "dog", "fox"]


def make_run(root: Path, arch: str, size: int) -> Path:
    """Random weights, the last layer scaled so that logits spread by about 2 (neither uniform nor one-hot)."""
    torch.manual_seed(0)
    model = build_model(arch, len(CLASSES)).eval()
    head = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        spread = model(torch.randn(4, 3, size, size)).std().item() or 1.0
        head.weight.mul_(2 / spread)
        head.bias.mul_(2 / spread)
    run = root / arch
    run.mkdir()
    store.save_model(run, model)
    spec = get_arch(arch)
    write_meta(run, {"arch": arch, "classes": CLASSES, "num_classes": len(CLASSES), "image_size": size,
                          "resize": cache_side(size), "status": "finished",
                          "normalization": {"mean": list(spec.mean), "std": list(spec.std)}})
    return run


def synthetic_photos(folder: Path, n: int = 4) -> list[Path]:
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        p = folder / f"{i}.png"
        Image.fromarray(rng.integers(0, 255, (80, 96, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    return paths


def check(arch: str, size: int, photos: list[Path], root: Path) -> list[str]:
    import onnxruntime

    run = make_run(root, arch, size)
    spec = get_arch(arch)
    want = np.array([p.probs for p in predict_files(load_run(run, "cpu", "fp32"), photos)[0]])
    pixels = torch.from_numpy(np.stack([decode_square(p, cache_side(size)) for p in photos]))
    x = to_model_input(eval_batch(pixels, size), torch.device("cpu"), False, spec.mean, spec.std)
    cells = []
    for fmt in FORMATS:
        t = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = export_model(run, fmt)
            deprecated = [str(w.message).splitlines()[0][:60] for w in caught
                          if issubclass(w.category, (DeprecationWarning, FutureWarning))]
            if fmt == "onnx":
                got = onnxruntime.InferenceSession(str(result.path)).run(None, {"image": x.numpy()})[0]
            elif fmt == "pt2":
                with torch.no_grad():
                    got = torch.export.load(str(result.path)).module()(x).numpy()
            else:
                with torch.no_grad():
                    got = torch.jit.load(str(result.path))(x).numpy()
            diff = float(np.abs(got - want).max())
            mb = result.path.stat().st_size / 1e6
            maintained = fmt != "torchscript"
            bad = diff > TOLERANCE or (maintained and (deprecated or result.notes))
            why = (f" ({'; '.join(deprecated + result.notes)[:100]})"
                   if maintained and (deprecated or result.notes) else "")
            cells.append(f"{fmt} {'BAD' if bad else 'ok '} max|diff| {diff:.1e} "
                         f"{mb:6.1f} MB {time.perf_counter() - t:5.1f}s{why}")
        except Exception as exc:  # noqa: BLE001 - a report line per architecture, not a crash
            cells.append(f"{fmt} FAILED {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
    return cells


def main() -> int:
    warnings.filterwarnings("ignore", category=FutureWarning)  # torch.jit's deprecation notice, once per load
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", action="append", choices=list(ARCHS), help="repeat; default: every architecture")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--photos", help="folder of photos (default: 4 synthetic ones)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.photos:
            from core.data.discover import collect_images

            photos = collect_images([args.photos])[:8]
        else:
            photos = synthetic_photos(root)
        print(f"{len(photos)} photos at {args.image_size} px; predict in float32 on the CPU; tolerance {TOLERANCE}")
        bad = 0
        for arch in args.arch or list(ARCHS):
            cells = check(arch, args.image_size, photos, root)
            bad += sum("ok " not in c for c in cells)
            print(f"{arch:<18} " + " | ".join(cells), flush=True)
    print("all exports match predict" if not bad else f"{bad} export(s) failed or differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
