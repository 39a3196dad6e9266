"""The ``catdog`` command line: the app's jobs, headless.

Each sub-command parses its flags here and calls into core; user errors (InputError)
become one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catdog", description="CatDog Studio: learn CNNs on cats vs dogs.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("archs", help="list the architectures: key, family, params, GFLOPs at 224")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_archs)
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


if __name__ == "__main__":
    sys.exit(main())
