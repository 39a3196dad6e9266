"""Held-out accuracy and log loss of each --augment choice (README "Augmentations").

Trains the same model from scratch once per choice (same seed, epochs, split and learning rate;
only the augmentation differs) and evaluates each run on a held-out labelled folder exactly as
`catdog eval` does (calibrated probabilities, no TTA). One row per choice, printed as it finishes.

    python scripts/augment_bench.py /work/ho/train /work/ho/holdout --epochs 10

Slow on a CPU (resnet18 at 128 px: minutes per run); --only picks some rows (e.g. --only none basic).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: row name -> (--augment, --mixup, --cutmix)
CHOICES = {
    "none": ("none", 0.0, 0.0),
    "basic": ("basic", 0.0, 0.0),
    "trivial": ("trivial", 0.0, 0.0),
    "randaugment": ("randaugment", 0.0, 0.0),
    "basic+mixup 0.2": ("basic", 0.2, 0.0),
    "basic+cutmix 1.0": ("basic", 0.0, 1.0),
}


def train(data: Path, out: Path, name: str, args, augment: str, mixup: float, cutmix: float) -> tuple[Path, dict]:
    from core.runs.meta import read_meta
    from core.training.config import TrainConfig
    from core.training.engine import Trainer

    cfg = TrainConfig(data=str(data), arch=args.arch, epochs=args.epochs, image_size=args.image_size,
                      batch_size=args.batch_size, lr=args.lr, seed=args.seed, out=str(out), name=name,
                      augment=augment, mixup=mixup, cutmix=cutmix)
    run = Path(Trainer(cfg).run().run_dir)
    return run, read_meta(run)


def held_out(run: Path, holdout: Path) -> tuple[float, float, int]:
    """(accuracy, log loss, photos) of the run on ``holdout``, as `catdog eval RUN HOLDOUT` reports them."""
    from core.inference.ensemble import load_model
    from core.inference.eval_sets import eval_set
    from core.inference.evaluate import evaluate

    lm = load_model([str(run)], "auto")
    result = evaluate(lm, eval_set([str(run)], lm.classes, str(holdout)).samples)
    report = result.report()
    return report.accuracy, result.log_loss, report.total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train", type=Path)
    ap.add_argument("holdout", type=Path)
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--image-size", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*", choices=list(CHOICES), help="these rows only (default: all)")
    ap.add_argument("--json", type=Path, help="also write the rows here, after each one")
    args = ap.parse_args()
    rows = []
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"{args.arch}, {args.image_size} px, from scratch, {args.epochs} epochs, batch {args.batch_size}, "
          f"lr {args.lr:g}, seed {args.seed}; {cpu}, {os.cpu_count()} cores", flush=True)
    print("| augmentation | best val acc | held-out acc | held-out log loss | train min | load (1 min) |")
    print("|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="catdog-augbench-") as out:
        for k, (name, (augment, mixup, cutmix)) in enumerate(CHOICES.items()):
            if args.only and name not in args.only:
                continue
            t0 = time.perf_counter()
            run, meta = train(args.train, Path(out), f"run{k}", args, augment, mixup, cutmix)
            minutes = (time.perf_counter() - t0) / 60
            acc, loss, n = held_out(run, args.holdout)
            load = os.getloadavg()[0]
            rows.append({"choice": name, "augment": augment, "mixup": mixup, "cutmix": cutmix,
                         "best_val_acc": meta["best_val_acc"], "holdout_acc": acc, "holdout_log_loss": loss,
                         "holdout_photos": n, "train_minutes": minutes, "load": load})
            print(f"| {name} | {meta['best_val_acc']:.1%} | {acc:.1%} | {loss:.3f} | {minutes:.1f} | {load:.1f} |",
                  flush=True)
            if args.json:
                args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
