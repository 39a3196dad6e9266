"""``catdog explain MODEL IMAGE_OR_DIR... --out DIR``: Grad-CAM pictures of where the model looks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import InputError
from core.hardware import DEVICES
from core.utils.atomic import user_file_errors

PANEL = 384  # px of each half of an explain picture


def _cmd_explain(args: argparse.Namespace) -> int:
    from core.data.discover import collect_images
    from core.explain.overlay import titled_panels
    from core.explain.photos import display_crop, explain_files, png_name
    from core.explain.stages import conv_stages, resolve_stage, short_name
    from core.inference.predict import load_run
    from core.utils.png import save_png

    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {args.out}: is a file, not a folder for the pictures")
    with user_file_errors(args.out, "--out"):  # a folder that cannot be made is named before the slow part
        out.mkdir(parents=True, exist_ok=True)
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
        with user_file_errors(args.out, "--out"):  # read-only or full: one line, not a traceback
            target = save_png(picture, out / png_name(cam, lm.classes, taken))
        print(f"{cam.path}  {lm.classes[k]} {cam.probs[k]:.3f}  -> {target}")
    for path, reason in failures:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(f"wrote {len(cams)} picture(s) to {out} (Grad-CAM of the predicted class at stage {stage})")
    return 0 if cams else 2


def add_explain_parser(sub) -> None:
    p = sub.add_parser("explain", help="Grad-CAM pictures: where the model looks in each photo")
    p.add_argument("model", metavar="MODEL", help="run folder, its model.safetensors, or imagenet:ARCH")
    p.add_argument("images", nargs="+", metavar="IMAGE_OR_DIR")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the PNG pictures")
    p.add_argument("--stage", metavar="NAME", help="the layer to explain (default: the last convolutional stage)")
    p.add_argument("--list-stages", action="store_true", help="also print the stages this model has")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.set_defaults(func=_cmd_explain)
