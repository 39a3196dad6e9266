"""The ``catdog`` command line: the app's jobs, headless.

Each sub-command parses its flags here and calls into core; user errors (InputError)
become one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from core.cli.train import positive_int
from core.errors import InputError

TOP_DEFAULT = 5  # `predict` prints every class's probability up to this many classes, else the top 5


def _cmd_archs(args: argparse.Namespace) -> int:
    from core.models.registry import ARCHS, arch_info

    rows = [arch_info(key) for key in ARCHS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'key':<18} {'family':<12} {'params':>12} {'GFLOPs@224':>10} {'size':>5}  {'ImageNet':<9}  description")
    for r in rows:
        imagenet = ("installed" if r["imagenet_installed"] else "download") if r["pretrained"] else "-"
        print(
            f"{r['key']:<18} {r['family']:<12} {r['params']:>12,} {r['gflops']:>10.2f} {r['image_size']:>5}  "
            f"{imagenet:<9}  {r['description']}"
        )
    print("GFLOPs: floating-point operations of one forward pass of a 224x224 image "
          "(torch.utils.flop_counter; one multiply-add = 2 FLOPs). size: the default --image-size.")
    print("ImageNet: 'installed' weights need no network; 'download' ones are fetched once by torchvision "
          "(catdog train --weights imagenet).")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from core.data.discover import collect_images
    from core.inference.predict import load_run, predict_files
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
    lm = load_run(args.model, args.device)
    paths = collect_images(args.images)
    if not paths:
        raise InputError(f"no images found in {' '.join(args.images)}")
    positive = None
    if args.csv:  # fail before the slow part: the target, the ids and the label 1 must all be right
        run_files = [p for p in Path(lm.run_dir).iterdir() if p.is_file()] if Path(lm.run_dir).is_dir() else []
        check_csv_target(args.csv, paths + run_files, args.force)  # never onto a photo or the model itself
        for p in paths:
            submission_id(p)
        positive = positive_index(lm.classes, args.positive_class)
    show = sys.stdout.isatty()
    preds, failures = predict_files(
        lm, paths, tta=args.tta, batch_size=args.batch_size,
        progress=(lambda d, t: print(f"\rpredicting {d}/{t}", end="", file=sys.stderr, flush=True)) if show else None,
    )
    if show:
        print(file=sys.stderr)
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
        n = write_submission(args.csv, preds, classes, args.format, classes[positive])
        print(f"wrote {n} rows to {args.csv} ({args.format} format, {label_words(classes, positive)})")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from core.models.registry import get_arch
    from core.training.bench import bench_arch

    archs = args.arch or ["lenet", "resnet18", "resnet50", "efficientnet_lite0"]
    for a in archs:
        get_arch(a)
    print(f"{'arch':<18} {'size':>5} {'batch':>5}  {'train img/s':>11}  {'predict img/s':>13}  "
          f"{'epoch of 20k':>12}  device")
    for a in archs:
        r = bench_arch(a, args.image_size, args.batch_size, args.steps, device=args.device, precision=args.precision)
        epoch_min = 20_000 / r.train_images_per_s / 60  # the competition's 25,000 photos less a 20% split
        print(f"{r.arch:<18} {r.image_size:>5} {r.batch_size:>5}  {r.train_images_per_s:>11.1f}  "
              f"{r.predict_images_per_s:>13.1f}  {epoch_min:>9.1f} min  {r.device}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catdog", description="CatDog Studio: learn CNNs on cats vs dogs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("archs", help="list the architectures: key, family, params, GFLOPs at 224")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_archs)

    from core.cli.train import add_train_parser
    from core.models.registry import ARCHS
    from core.training.config import DEVICES, PRECISIONS

    add_train_parser(sub)

    p = sub.add_parser("predict", help="classify photos; optionally write the submission CSV")
    p.add_argument("model", metavar="MODEL", help="run folder or its model.safetensors")
    p.add_argument("images", nargs="+", metavar="IMAGE_OR_DIR")
    p.add_argument("--csv", metavar="FILE", help="write the submission CSV here")
    p.add_argument("--format", choices=("competition", "noheader", "proba"), default="competition")
    p.add_argument("--tta", action="store_true", help="average with the mirrored image")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--positive-class", metavar="NAME",
                   help="the class written as 1 (default: the dog class of a cat/dog model)")
    p.add_argument("--force", action="store_true", help="replace an existing --csv file that is not a .csv")
    p.add_argument("-v", "--verbose", action="store_true", help="with --csv, also print each prediction")
    p.add_argument("--top", type=positive_int, metavar="K",
                   help=f"print the K most probable classes (default: all up to {TOP_DEFAULT} classes, else the top "
                        f"{TOP_DEFAULT})")
    p.set_defaults(func=_cmd_predict)

    from core.cli.eval import add_eval_parsers

    add_eval_parsers(sub, DEVICES)  # eval, explain

    from core.cli.export import add_export_parser

    add_export_parser(sub)

    p = sub.add_parser("bench", help="training and prediction images/s on this machine")
    p.add_argument("--arch", action="append", choices=list(ARCHS), metavar="ARCH",
                   help="repeat for several (default lenet, resnet18, resnet50, efficientnet_lite0)")
    p.add_argument("--image-size", type=positive_int, default=224)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--steps", type=positive_int, default=5)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--precision", choices=PRECISIONS, default="auto")
    p.set_defaults(func=_cmd_bench)

    from core.cli.explore import add_explore_parser

    add_explore_parser(sub)

    from core.cli.runs import add_runs_parsers

    add_runs_parsers(sub)
    return parser



def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse exits 2 with a one-line usage error
    try:
        return args.func(args)
    except InputError as exc:
        print(f"catdog {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"catdog {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `catdog runs | head` closed the pipe: nothing more to say, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    except Exception as exc:  # a failure, not a usage error: one line unless debugging
        if os.environ.get("CATDOG_DEBUG"):
            raise
        from core.failures import describe_failure

        print(f"catdog {args.command}: failed: {describe_failure(exc)} (CATDOG_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
