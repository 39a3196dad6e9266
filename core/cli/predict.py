"""``catdog predict MODEL IMAGE_OR_DIR... [--csv FILE]``: classify photos and write the submission CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.checks import positive_int
from core.cli.progress import ProgressLines
from core.errors import InputError
from core.hardware import DEVICES

TOP_DEFAULT = 5  # `predict` prints every class's probability up to this many classes, else the top 5


def _cmd_predict(args: argparse.Namespace) -> int:
    from core.cli.models import models_then_photos
    from core.data.discover import collect_images
    from core.inference.ensemble import load_model
    from core.inference.predict import predict_files
    from core.inference.submission import (
        check_complete,
        check_csv_target,
        label_words,
        positive_index,
        submission_id,
        write_submission,
    )

    if args.csv is not None and not args.csv.strip():
        raise InputError("--csv: empty file name")
    for flag, value in (("--positive-class", args.positive_class), ("--force", args.force or None)):
        if value is not None and args.csv is None:
            raise InputError(f"{flag}: only used with --csv FILE")
    models, images = models_then_photos([args.model, *args.images])
    lm = load_model(models, args.device)
    if len(lm.members) > 1:
        print(lm.describe(), file=sys.stderr)
    paths = collect_images(images)
    if not paths:
        raise InputError(f"no images found in {' '.join(images)}")
    positive = None
    if args.csv:  # fail before the slow part: the target, the ids and the label 1 must all be right
        run_files = [p for m in lm.members if Path(m.run_dir).is_dir() for p in Path(m.run_dir).iterdir() if p.is_file()]
        check_csv_target(args.csv, paths + run_files, args.force)  # never onto a photo or a model's own files
        for p in paths:
            submission_id(p)
        positive = positive_index(lm.classes, args.positive_class)
    shown = ProgressLines(sys.stderr)
    preds, failures = predict_files(lm, paths, tta=args.tta, batch_size=args.batch_size,
                                    progress=lambda d, t: shown.update("predicting", d, t))
    shown.done()
    if args.csv:
        check_complete(len(preds), failures)
    classes = lm.classes
    if not args.csv or args.verbose:
        width = max(len(str(p.path)) for p in preds) if preds else 10
        label_width = max(8, *(len(c) for c in classes))
        ranked = args.top is not None or len(classes) > TOP_DEFAULT  # else every class, in its order
        for p in preds:
            shown = p.top(args.top or TOP_DEFAULT) if ranked else range(len(classes))
            print(f"{p.path!s:<{width}}  {classes[p.label]:<{label_width}} {p.confidence:.3f}  " +
                  " ".join(f"P({classes[i]})={p.probs[i]:.3f}" for i in shown))
    for path, reason in failures:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if args.csv:
        n = write_submission(args.csv, preds, classes, args.format, classes[positive], lm.proba_bound)
        print(f"wrote {n} rows to {args.csv} ({args.format} format, {label_words(classes, positive)})")
        if args.format == "proba":
            print(lm.proba_bound.describe())
    return 0


def add_predict_parser(sub) -> None:
    p = sub.add_parser("predict", help="classify photos; optionally write the submission CSV")
    p.add_argument("model", metavar="MODEL", help="run folder, its model.safetensors, or imagenet:ARCH; several "
                                                  "runs one after the other: an ensemble (probabilities averaged)")
    p.add_argument("images", nargs="+", metavar="IMAGE_OR_DIR", help="photos or folders (after any further runs)")
    p.add_argument("--csv", metavar="FILE", help="write the submission CSV here")
    p.add_argument("--format", choices=("competition", "noheader", "proba"), default="competition")
    p.add_argument("--tta", action="store_true", help="average with the mirrored image")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--positive-class", metavar="NAME",
                   help="the class written as 1 (default: the dog class of a cat/dog model)")
    p.add_argument("--force", action="store_true", help="replace an existing --csv file that is not a .csv (a regular file only)")
    p.add_argument("-v", "--verbose", action="store_true", help="with --csv, also print each prediction")
    p.add_argument("--top", type=positive_int, metavar="K",
                   help=f"print the K most probable classes (default: all up to {TOP_DEFAULT} classes, else the top "
                        f"{TOP_DEFAULT})")
    p.set_defaults(func=_cmd_predict)
