"""Evaluate a run in the real window, time it, measure how long the GUI ever froze, grab screenshots.

A 10 ms QTimer ticks on the GUI thread while the Evaluate page works; the longest gap
between ticks is the longest freeze. Then a confusion-matrix cell is clicked, a photo is
explained (Grad-CAM, timed) and the page is grabbed at each window size:

    xvfb-run -a -s "-screen 0 1400x900x24" python scripts/eval_demo.py /tmp/h12/runs --out /tmp/h12/shots
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from gui_demo import GapMeter, wait_for  # scripts/ is on sys.path when run as a script
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weights", help="a runs folder")
    ap.add_argument("--run", help="run folder name (default: the newest)")
    ap.add_argument("--data", default="", help="labelled folder (default: the run's validation photos)")
    ap.add_argument("--out", default="/tmp/eval_shots")
    ap.add_argument("--sizes", default="1280x800,1024x640")
    args = ap.parse_args()
    _app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive)
    from gui.main_window import MainWindow

    w = MainWindow(weights_dir=args.weights)
    w.resize(1280, 800)
    w.show()
    page = w.evaluatePage
    w.tabs.setCurrentWidget(page)
    if args.run:
        page.evalModelCombo.setCurrentIndex(page.evalModelCombo.findData(str(Path(args.weights) / args.run)))
    page.evalDataEdit.setText(args.data)
    settle()
    t_load = time.perf_counter()
    while not w.preloader.is_done():  # PyTorch loads in the background after the window shows (issue 15)
        QApplication.processEvents()
        time.sleep(0.01)
    print(f"PyTorch ready {time.perf_counter() - t_load:.1f} s after the window was shown")
    meter = GapMeter()
    meter.timer.start()
    meter.reset()
    t0 = time.perf_counter()
    page.evaluateButton.click()
    (n,) = wait_for(w.evaluationReady, 600)
    seconds = time.perf_counter() - t0
    settle(500)  # the gallery's thumbnails arrive in ticks
    print(f"evaluated {n} photos in {seconds:.1f} s ({page.evalModelCombo.currentText()}); "
          f"max GUI gap {meter.max_gap * 1000:.0f} ms over {meter.ticks} ticks; long gaps {meter.long_gaps[:8]}")
    r = page.result.report()
    print(f"accuracy {r.accuracy:.2%}, log loss {r.log_loss:.4f}, confusion {r.confusion.tolist()}")
    wrong = [(i, j) for i in range(len(r.classes)) for j in range(len(r.classes)) if i != j and r.confusion[i, j]]
    cell = wrong[0] if wrong else (0, 0)
    meter.reset()
    page.confusionMatrix.setCurrentCell(*cell)
    page.confusionMatrix.cellClicked.emit(*cell)
    settle(300)
    print(f"cell {cell}: {page.galleryList.count()} photos; max GUI gap showing them {meter.max_gap * 1000:.0f} ms")
    for warm in (False, True):
        t0 = time.perf_counter()
        page.galleryList.setCurrentRow(1 if warm else 0)
        wait_for(page.camView.camReady, 60)
        print(f"Grad-CAM of one photo in the window ({'model loaded' if warm else 'loads its model'}): "
              f"{time.perf_counter() - t0:.2f} s at stage {page.camView.cam.stage}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        width, height = (int(v) for v in size.split("x"))
        w.resize(width, height)
        settle(400)
        path = out / f"evaluate_{size}.png"
        w.grab().save(str(path))
        print(f"screenshot {path}")
    meter.timer.stop()
    w.close()


if __name__ == "__main__":
    main()
