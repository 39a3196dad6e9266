"""Held-out log loss and accuracy of frozen runs, their ensemble, with and without calibration and TTA.

Every photo of DATA is held out once: the photos are cut into --folds parts (each class shuffled
with --seed), and for each part the runs train on the others (validating on 20% of them, as
`catdog train` does) and predict the part. A few hundred held-out photos move accuracy in steps
of 0.3% (one photo), so one split says little; all folds together hold out every photo.

    python scripts/calibration_bench.py ../shared/data/dogs-vs-cats-1760 --folds 6

Prints one table (README "Scores that win"), and the `proba` CSV's log loss with the clip chosen
on the validation photos (core/calibration/clipping.py) against the fixed [0.005, 0.995].
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def folds_of(data: Path, k: int, seed: int) -> list[list[Path]]:
    from core.data.discover import discover

    index = discover(data)
    parts: list[list[Path]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for label in range(len(index.classes)):
        photos = sorted(s.path for s in index.samples if s.label == label)
        rng.shuffle(photos)
        for i, p in enumerate(photos):
            parts[i % k].append(p)
    return parts


def link_folder(folder: Path, photos: list[Path]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in photos:
        os.symlink(p.resolve(), folder / p.name)
    return folder


def train(data: Path, arch: str, out: Path, smoothing: float, epochs: int, extra: dict) -> Path:
    from core.training.config import TrainConfig
    from core.training.engine import Trainer

    cfg = TrainConfig(data=str(data), arch=arch, weights="imagenet", freeze=extra.get("freeze", True),
                      epochs=epochs, label_smoothing=smoothing, out=str(out), name=arch,
                      **{k: v for k, v in extra.items() if k != "freeze"})
    return Path(Trainer(cfg).run().run_dir)


def p_true(lm, samples, tta: bool, calibrated: bool) -> np.ndarray:
    """P(true class) of every held-out photo, in ``samples`` order."""
    from core.inference.evaluate import evaluate

    if not calibrated:
        lm = dataclasses.replace(lm, meta={**lm.meta, "calibration": None})
    result = evaluate(lm, samples, tta=tta)
    by_path = {p.path: p.probs[p.true] for p in result.photos}
    return np.array([by_path[p] for p, _ in samples])


def scores(p: np.ndarray) -> tuple[float, float]:
    return float((p > 0.5).mean()), float(-np.log(np.clip(p, 1e-15, 1 - 1e-15)).mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--folds", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--archs", default="efficientnet_lite0,efficientnet_lite2")
    ap.add_argument("--label-smoothing", type=float, nargs="+", default=[0.1])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--only-folds", type=int, default=None, help="run only the first N folds (quicker, noisier)")
    ap.add_argument("--work", type=Path, default=None, help="keep the folds and runs here (default: a temp folder)")
    args = ap.parse_args()
    from core.calibration.clipping import FIXED_BOUND
    from core.inference.ensemble import Ensemble
    from core.inference.eval_sets import labelled_folder
    from core.inference.predict import load_run

    archs = args.archs.split(",")
    work = args.work or Path(tempfile.mkdtemp(prefix="calbench-"))
    parts = folds_of(args.data, args.folds, args.seed)
    for smoothing in args.label_smoothing:
        rows: dict[tuple[str, bool, bool], list[np.ndarray]] = {}
        bounds: dict[str, list[tuple[np.ndarray, float]]] = {}
        t0 = time.perf_counter()
        for k, held in enumerate(parts[:args.only_folds or args.folds]):
            base = work / f"ls{smoothing:g}" / f"fold{k}"
            trained = [p for j, part in enumerate(parts) if j != k for p in part]
            train_dir = link_folder(base / "train", trained) if not (base / "train").is_dir() else base / "train"
            held_dir = link_folder(base / "holdout", held) if not (base / "holdout").is_dir() else base / "holdout"
            runs = [base / "runs" / a if (base / "runs" / a / "model.safetensors").is_file()
                    else train(train_dir, a, base / "runs", smoothing, args.epochs, {}) for a in archs]
            members = [load_run(r) for r in runs]
            samples = labelled_folder(held_dir, members[0].classes).samples
            for tta in (False, True):
                for cal in (False, True):
                    probs = [p_true(m, samples, tta, cal) for m in members]
                    for a, p in zip(archs, probs):
                        rows.setdefault((a, cal, tta), []).append(p)
                    rows.setdefault(("ensemble", cal, tta), []).append(np.mean(probs, axis=0))
                    if cal and not tta:
                        for a, m, p in zip(archs, members, probs):
                            bounds.setdefault(a, []).append((p, m.proba_bound.low))
                        bounds.setdefault("ensemble", []).append((np.mean(probs, axis=0),
                                                                   Ensemble(members).proba_bound.low))
            print(f"fold {k + 1}: {len(held)} held out, {time.perf_counter() - t0:.0f} s so far", file=sys.stderr)
        n = sum(len(p) for p in rows[(archs[0], False, False)])
        print(f"\nlabel smoothing {smoothing:g}: {n} held-out photos ({args.folds} folds, each photo held out once)")
        print("| model | calibration | TTA | held-out accuracy | held-out log loss |")
        print("|---|---|---|---|---|")
        for (name, cal, tta), ps in rows.items():
            acc, loss = scores(np.concatenate(ps))
            print(f"| {name} | {'yes' if cal else 'no'} | {'yes' if tta else 'no'} | {acc:.2%} | {loss:.4f} |")
        print("\nproba CSV (calibrated, no TTA): log loss with the bound chosen on the validation photos, the fixed one, none")
        for name, pairs in bounds.items():
            chosen = np.concatenate([np.clip(p, b, 1 - b) for p, b in pairs])
            fixed = np.concatenate([np.clip(p, FIXED_BOUND, 1 - FIXED_BOUND) for p, _ in pairs])
            none = np.concatenate([p for p, _ in pairs])
            print(f"  {name}: chosen bounds {sorted({b for _, b in pairs})} {scores(chosen)[1]:.4f}, "
                  f"fixed {FIXED_BOUND} {scores(fixed)[1]:.4f}, no clip {scores(none)[1]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
