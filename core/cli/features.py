"""``catdog features RUN PHOTO --out DIR [--stage NAME]``: the first layer's filters and what each stage sees."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from core.errors import InputError
from core.hardware import DEVICES
from core.utils.atomic import user_file_errors


def stage_file(stage: str) -> str:
    """``<stage>.png``, safe as a file name (``blocks.0`` -> ``blocks.0.png``)."""
    return re.sub(r"[^\w.\-]+", "_", stage) + ".png"


def _cmd_features(args: argparse.Namespace) -> int:
    from core.explain.feature_grid import filters_picture, filters_title, stage_picture, stage_title
    from core.explain.feature_maps import first_filters, photo_features
    from core.inference.predict import load_run
    from core.utils.png import save_png

    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {args.out}: is a file, not a folder for the pictures")
    photo = Path(args.photo)
    if not photo.is_file():
        raise InputError(f"{args.photo}: no such photo file")
    lm = load_run(args.run, args.device)
    features = photo_features(lm, photo, args.stage)  # an unknown stage or an unreadable photo: one line, exit 2
    pictures = []
    if not args.stage:
        filters = first_filters(lm.model)
        pictures.append(("filters.png", filters_picture(filters, filters_title(filters))))
    pictures += [(stage_file(s.stage), stage_picture(s, stage_title(s, photo.name))) for s in features.stages]
    with user_file_errors(args.out, "--out"):  # a folder that cannot be made, read-only or full: one line
        out.mkdir(parents=True, exist_ok=True)
        for name, picture in pictures:
            print(f"wrote {save_png(picture, out / name)}")
    return 0


def add_features_parser(sub) -> None:
    p = sub.add_parser("features", help="what each layer sees: first-layer filters, feature maps per stage")
    p.add_argument("run", metavar="RUN", help="run folder, its model.safetensors, or imagenet:ARCH")
    p.add_argument("photo", metavar="PHOTO")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for filters.png and <stage>.png")
    p.add_argument("--stage", metavar="NAME", help="only this stage's picture (default: every stage and the filters)")
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.set_defaults(func=_cmd_features)
