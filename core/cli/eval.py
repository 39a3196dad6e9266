"""``catdog eval`` and ``catdog explain``: how good a model is, which photos it gets wrong, and where it looks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import InputError

PANEL = 384  # px of each half of an explain picture


def _cmd_eval(args: argparse.Namespace) -> int:
    from core.inference.eval_sets import eval_set
    from core.inference.evaluate import evaluate, predictions_csv
    from core.inference.submission import check_csv_target

    if args.predictions is not None:  # a bad target is named before the slow part
        check_csv_target(args.predictions, [], args.force, flag="--predictions")
    if args.data is not None:  # a missing folder is named before the model loads
        from core.cli.checks import check_folder

        check_folder("DATA", args.data, "evaluation folder")
    from core.inference.predict import IMAGENET_PREFIX, load_run

    if args.data is None and args.model.startswith(IMAGENET_PREFIX):
        eval_set(args.model, [])  # says why DATA is needed, before the model loads
    lm = load_run(args.model, args.device)
    chosen = eval_set(args.model, lm.classes, args.data)
    if args.predictions is not None:  # never onto one of the photos
        check_csv_target(args.predictions, [p for p, _ in chosen.samples], args.force, flag="--predictions")
    show = sys.stderr.isatty()
    result = evaluate(lm, chosen.samples, tta=args.tta, progress=(
        lambda d, t: print(f"\revaluating {d}/{t}", end="", file=sys.stderr, flush=True)) if show else None)
    if show:
        print(file=sys.stderr)
    if not result.photos:
        listed = "; ".join(f"{p}: {r}" for p, r in result.failures[:3])
        raise InputError(f"no readable photo in {args.data or chosen.description} "
                         f"({len(result.failures)} unreadable: {listed})")
    print(f"model {lm.run_dir} ({lm.meta['arch']}, {lm.image_size}px) on {chosen.description}")
    print(result.report().to_text())
    worst = result.by_loss()[:5]
    print("\nhighest losses: " + ", ".join(f"{p.path.name} ({lm.classes[p.true]} as {lm.classes[p.predicted]}, "
                                            f"loss {p.loss:.2f})" for p in worst))
    for path, reason in result.failures + chosen.ignored:
        print(f"skipped {path}: {reason}")
    if args.predictions is not None:
        from core.utils.atomic import write_text_atomic

        write_text_atomic(args.predictions, predictions_csv(result))
        print(f"wrote {len(result.photos)} rows to {args.predictions} (worst first)")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from core.data.discover import collect_images
    from core.explain.overlay import save_png, titled_panels
    from core.explain.photos import display_crop, explain_files, png_name
    from core.explain.stages import conv_stages, resolve_stage, short_name
    from core.inference.predict import load_run

    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {args.out}: is a file, not a folder for the pictures")
    paths = collect_images(args.images)
    if not paths:
        raise InputError(f"no images found in {' '.join(args.images)}")
    lm = load_run(args.model, args.device)
    stage = short_name(resolve_stage(lm.model, args.stage, lm.image_size), lm.model)
    if args.list_stages:
        print("stages: " + ", ".join(short_name(s, lm.model) for s in conv_stages(lm.model, lm.image_size)))
    cams, failures = explain_files(lm, paths, stage)
    taken: set[str] = set()
    for cam in cams:
        k = cam.predicted
        title = f"{cam.path.name}: {lm.classes[k]} {cam.probs[k]:.1%} · Grad-CAM at {cam.stage}"
        picture = titled_panels(display_crop(lm, cam.path, PANEL), cam.maps[k], title, PANEL)
        target = save_png(picture, out / png_name(cam, lm.classes, taken))
        print(f"{cam.path}  {lm.classes[k]} {cam.probs[k]:.3f}  -> {target}")
    for path, reason in failures:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(f"wrote {len(cams)} picture(s) to {out} (Grad-CAM of the predicted class at stage {stage})")
    return 0 if cams else 2


def add_eval_parsers(sub, devices: tuple[str, ...]) -> None:
    p = sub.add_parser("eval", help="accuracy, log loss, per-class metrics, confusion matrix; photos by loss")
    p.add_argument("model", metavar="MODEL", help="run folder, its model.safetensors, or imagenet:ARCH")
    p.add_argument("data", metavar="DATA", nargs="?",
                   help="labelled folder (default: the run's own validation photos)")
    p.add_argument("--predictions", metavar="FILE.csv",
                   help="write path,true,predicted,p_<class>...,loss per photo, worst first")
    p.add_argument("--force", action="store_true", help="replace an existing --predictions file that is not a .csv")
    p.add_argument("--tta", action="store_true", help="average with the mirrored image")
    p.add_argument("--device", choices=devices, default="auto")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("explain", help="Grad-CAM pictures: where the model looks in each photo")
    p.add_argument("model", metavar="MODEL", help="run folder, its model.safetensors, or imagenet:ARCH")
    p.add_argument("images", nargs="+", metavar="IMAGE_OR_DIR")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the PNG pictures")
    p.add_argument("--stage", metavar="NAME", help="the layer to explain (default: the last convolutional stage)")
    p.add_argument("--list-stages", action="store_true", help="also print the stages this model has")
    p.add_argument("--device", choices=devices, default="auto")
    p.set_defaults(func=_cmd_explain)
