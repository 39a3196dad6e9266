"""Closing never waits on an import (issue 23, item 6): jobs that need not finish are asked to stop and
abandoned, the window hides at once, and ``catdog-gui`` ends within a second; a run's checkpoint and
an export are still waited for."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from PySide6.QtCore import Signal

import gui.jobs.base
from gui.jobs.base import Job
from gui.jobs.estimate import EstimateJob
from gui.jobs.preload import HEAVY_IMPORT_LOCK

ROOT = Path(__file__).resolve().parents[1]
SLOW_S = 4.0  # a slow import or job: far longer than closing may take


class Stubborn(Job):
    """Works for SLOW_S seconds and never looks at the stop flag (a speed test, a preview)."""

    result = Signal(int)

    def work(self) -> None:
        time.sleep(SLOW_S)
        self.post("result", 1)


class Writer(Job):
    """A file that must not be cut in half (an export): closing waits for it."""

    WAIT_AT_CLOSE = True

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def work(self) -> None:
        with open(self.path, "w") as f:
            for i in range(5):
                time.sleep(0.1)
                f.write(f"{i}\n")


def _close_timed(window) -> float:
    start = time.perf_counter()
    window.close()
    return time.perf_counter() - start


def test_closing_while_the_import_runs_abandons_the_waiting_job(window, qtbot, monkeypatch):
    """The issue's freeze: a speed measurement waiting for PyTorch's import held closeEvent for seconds."""
    importing = threading.Event()

    def slow_import(give_up=None) -> bool:  # this job is the one importing: nothing interrupts an import
        importing.set()
        time.sleep(SLOW_S)
        return True

    measured = []
    monkeypatch.setattr(gui.jobs.base, "import_heavy_modules", slow_import)
    monkeypatch.setattr(EstimateJob, "work", lambda self: measured.append(self.args))
    job = EstimateJob("lenet", 32, 4, True)
    job.start()
    assert importing.wait(5)
    elapsed = _close_timed(window)
    assert elapsed < 0.5, f"closing took {elapsed:.2f} s"
    assert not window.isVisible()
    assert job.wait(int(SLOW_S * 2000))  # let it end here, not in a later test
    assert measured == [], "an abandoned job went on to measure after its import"


def test_an_abandoned_job_stops_waiting_for_the_background_import(window, qtbot):
    """Its thread ends at once instead of outliving the window by the rest of PyTorch's import."""
    job = Stubborn()
    with HEAVY_IMPORT_LOCK:  # another thread is importing
        job.start()
        qtbot.wait(100)
        window.close()
        assert job.wait(500), "the abandoned job still waits for the import"
    assert job.abandoned


def test_closing_does_not_wait_for_a_job_that_ignores_the_stop_flag(window, qtbot):
    job = Stubborn()
    got = []
    job.result.connect(got.append)
    job.start()
    qtbot.wait(100)
    elapsed = _close_timed(window)
    assert elapsed < 0.5, f"closing took {elapsed:.2f} s"
    assert job.wait(int(SLOW_S * 2000))
    qtbot.wait(3 * Job.POLL_MS)
    assert got == [], "an abandoned job delivered a result to a closed window"


def test_closing_still_waits_for_a_file_that_must_be_whole_and_hides_first(window, qtbot, tmp_path, monkeypatch):
    job = Writer(tmp_path / "model.onnx")
    seen = []
    real = job.finish_now
    monkeypatch.setattr(job, "finish_now", lambda ms=0: (seen.append(window.isVisible()), real(ms)))
    job.start()
    window.close()
    assert seen == [False], "the window stayed on screen while closing waited"
    assert not job.is_running()
    assert (tmp_path / "model.onnx").read_text() == "0\n1\n2\n3\n4\n"


CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    import gui.app, gui.jobs.base, gui.jobs.preload

    real = gui.jobs.preload.import_heavy_modules

    def slow_import():  # a busy machine: the import takes {slow} s more, holding the import lock
        with gui.jobs.preload.HEAVY_IMPORT_LOCK:
            time.sleep({slow})
            real()

    gui.jobs.preload.import_heavy_modules = slow_import  # the background import; jobs wait for its lock
    app = QApplication(sys.argv)

    def window():
        return next(w for w in app.topLevelWidgets() if type(w).__name__ == "MainWindow")

    def close_once_a_job_waits():
        jobs = sorted(type(j).__name__ for j in gui.jobs.base.live_jobs())
        if not jobs and time.monotonic() < started + 10:
            return
        timer.stop()
        print("live", ",".join(jobs), "loaded" if window().preloader.is_done() else "loading", flush=True)
        print("closing", time.time(), flush=True)
        window().close()

    started = time.monotonic()
    QTimer.singleShot(50, lambda: window().dataPage.set_folder({folder!r}))  # the estimator starts a job
    timer = QTimer(interval=50, timeout=close_once_a_job_waits)
    timer.start()
    sys.exit(gui.app.main())
""")


def test_catdog_gui_ends_within_a_second_of_closing_while_torch_loads(tmp_path):
    from conftest import write_flat

    folder = write_flat(tmp_path / "train", 4, size=32)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               CATDOG_LOG_DIR=str(tmp_path / "logs"), PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    code = CHILD.format(slow=3 * SLOW_S, folder=str(folder))
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    ended = time.time()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "QThread" not in proc.stderr, proc.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert lines["live"] == "MemoryJob loading", "the scenario: a job waits for the import when the window closes"
    took = ended - float(lines["closing"])
    assert took < 2.0, f"the process ended {took:.1f} s after the window closed"
