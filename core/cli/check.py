"""``catdog check DATA``: the photos that hurt a training folder, most suspicious first."""

from __future__ import annotations

import argparse
import json
import sys

from core.cli.checks import positive_int
from core.cli.progress import ProgressLines
from core.hardware import DEVICES

TOP_DEFAULT = 40


def _cmd_check(args: argparse.Namespace) -> int:
    from core.check.suspects import check_folder
    from core.utils.paths import check_folder as check_path

    check_path("DATA", args.data, "training folder")
    if args.test is not None:
        check_path("--test", args.test, "test folder")
    shown = ProgressLines(sys.stderr)
    result = check_folder(args.data, args.arch, args.folds, args.test, args.device,
                          progress=lambda d, t: shown.update("computing features", d, t),
                          say=lambda line: print(line, file=sys.stderr))
    shown.done()
    if args.json:
        print(json.dumps(result.to_json(args.top), indent=2))
        return 0
    suspects = result.suspects[:args.top]
    print(f"{result.photos} photos checked in {result.seconds:.1f} s ({args.folds}-fold out-of-fold scores, "
          f"{args.arch} features): {len(result.suspects)} suspects, {len(result.duplicates)} duplicate groups")
    if suspects:
        print(f"\n{'kind':<8} {'score':>6}  {'given':<10} {'model says':<10} {'P(given)':>8}  photo")
        for s in suspects:
            print(f"{s.kind:<8} {s.score:>6.3f}  {s.given:<10} {s.predicted:<10} {s.p_given:>8.3f}  {s.path}")
    for g in result.duplicates:
        where = " (training and test: the test score leaks)" if g.with_test else ""
        print(f"duplicate {g.similarity:.3f}{where}: " + ", ".join(str(p) for p in g.paths))
    for path, reason in result.failures:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    return 0


def add_check_parser(sub) -> None:
    p = sub.add_parser("check", help="suspects in a training folder: wrong labels, neither class, duplicates")
    p.add_argument("data", metavar="DATA", help="the training folder (Kaggle flat names or one sub-folder per class)")
    p.add_argument("--arch", default="efficientnet_lite0", help="the ImageNet backbone whose features score the photos")
    p.add_argument("--folds", type=positive_int, default=5, help="each photo is scored by heads trained on the others")
    p.add_argument("--top", type=positive_int, default=TOP_DEFAULT, help=f"list this many suspects (default {TOP_DEFAULT})")
    p.add_argument("--test", metavar="DIR", help="also find test photos that duplicate training photos (leakage)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.set_defaults(func=_cmd_check)
