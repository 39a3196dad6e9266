"""``catdog export RUN --format onnx|pt2|torchscript [--out FILE]``: a model file that runs without the app."""

from __future__ import annotations

import argparse


def add_export_parser(sub) -> None:
    from core.export.formats import FORMATS, LABEL, MODEL_SUFFIXES, SUFFIX

    p = sub.add_parser("export", help="write a run as an ONNX, .pt2 or TorchScript file, with its preprocessing",
                       description="Export MODEL (a run folder, its model.safetensors, or imagenet:ARCH) as a file "
                                   "that runs without this app; its preprocessing (size, mean, std, class names) "
                                   "goes in a JSON file beside it (and in the ONNX metadata).")
    p.add_argument("model", metavar="RUN", help="run folder or its model.safetensors")
    p.add_argument("--format", choices=FORMATS, required=True,
                   help="; ".join(f"{fmt}: {LABEL[fmt]}" for fmt in FORMATS))
    p.add_argument("--out", metavar="FILE", help="the file to write, named exactly so (default: "
                   + " / ".join(f"model{SUFFIX[fmt]}" for fmt in FORMATS)
                   + " in the run folder); its preprocessing goes to FILE.json")
    p.add_argument("--force", action="store_true", help="replace an existing --out file that is not a model file "
                                                        f"({', '.join(MODEL_SUFFIXES)}); never a device or FIFO")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from core.export.model_file import export_model

    result = export_model(args.model, args.format, args.out, args.force)
    for note in result.notes:  # an exporter that fell back, a deprecated format: one line each
        print(note)
    pre = result.preprocessing
    size_mb = result.path.stat().st_size / 1e6
    print(f"wrote {result.path} ({args.format}, {size_mb:.1f} MB): {pre['arch']}, classes {', '.join(pre['classes'])}")
    print(f"wrote {result.json_path}: resize to {pre['resize']} px, centre crop {pre['image_size']} px, "
          f"mean {pre['mean']}, std {pre['std']}")
    print(f"input '{pre['input']['name']}': float32 N x 3 x {pre['image_size']} x {pre['image_size']}; "
          f"output '{pre['output']['name']}': N x {len(pre['classes'])} probabilities")
    print("\nHow to use it (Python, without this app):\n")
    print(result.how_to_use())
    return 0
