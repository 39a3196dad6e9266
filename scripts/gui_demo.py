"""Drive the real window on real photos: train, drop a folder, grab screenshots, time the GUI.

While the model trains and while a folder is classified, a 10 ms QTimer ticks on the GUI
thread; the longest gap between ticks is how long the window was frozen. Run it on a
screen (or under Xvfb) to get PNGs a person can look at:

    xvfb-run -s "-screen 0 1400x900x24" python scripts/gui_demo.py ../shared/data/dogs-vs-cats-1760 \
        --predict ../shared/data/dogs-vs-cats-1760 --size 1280x800 --out shots
"""

from __future__ import annotations

import argparse
import tempfile
import time

T_PROCESS = time.perf_counter()
from pathlib import Path  # noqa: E402 (after the clock starts: imports are part of the start-up)

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


class GapMeter:
    """Longest interval between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.reset()

    def reset(self) -> None:
        self.last = self.start = time.perf_counter()
        self.max_gap = 0.0
        self.ticks = 0
        self.long_gaps: list[tuple[float, float]] = []  # (seconds since reset, gap)

    def _tick(self) -> None:
        now = time.perf_counter()
        if now - self.last > 0.05:
            self.long_gaps.append((round(self.last - self.start, 2), round((now - self.last) * 1000)))
        self.max_gap = max(self.max_gap, now - self.last)
        self.last = now
        self.ticks += 1


def wait_for(signal, timeout_s: float):
    """Run the event loop until ``signal`` fires; returns its arguments."""
    box: list = []
    loop = QEventLoop()
    signal.connect(lambda *a: (box.append(a), loop.quit()))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    if not box:
        raise TimeoutError(f"no signal within {timeout_s} s")
    return box[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--predict", type=Path, help="a folder to classify after training")
    ap.add_argument("--arch", help="default: the window's own default (a new user's choice)")
    from core.runs.layout import START_MODES

    ap.add_argument("--start", choices=START_MODES,
                    help="default: the window's own default")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--image-size", type=int)
    ap.add_argument("--csv", type=Path, help="after --predict, write the submission CSV here")
    ap.add_argument("--size", default="1280x800", help="window size WxH")
    ap.add_argument("--out", type=Path, default=Path("shots"))
    ap.add_argument("--weights", type=Path, default=None)
    args = ap.parse_args()

    from PySide6.QtCore import QSettings

    # a new user: no settings from earlier sessions (they live in a fresh folder for this run)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="catdog-demo-settings-"))
    app = QApplication.instance() or QApplication([])  # noqa: F841 (the reference keeps Qt alive)
    from gui.main_window import MainWindow

    w, h = (int(v) for v in args.size.split("x"))
    weights = args.weights or Path(tempfile.mkdtemp(prefix="catdog-demo-"))
    window = MainWindow(weights_dir=weights)
    window.resize(w, h)
    window.show()
    app.processEvents()
    print(f"window shown {time.perf_counter() - T_PROCESS:.1f} s after the process started")
    args.out.mkdir(parents=True, exist_ok=True)
    meter = GapMeter()
    import gc

    gc_pauses: list = []
    gc_t0 = {}

    def on_gc(phase, info):
        if phase == "start":
            gc_t0["t"] = time.perf_counter()
        elif (time.perf_counter() - gc_t0["t"]) > 0.02:
            gc_pauses.append((info["generation"], round((time.perf_counter() - gc_t0["t"]) * 1000)))

    gc.callbacks.append(on_gc)

    window.dataPage.set_folder(str(args.data))
    window.grab().save(str(args.out / f"data-{args.size}.png"))
    if args.arch:
        window.trainPage.set_arch(args.arch)
    if args.start:
        window.trainPage.startCombo.set_start(args.start)
    if args.epochs:
        window.epochsSpin.setValue(args.epochs)
    if args.image_size:
        window.imageSizeSpin.setValue(args.image_size)
    arch, epochs = window.trainPage.arch(), window.epochsSpin.value()
    print(f"training {arch}, start {window.trainPage.startCombo.start()}, {epochs} epochs, "
          f"{window.imageSizeSpin.value()} px")
    window.tabs.setCurrentWidget(window.trainPage)
    meter.timer.start()
    meter.reset()
    t0 = time.perf_counter()
    window.trainButton.click()  # pressed at once: if PyTorch is still loading, training starts when it is in
    if window.train_job is None:
        wait_for(window.preloader.ready, 600)
        print(f"  {time.perf_counter() - meter.start:6.2f} s  PyTorch loaded, training starts; longest GUI gap "
              f"while it loaded in the background {meter.max_gap * 1000:.0f} ms")
        meter.reset()
    window.train_job.event.connect(lambda e: type(e).__name__ in ("EpochEnd", "RunStarted", "Finished") and print(
        f"  {time.perf_counter() - meter.start:6.2f} s  {type(e).__name__}"))
    (run_dir,) = wait_for(window.trainingFinished, 3600)
    train_gap, train_ticks, train_s = meter.max_gap, meter.ticks, time.perf_counter() - t0
    window.grab().save(str(args.out / f"train-{args.size}.png"))
    print("gaps over 50 ms (s since start, ms):", meter.long_gaps[:10])
    print(f"trained {arch} for {epochs} epochs in {train_s:.0f} s: run {run_dir}")
    print(f"GUI thread while training: longest gap between 10 ms timer ticks {train_gap * 1000:.0f} ms "
          f"({train_ticks} ticks)")

    if args.predict:
        meter.reset()
        t0 = time.perf_counter()
        window.predict_paths([args.predict])
        (rows,) = wait_for(window.predictionsReady, 3600)
        print("gaps over 50 ms (s since start, ms):", meter.long_gaps[:10])
        print("garbage collections over 20 ms (generation, ms):", gc_pauses)
        print(f"classified {rows} photos in {time.perf_counter() - t0:.1f} s; longest GUI gap "
              f"{meter.max_gap * 1000:.0f} ms ({meter.ticks} ticks)")
        window.grab().save(str(args.out / f"predict-{args.size}.png"))
        if args.csv:
            from core.inference.submission import write_submission

            n = write_submission(args.csv, window.predictPage.predictionsTable.predictions,
                                 window.loaded_model.classes)
            print(f"wrote {n} rows to {args.csv}")
    print(f"from process start to here: {time.perf_counter() - T_PROCESS:.0f} s")
    window.close()


if __name__ == "__main__":
    main()
