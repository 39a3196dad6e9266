"""Classify N photos in the real window and evaluate M: longest GUI stall, memory, seconds, CSV rows (issue 24).

Builds (in a temporary folder, never in the repository) a test folder of N links named 1.jpg..N.jpg and a
labelled folder of M links cat.K.jpg / dog.K.jpg, all pointing at DATA's photos (a flat cat.N.jpg /
dog.N.jpg folder, e.g. the shared dogs-vs-cats-1760) repeated under new names. Takes a run (--run, or
``imagenet:efficientnet_lite0``), or trains a tiny LeNet on DATA. Then, offscreen, as a user would:
drop 294 photos on Predict (the baseline), drop the N photos, sort, filter, scroll to the bottom, export
the CSV; then Evaluate on the M photos, open the largest cell and scroll its gallery. A 5 ms timer on the
GUI thread measures how late it ever fires (the longest stall); RSS is read from /proc.

    QT_QPA_PLATFORM=offscreen python scripts/window_scale_bench.py ../shared/data/dogs-vs-cats-1760 --photos 12500
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from gui_demo import wait_for  # noqa: E402 (scripts/ is on sys.path when run as a script)
from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog  # noqa: E402

BASELINE = 294  # the held-out photos of the README's measurements


class StallMeter:
    """A 5 ms precise timer on the GUI thread: how late its ticks come is how long the window was frozen."""

    INTERVAL_MS = 5

    def __init__(self) -> None:
        gc.callbacks.append(self._gc)
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(self.INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.reset("start")
        self.timer.start()

    def reset(self, phase: str) -> None:
        self.phase, self.start = phase, time.perf_counter()
        self.last, self.worst, self.long, self.gc_pauses = self.start, 0.0, [], []

    def _tick(self) -> None:
        now = time.perf_counter()
        late = now - self.last - self.INTERVAL_MS / 1000
        if late > 0.05:
            self.long.append((round(self.last - self.start, 1), round(late * 1000)))
        self.worst, self.last = max(self.worst, late), now

    def _gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_t0 = time.perf_counter()
        elif (ms := (time.perf_counter() - self._gc_t0) * 1000) > 20:
            self.gc_pauses.append((info["generation"], round(ms)))

    def report(self) -> str:
        more = f"; stalls over 50 ms (s after start, ms): {self.long[:8]}" if self.long else ""
        more += f"; garbage collections over 20 ms (generation, ms): {self.gc_pauses[:8]}" if self.gc_pauses else ""
        return f"longest stall {self.worst * 1000:.0f} ms{more}"


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def link_folder(folder: Path, sources: list[Path], names: list[str]) -> Path:
    """``names`` as symbolic links to ``sources``, cycled: no photo is copied."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(names):
        os.symlink(sources[k % len(sources)].resolve(), folder / name)
    return folder


def pump(seconds: float = 0.0, until=None, timeout: float = 600) -> float:
    """Run the event loop for ``seconds`` or until ``until()``; returns the seconds it took."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        QApplication.processEvents()
        if (until is None and time.perf_counter() - t0 >= seconds) or (until is not None and until()):
            break
        time.sleep(0.002)
    return time.perf_counter() - t0


def timed(meter: StallMeter, label: str, action, settle: float = 0.3) -> None:
    """Do a user action, let the window paint, and print its time and the stall it caused."""
    meter.reset(label)
    t0 = time.perf_counter()
    action()
    QApplication.processEvents()
    ms = (time.perf_counter() - t0) * 1000
    pump(settle)
    print(f"  {label}: {ms:.0f} ms until painted; {meter.report()}")


def tiny_run(data: Path, weights: Path) -> str:
    """Train LeNet at 32 px for one epoch on DATA (seconds); an untrained one if training fails."""
    cmd = [sys.executable, "-m", "core.cli", "train", str(data), "--arch", "lenet", "--image-size", "32",
           "--epochs", "1", "--out", str(weights), "--name", "tiny"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    run = weights / "tiny"
    if done.returncode != 0:
        from core.models.registry import build_model
        from core.runs import store
        from core.runs.meta import write_meta

        print(f"training failed ({done.stderr.strip().splitlines()[-1:]}): an untrained LeNet run instead")
        run.mkdir(parents=True, exist_ok=True)
        store.save_model(run, build_model("lenet", 2))
        write_meta(run, {"arch": "lenet", "classes": ["cat", "dog"], "image_size": 32, "status": "finished"})
    return str(run)


def predict(window, meter: StallMeter, folder: Path, label: str) -> tuple[int, float]:
    meter.reset(label)
    rss0, t0 = rss_mb(), time.perf_counter()
    window.predictPage.predictRequested.emit([folder])  # what a drop on the page does
    (rows,) = wait_for(window.predictionsReady, 7200)
    seconds = time.perf_counter() - t0
    pump(0.5)
    rss = rss_mb()
    print(f"{label}: {rows} rows in {seconds:.1f} s ({rows / seconds:.0f} photos/s); {meter.report()}; "
          f"RSS {rss0:.0f} -> {rss:.0f} MB")
    return rows, rss


def predict_page(window, meter: StallMeter, tmp: Path) -> None:
    table, page = window.predictionsTable, window.predictPage
    timed(meter, "sort by probability (header click)", lambda: table.sortByColumn(3, Qt.SortOrder.DescendingOrder))
    timed(meter, "sort by name", lambda: table.sortByColumn(1, Qt.SortOrder.AscendingOrder))
    combo = page.tableControls.filterCombo
    timed(meter, "filter: only dog", lambda: combo.setCurrentIndex(combo.findData("dog")))
    timed(meter, "filter: uncertain", lambda: combo.setCurrentIndex(combo.findData("uncertain")))
    timed(meter, "filter: all", lambda: combo.setCurrentIndex(combo.findData("all")))
    timed(meter, "scroll to the bottom", table.scrollToBottom, settle=0)
    meter.reset("thumbnails")
    print(f"  thumbnails of the rows on screen: {pump(until=table.thumbs.idle) * 1000:.0f} ms more; "
          f"{table.thumbs.cached()} icons cached ({table.thumbs.decoded} decoded in all); {meter.report()}")
    print(f"  shown: {page.tableControls.shownLabel.text()}; summary: {page.summaryLabel.text()[:100]}")
    out = tmp / "submission.csv"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(out), ""))
    timed(meter, "Export CSV… dialog", window.export_csv)
    dialog = window.export_dialog
    meter.reset("save")
    t0 = time.perf_counter()
    dialog.save()  # the file is written on a job: the dialog closes once it is whole
    pump(until=lambda: dialog.written_path is not None or dialog.error is not None)
    print(f"  Save: written in {(time.perf_counter() - t0) * 1000:.0f} ms; {meter.report()}")
    lines = out.read_text().splitlines() if out.exists() else []
    print(f"  exported CSV: {max(len(lines) - 1, 0)} rows ({out})")


def evaluate_page(window, meter: StallMeter, folder: Path, photos: int) -> None:
    page = window.evaluatePage
    window.tabs.setCurrentWidget(page)
    page.evalModelCombo.setCurrentIndex(page.evalModelCombo.findData(window.predictPage.model_path()))
    page.evalDataEdit.setText(str(folder))
    pump(0.3)
    meter.reset("evaluate")
    rss0, t0 = rss_mb(), time.perf_counter()
    page.evaluateButton.click()
    (n,) = wait_for(window.evaluationReady, 7200)
    seconds = time.perf_counter() - t0
    pump(0.5)
    print(f"Evaluate {photos} labelled photos: {n} evaluated in {seconds:.1f} s; {meter.report()}; "
          f"RSS {rss0:.0f} -> {rss_mb():.0f} MB")
    m = page.result.report().confusion
    i, j = divmod(int(m.argmax()), m.shape[1])
    gallery = page.galleryList

    def click() -> None:
        page.confusionMatrix.setCurrentCell(i, j)
        page.confusionMatrix.cellClicked.emit(i, j)

    timed(meter, f"open the largest cell ({int(m[i, j])} photos)", click)
    timed(meter, "scroll the gallery to the bottom", gallery.scrollToBottom, settle=0)
    meter.reset("gallery thumbnails")
    print(f"  gallery: {gallery.count()} photos; thumbnails on screen {pump(until=gallery.thumbs.idle) * 1000:.0f} ms "
          f"more, {gallery.thumbs.cached()} cached; {meter.report()}")
    timed(meter, "Top losses", page.topLossesButton.click)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="a flat folder of cat.N.jpg / dog.N.jpg photos")
    ap.add_argument("--photos", type=int, default=12500, help="test photos to classify (default 12,500)")
    ap.add_argument("--eval-photos", type=int, default=5000, help="labelled photos to evaluate (0: skip)")
    ap.add_argument("--run", help="a run folder or imagenet:ARCH (default: train a tiny LeNet on DATA)")
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--keep", action="store_true", help="keep the folder of links (and the run) afterwards")
    args = ap.parse_args()
    photos = sorted(p for p in args.data.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    tmp = Path(tempfile.mkdtemp(prefix="catdog-window-bench-"))
    test = link_folder(tmp / "test", photos, [f"{k}.jpg" for k in range(1, args.photos + 1)])
    baseline = link_folder(tmp / "baseline", photos, [f"{k}.jpg" for k in range(1, BASELINE + 1)])
    print(f"{os.uname().nodename}, {os.cpu_count()} CPUs, load average {os.getloadavg()}; links in {tmp}")
    app = QApplication.instance() or QApplication([])  # noqa: F841 (kept alive)
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    run = args.run or tiny_run(args.data, tmp / "weights")
    run = run if run.startswith("imagenet:") else str(Path(run).resolve())
    from gui.main_window import MainWindow

    window = MainWindow(weights_dir=Path(run).parent if not run.startswith("imagenet:") else tmp / "weights")
    window.resize(*(int(v) for v in args.size.split("x")))
    window.show()
    pump(until=window.preloader.is_done)
    window.predictPage.refresh_models(select=run)
    if window.predictPage.model_path() != run:
        window.predictPage.modelCombo.setCurrentIndex(window.predictPage.modelCombo.findData(run))
    print(f"model {window.predictPage.model_path()}; window ready, RSS {rss_mb():.0f} MB")
    meter = StallMeter()
    _, rss_base = predict(window, meter, baseline, f"Predict {BASELINE} photos (baseline)")
    rows, rss_big = predict(window, meter, test, f"Predict {args.photos} photos")
    print(f"  RSS after {args.photos} photos minus after {BASELINE}: {rss_big - rss_base:+.0f} MB; "
          f"peak RSS of the process so far {rss_mb('VmHWM'):.0f} MB")
    predict_page(window, meter, tmp)
    if args.eval_photos:
        cats = [p for p in photos if p.name.lower().startswith("cat")]
        dogs = [p for p in photos if p.name.lower().startswith("dog")]
        half = args.eval_photos // 2
        labelled = link_folder(tmp / "labelled", cats, [f"cat.{k}.jpg" for k in range(half)])
        link_folder(labelled, dogs, [f"dog.{k}.jpg" for k in range(args.eval_photos - half)])
        evaluate_page(window, meter, labelled, args.eval_photos)
    print(f"RSS at the end {rss_mb():.0f} MB, peak {rss_mb('VmHWM'):.0f} MB")
    window._quitting = True
    window.close()
    if not args.keep:
        shutil.rmtree(tmp)  # links, the tiny run and the CSV: no photo is ever removed


if __name__ == "__main__":
    main()
