"""The ``catdog`` command line: the app's jobs, headless.

Each sub-command parses its flags here and calls into core; user errors (InputError)
become one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from core.errors import InputError


def _cmd_archs(args: argparse.Namespace) -> int:
    from core.models.registry import ARCHS, arch_info

    rows = [arch_info(key) for key in ARCHS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'key':<18} {'family':<8} {'params':>12} {'GFLOPs@224':>10}  {'ImageNet':<8}  description")
    for r in rows:
        print(
            f"{r['key']:<18} {r['family']:<8} {r['params']:>12,} {r['gflops']:>10.2f}  "
            f"{'yes' if r['pretrained'] else '-':<8}  {r['description']}"
        )
    print("GFLOPs: floating-point operations of one forward pass of a 224x224 image "
          "(torch.utils.flop_counter; one multiply-add = 2 FLOPs).")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from core.cli_train import ConsoleReporter
    from core.training.config import TrainConfig
    from core.training.engine import Trainer, resume

    reporter = ConsoleReporter()
    if args.resume:
        result = resume(args.resume, reporter)
    else:
        if not args.data:
            raise InputError("DATA is required: the folder of training photos (or use --resume RUN_DIR)")
        cfg = TrainConfig(
            data=args.data, arch=args.arch, pretrained=args.pretrained, epochs=args.epochs,
            batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer, weight_decay=args.weight_decay,
            schedule=args.schedule, label_smoothing=args.label_smoothing, image_size=args.image_size,
            val_split=args.val_split, val_dir=args.val, seed=args.seed, device=args.device,
            precision=args.precision, out=args.out, name=args.name, cache_mb=args.cache_mb,
        )
        result = Trainer(cfg, reporter).run()
    return 0 if not result.stopped else 130


def _cmd_predict(args: argparse.Namespace) -> int:
    from core.data.discover import collect_images
    from core.export import write_submission
    from core.predict import load_run, predict_files

    lm = load_run(args.model, args.device)
    paths = collect_images(args.images)
    if not paths:
        raise InputError(f"no images found in {' '.join(args.images)}")
    if args.csv:  # fail before the slow part if a file name cannot become an id
        from core.export import submission_id

        for p in paths:
            submission_id(p)
    show = sys.stdout.isatty()
    preds, failures = predict_files(
        lm, paths, tta=args.tta, batch_size=args.batch_size,
        progress=(lambda d, t: print(f"\rpredicting {d}/{t}", end="", file=sys.stderr, flush=True)) if show else None,
    )
    if show:
        print(file=sys.stderr)
    if failures and args.csv:
        listed = "; ".join(f"{p}: {r}" for p, r in failures[:5])
        raise InputError(f"cannot read {len(failures)} test image(s), no CSV written: {listed}")
    classes = lm.classes
    if not args.csv or args.verbose:
        width = max(len(str(p.path)) for p in preds) if preds else 10
        for p in preds:
            print(f"{str(p.path):<{width}}  {classes[p.label]:<8} {p.confidence:.3f}  " +
                  " ".join(f"P({c})={v:.3f}" for c, v in zip(classes, p.probs)))
    for path, reason in failures:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    if args.csv:
        n = write_submission(args.csv, preds, args.format)
        print(f"wrote {n} rows to {args.csv} ({args.format} format)")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from core.data.discover import discover
    from core.evaluate import confusion_report
    from core.predict import load_run, predict_files

    lm = load_run(args.model, args.device)
    index = discover(args.data)
    if index.classes != lm.classes:
        raise InputError(f"{args.data} has classes {index.classes} but the model knows {lm.classes}")
    labels = {s.path: s.label for s in index.samples}
    preds, failures = predict_files(lm, [s.path for s in index.samples], tta=args.tta)
    report = confusion_report(lm.classes, [labels[p.path] for p in preds], [p.label for p in preds])
    print(f"model {lm.run_dir} ({lm.meta['arch']}, {lm.image_size}px) on {index.summary()}")
    print(report.to_text())
    for path, reason in failures + index.ignored:
        print(f"skipped {path}: {reason}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from core.bench import bench_arch
    from core.models.registry import get_arch

    archs = args.arch or ["lenet", "resnet18", "resnet50"]
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


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catdog", description="CatDog Studio: learn CNNs on cats vs dogs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("archs", help="list the architectures: key, family, params, GFLOPs at 224")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_archs)

    from core.hardware import DEVICES, PRECISIONS
    from core.models.registry import ARCHS
    from core.training.config import OPTIMIZERS, SCHEDULES

    p = sub.add_parser("train", help="train a model on a folder of photos; writes a run folder",
                       description="Train on DATA (cat.N.jpg/dog.N.jpg files or one sub-folder per class).")
    p.add_argument("data", nargs="?", metavar="DATA", help="training folder")
    p.add_argument("--arch", default="resnet18", choices=list(ARCHS), metavar="ARCH",
                   help=f"architecture (default resnet18): {', '.join(ARCHS)}")
    p.add_argument("--epochs", type=_positive_int, default=10)
    p.add_argument("--batch-size", type=_positive_int, default=32)
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default 0.001)")
    p.add_argument("--image-size", type=_positive_int, default=224)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--val-split", type=float, default=0.2, help="validation share, stratified (default 0.2)")
    g.add_argument("--val", metavar="DIR", help="a separate validation folder")
    p.add_argument("--pretrained", action="store_true", help="start from torchvision's ImageNet weights")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adamw")
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--schedule", choices=SCHEDULES, default="onecycle")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--precision", choices=PRECISIONS, default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="weights", help="folder for run folders (default weights)")
    p.add_argument("--name", help="run folder name (default ARCH-DATE-TIME)")
    p.add_argument("--cache-mb", type=int, default=None, help="RAM for decoded pixels; beyond it a disk cache")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped or crashed run")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("predict", help="classify photos; optionally write the submission CSV")
    p.add_argument("model", metavar="MODEL", help="run folder or its model.safetensors")
    p.add_argument("images", nargs="+", metavar="IMAGE_OR_DIR")
    p.add_argument("--csv", metavar="FILE", help="write the submission CSV here")
    p.add_argument("--format", choices=("competition", "noheader", "proba"), default="competition")
    p.add_argument("--tta", action="store_true", help="average with the mirrored image")
    p.add_argument("--batch-size", type=_positive_int, default=64)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("-v", "--verbose", action="store_true", help="with --csv, also print each prediction")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("eval", help="accuracy, per-class precision/recall, confusion matrix")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--tta", action="store_true")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("bench", help="training and prediction images/s on this machine")
    p.add_argument("--arch", action="append", choices=list(ARCHS), metavar="ARCH",
                   help="repeat for several (default lenet, resnet18, resnet50)")
    p.add_argument("--image-size", type=_positive_int, default=224)
    p.add_argument("--batch-size", type=_positive_int, default=32)
    p.add_argument("--steps", type=_positive_int, default=5)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--precision", choices=PRECISIONS, default="auto")
    p.set_defaults(func=_cmd_bench)
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
    except Exception as exc:  # a failure, not a usage error: one line unless debugging
        if os.environ.get("CATDOG_DEBUG"):
            raise
        print(f"catdog {args.command}: failed: {type(exc).__name__}: {exc} (CATDOG_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
