"""``catdog eval MODEL [DATA]``: how good a model is, and which photos it gets wrong."""

from __future__ import annotations

import argparse
import sys

from core.cli.progress import ProgressLines
from core.errors import InputError
from core.hardware import DEVICES


def _cmd_eval(args: argparse.Namespace) -> int:
    from core.cli.models import models_then_data
    from core.inference.eval_sets import eval_set
    from core.inference.evaluate import evaluate, predictions_csv
    from core.inference.submission import check_csv_target

    models, data = models_then_data([args.model, *args.data])
    if args.predictions is not None:  # a bad target is named before the slow part
        check_csv_target(args.predictions, [], args.force, flag="--predictions")
    if data is not None:  # a missing folder is named before the model loads
        from core.utils.paths import check_folder

        check_folder("DATA", data, "evaluation folder")
    from core.inference.ensemble import load_model
    from core.runs.layout import IMAGENET_PREFIX

    if data is None and any(m.startswith(IMAGENET_PREFIX) for m in models):
        eval_set(models, [])  # says why DATA is needed, before the model loads
    lm = load_model(models, args.device)
    chosen = eval_set(models, lm.classes, data)
    if args.predictions is not None:  # never onto one of the photos
        check_csv_target(args.predictions, [p for p, _ in chosen.samples], args.force, flag="--predictions")
    shown = ProgressLines(sys.stderr)
    result = evaluate(lm, chosen.samples, tta=args.tta, progress=lambda d, t: shown.update("evaluating", d, t))
    shown.done()
    if not result.photos:
        listed = "; ".join(f"{p}: {r}" for p, r in result.failures[:3])
        raise InputError(f"no readable photo in {data or chosen.description} "
                         f"({len(result.failures)} unreadable: {listed})")
    print(f"{lm.describe()} on {chosen.description}" + (" with TTA (mirrored photo averaged)" if args.tta else ""))
    print(result.report().to_text())
    worst = result.by_loss()[:5]
    print("\nhighest losses: " + ", ".join(f"{p.path.name} ({lm.classes[p.true]} as {lm.classes[p.predicted]}, "
                                            f"loss {p.loss:.2f})" for p in worst))
    for path, reason in result.failures + chosen.ignored:
        print(f"skipped {path}: {reason}")
    if args.predictions is not None:
        from core.utils.atomic import user_file_errors, write_text_atomic

        with user_file_errors(args.predictions, "--predictions"):
            write_text_atomic(args.predictions, predictions_csv(result))
        print(f"wrote {len(result.photos)} rows to {args.predictions} (worst first)")
    return 0


def add_eval_parser(sub) -> None:
    p = sub.add_parser("eval", help="accuracy, log loss, per-class metrics, confusion matrix; photos by loss")
    p.add_argument("model", metavar="MODEL", help="run folder, its model.safetensors, or imagenet:ARCH; several "
                                                  "runs one after the other: an ensemble (probabilities averaged)")
    p.add_argument("data", metavar="DATA", nargs="*",
                   help="labelled folder, last (default: the run's own validation photos; for several runs, the photos "
                        "in every run's validation split)")
    p.add_argument("--predictions", metavar="FILE.csv",
                   help="write path,true,predicted,p_<class>...,loss per photo, worst first")
    p.add_argument("--force", action="store_true",
                   help="replace an existing --predictions file that is not a .csv (a regular file only)")
    p.add_argument("--tta", action="store_true", help="average with the mirrored image")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.set_defaults(func=_cmd_eval)
