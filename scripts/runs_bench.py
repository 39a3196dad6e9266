"""How long listing a runs folder takes: N fake run folders, timed in core, the CLI and the Runs page.

Each fake run looks like a real one on disk: meta.json with its per-epoch metrics, metrics.csv,
and model.safetensors / last.ckpt as sparse files of real sizes (45 MB, 135 MB) that take no
disk space. An audit hook records every file opened while listing, to show that no weights
or checkpoint is read.

    QT_QPA_PLATFORM=offscreen python scripts/runs_bench.py [--runs 50] [--epochs 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OPENED: list[str] = []


def _audit(event: str, args) -> None:
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        OPENED.append(os.fsdecode(args[0]))


def make_runs(root: Path, n: int, epochs: int) -> None:
    from core.runs import layout, store

    archs = ["resnet18", "resnet50", "plain34", "efficientnet_lite0", "lenet"]
    for i in range(n):
        d = root / f"run-{i:03d}"
        d.mkdir(parents=True)
        history = [{"epoch": e, "train_loss": 0.7 / e, "train_acc": 0.5 + 0.4 * e / epochs, "val_loss": 0.8 / e,
                    "val_acc": 0.5 + 0.45 * e / epochs, "lr": 1e-3, "images_per_s": 120.0, "seconds": 30.0}
                   for e in range(1, epochs + 1)]
        meta = {"arch": archs[i % len(archs)], "image_size": 128, "start": "scratch",
                "config": {"epochs": epochs, "arch": archs[i % len(archs)]}, "epochs_done": epochs,
                "metrics": history, "best_epoch": epochs, "best_val_acc": history[-1]["val_acc"],
                "status": "finished", "created": f"2026-01-01T10:{i % 60:02d}:00+00:00",
                "classes": ["cat", "dog"], "skipped": [], "warnings": []}
        (d / layout.META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        store.write_metrics(d, history)
        for name, size in ((layout.MODEL_FILE, 45_000_000), (layout.CHECKPOINT_FILE, 135_000_000)):
            with open(d / name, "wb") as f:
                f.truncate(size)  # sparse: the size a real file has, no disk space


def best_of(fn, repeat: int) -> tuple[float, float]:
    """(first call, fastest call) in seconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times[0], min(times)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--long-epochs", type=int, default=5000, help="epochs per run of the plot test")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from core.cli.parser import main as cli_main
    from core.runs.table import list_rows

    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical cores; Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "weights"
        make_runs(root, args.runs, args.epochs)
        sys.addaudithook(_audit)
        OPENED.clear()
        t_core = best_of(lambda: list_rows(root), args.repeat)
        with contextlib.redirect_stdout(io.StringIO()):
            t_cli = best_of(lambda: cli_main(["runs", str(root), "--json"]), args.repeat)

        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or QApplication([])
        from gui.main_window import MainWindow

        window = MainWindow(weights_dir=root)
        page = window.runsPage
        listing_opens = list(OPENED)
        OPENED.clear()
        t_page = best_of(lambda: (page.refresh(), app.processEvents()), args.repeat)
        shown = page.runsTable.row_count()
        window.resize(1280, 800)
        window.tabs.setCurrentWidget(page)
        long_runs = [[{"epoch": e, "val_acc": 0.5 + 0.4 * (1 - 1 / e), "train_loss": 0.7 / e ** 0.5}
                      for e in range(1, args.long_epochs + 1)] for _ in range(10)]

        def draw_long() -> None:
            page.comparePlot.clear_runs()
            for i, hist in enumerate(long_runs):
                page.comparePlot.set_run(f"long-{i}", hist)
            page.comparePlot.grab()  # a full repaint

        t_long = best_of(draw_long, args.repeat)
        window._quitting = True
        window.close()
        weights_read = [p for p in listing_opens + OPENED if p.endswith((".safetensors", ".ckpt"))]
        print(f"{args.runs} runs of {args.epochs} epochs each: first call / best of {args.repeat}")
        for label, (first, best) in (("core.runs.table.list_rows", t_core), ("catdog runs --json", t_cli),
                                     ("Runs page refresh (table)", t_page)):
            print(f"  {label:<28} {first * 1000:8.1f} ms / {best * 1000:6.1f} ms")
        print(f"  rows shown in runsTable: {shown}")
        print(f"  compare plot, 10 runs x {args.long_epochs} epochs, set + repaint: "
              f"{t_long[0] * 1000:.1f} ms / {t_long[1] * 1000:.1f} ms")
        metas = sum(p.endswith("meta.json") for p in listing_opens + OPENED)
        print(f"  files opened while listing: {metas} meta.json, {len(weights_read)} weights or checkpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
