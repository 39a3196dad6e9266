"""``catdog runs`` and ``catdog compare``: the runs folder as a table, and runs side by side.

Both read only meta.json and metrics.csv (core.runs.table): listing a folder of many runs
is instant and never loads a model.
"""

from __future__ import annotations

import argparse
import json

from core.errors import InputError
from core.runs.table import RunRow, check_run, check_runs_dir, list_rows, read_history
from core.utils.formatting import format_acc, format_bytes


def _cmd_runs(args: argparse.Namespace) -> int:
    root = check_runs_dir(args.dir)
    rows = list_rows(root)
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], indent=2))
        return 0
    if not rows:
        print(f"no runs in {root}")
        return 0
    width = max(12, *(len(r.name) for r in rows))
    print(f"{'name':<{width}}  {'arch':<16} {'start':<19} {'size':>5} {'epochs':>7} {'best val':>8}  "
          f"{'status':<8}  {'created':<16} {'on disk':>9}")
    for r in rows:
        print(f"{r.name:<{width}}  {r.arch:<16} {r.start_label:<19} {r.image_size:>5} "
              f"{f'{r.epochs}/{r.epochs_planned}':>7} {format_acc(r.best_val_acc):>8}  {r.status:<8}  "
              f"{r.created_label:<16} {format_bytes(r.bytes):>9}")
    total = sum(r.bytes for r in rows)
    print(f"{len(rows)} run(s) in {root}, {format_bytes(total)} in all")
    for r in rows:
        if r.reason is not None:
            print(f"{r.name} is damaged: {r.reason}")
    return 0


def side_by_side(rows: list[RunRow], histories: list[list[dict]]) -> str:
    """A summary block and a per-epoch block, one column per run."""
    names = [r.name for r in rows]
    col = max(10, *(len(n) for n in names)) + 2
    label = 20

    def line(title: str, values: list[str]) -> str:
        return f"{title:<{label}}" + "".join(f"{v:>{col}}" for v in values)

    def last(h: list[dict], key: str) -> str:
        vals = [r[key] for r in h if r.get(key) is not None]
        return f"{vals[-1]:.4f}" if vals else "-"

    out = [line("run", names),
           line("architecture", [r.arch for r in rows]),
           line("start", [r.start_label for r in rows]),
           line("image size", [f"{r.image_size} px" for r in rows]),
           line("epochs", [f"{r.epochs}/{r.epochs_planned}" for r in rows]),
           line("best val. accuracy", [format_acc(r.best_val_acc) + (f" @{r.best_epoch}" if r.best_epoch else "")
                                       for r in rows]),
           line("last train loss", [last(h, "train_loss") for h in histories]),
           line("last val. loss", [last(h, "val_loss") for h in histories]),
           line("status", [r.status for r in rows]),
           "",
           line("val. accuracy", [""] * len(rows))]
    epochs = sorted({e["epoch"] for h in histories for e in h})
    by_epoch = [{e["epoch"]: e for e in h} for h in histories]
    for ep in epochs:
        cells = []
        for h in by_epoch:
            row = h.get(ep)
            cells.append(format_acc(row.get("val_acc")) if row else "")
        out.append(line(f"  epoch {ep}", cells))
    return "\n".join(out)


def _cmd_compare(args: argparse.Namespace) -> int:
    rows = [check_run(r) for r in args.runs]
    seen: set[str] = set()
    for r in rows:
        if r.path in seen:
            raise InputError(f"{r.path} is given twice")
        seen.add(r.path)
    histories = [read_history(r.path) for r in rows]
    print(side_by_side(rows, histories))
    if args.plot:
        from core.runs.plot import write_compare_png

        path = write_compare_png(args.plot, [(r.name, h) for r, h in zip(rows, histories)])
        print(f"wrote the overlaid curves to {path}")
    return 0


def add_runs_parsers(sub) -> None:
    p = sub.add_parser("runs", help="the runs of a runs folder: architecture, epochs, accuracy, status, size")
    p.add_argument("dir", nargs="?", default="weights", metavar="DIR", help="the runs folder (default: weights)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per run")
    p.set_defaults(func=_cmd_runs)

    p = sub.add_parser("compare", help="runs side by side; --plot draws their curves overlaid")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folders")
    p.add_argument("--plot", metavar="FILE.png", help="write validation accuracy and training loss overlaid")
    p.set_defaults(func=_cmd_compare)
