"""``catdog explore ARCH [ARCH2] [--image-size N] [--json]``: an architecture's stages, or two side by side."""

from __future__ import annotations

import argparse
import json
import sys

from core.cli.checks import positive_int
from core.explore.architecture import shape_text


def add_explore_parser(sub) -> None:
    p = sub.add_parser("explore", help="an architecture's stages: block, output shape, parameters, FLOPs")
    p.add_argument("arch", metavar="ARCH", help="an architecture key (catdog archs lists them)")
    p.add_argument("other", nargs="?", metavar="ARCH2", help="a second architecture, shown side by side")
    p.add_argument("--image-size", type=positive_int, default=224, metavar="N",
                   help="input side in pixels (default 224, the size `catdog archs` reports)")
    p.add_argument("--json", action="store_true", help="print the stages as JSON (a list for two architectures)")
    p.set_defaults(func=cmd_explore)


def cmd_explore(args: argparse.Namespace) -> int:
    from core.explore.architecture import explore

    found = [explore(key, args.image_size) for key in filter(None, (args.arch, args.other))]
    if args.json:
        data = [e.to_dict() for e in found]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2))
    else:
        _print("\n".join(table(found[0]) if len(found) == 1 else side_by_side(*found)))
    return 0


def _print(text: str) -> None:
    """Print, spelling ×, → and … in ASCII where the console cannot show them (a Windows code page)."""
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        for a, b in (("×", "x"), ("→", "->"), ("…", "...")):
            text = text.replace(a, b)
        text = text.encode("ascii", "replace").decode("ascii")
    print(text)


def mflops(flops: int) -> str:
    return f"{flops / 1e6:,.1f}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def table(e) -> list[str]:
    lines = [f"{e.arch} at {e.image_size}×{e.image_size} px, {e.num_classes} classes: {e.description}",
             f"special: {e.special}", "",
             f"{'stage':<14} {'block':<40} {'n':>3}  {'output':<14} {'params':>12} {'MFLOPs':>10} {'%':>5}  notes"]
    for s in e.stages:
        share = f"{100 * s.flops / e.flops:.0f}%" if e.flops else "-"
        lines.append(f"{_cut(s.name, 14):<14} {_cut(s.block, 40):<40} {s.blocks:>3}  {shape_text(s.output):<14} "
                     f"{s.params:>12,} {mflops(s.flops):>10} {share:>5}  {s.note}")
    lines.append(f"{'total':<14} {'':<40} {'':>3}  {'':<14} {e.params:>12,} {mflops(e.flops):>10} {'100%':>5}  "
                 f"{e.gflops:.2f} GFLOPs")
    lines.append("n: blocks in a stage, conv/linear layers in other rows. FLOPs: one forward pass of one image "
                 "(torch.utils.flop_counter; a multiply-add = 2), as `catdog archs`.")
    return lines


def _compact(e) -> list[str]:
    rows = [f"{'stage':<13} {'output':<13} {'params':>11} {'MFLOPs':>9}"]
    rows += [f"{_cut(s.name, 13):<13} {shape_text(s.output):<13} {s.params:>11,} {mflops(s.flops):>9}"
             for s in e.stages]
    rows.append(f"{'total':<13} {'':<13} {e.params:>11,} {mflops(e.flops):>9}")
    return rows


def side_by_side(a, b) -> list[str]:
    left, right = _compact(a), _compact(b)
    width = max(map(len, left))
    head = [f"{a.arch:<{width}}   {b.arch}"]
    body = []
    for i in range(max(len(left) - 1, len(right) - 1)):  # totals go on one line at the bottom
        lt = left[i] if i < len(left) - 1 else ""
        rt = right[i] if i < len(right) - 1 else ""
        body.append(f"{lt:<{width}} | {rt}".rstrip())
    body.append(f"{left[-1]:<{width}} | {right[-1]}")
    ratio_p = b.params / a.params if a.params else float("nan")
    ratio_f = b.flops / a.flops if a.flops else float("nan")
    notes = [f"at {a.image_size}×{a.image_size} px:",
             f"  {a.arch}: {a.special}", f"  {b.arch}: {b.special}",
             (f"{b.arch} has {ratio_p:.2f}× the parameters and {ratio_f:.2f}× the FLOPs of {a.arch} "
              f"({b.gflops:.2f} vs {a.gflops:.2f} GFLOPs).")]
    return head + body + [""] + notes
