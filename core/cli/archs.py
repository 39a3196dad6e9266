"""``catdog archs [--json]``: every architecture with its family, size, cost and ImageNet weights."""

from __future__ import annotations

import argparse
import json


def _cmd_archs(args: argparse.Namespace) -> int:
    from core.models.catalog import arch_info
    from core.models.registry import ARCHS

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


def add_archs_parser(sub) -> None:
    p = sub.add_parser("archs", help="list the architectures: key, family, params, GFLOPs at 224")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_archs)
