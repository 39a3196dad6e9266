"""Thin adapters that run core's long jobs on a QThread and report back as Qt signals.

The engine and the predictor know nothing about Qt: they report through plain callbacks
and check a stop flag. The callbacks only put events on a thread-safe queue; a QTimer on
the GUI thread drains it and emits this adapter's signals there. No Python object ever
crosses threads through a queued Qt signal (PySide6 6.8+ can crash doing that,
PYSIDE-3124), and a burst of events costs the GUI one drain per tick, not one per event.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from core.errors import InputError
from core.failures import describe_failure
from gui.window.preload import import_heavy_modules

# core.inference.predict and core.training.engine (torch) are imported where they are used: gui.window.preload has
# imported them in the background by then, so the window opens before PyTorch has loaded.


def yield_to_the_window() -> None:
    """Lower this worker thread's scheduling priority (Linux: per-thread nice 10).

    On a 2-core laptop the training thread and its OpenMP helpers (created from it, so they
    inherit the nice value) kept the GUI thread off the CPU for 50-90 ms at a time; with the
    window first in line it gets its few milliseconds at once, and training loses almost nothing
    because the window is idle nearly all the time. Elsewhere this does nothing.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class _Runner(QThread):
    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        self._fn()


class _Job(QObject):
    failed = Signal(str)
    done = Signal()
    POLL_MS = 30
    # events delivered per tick of the GUI thread: two batches of predictions queued while the window was
    # busy (48 rows with thumbnails) were drawn in one go, the longest freeze while predicting a folder
    DRAIN_BUDGET_S = 0.012

    def __init__(self) -> None:
        super().__init__()
        self.stop_event = threading.Event()
        self.thread: _Runner | None = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._drain)
        self._done = False

    def start(self) -> None:
        self.thread = _Runner(self._run_in_thread)
        self.thread.start()
        self._timer.start()

    def stop(self) -> None:
        self.stop_event.set()

    def wait(self, ms: int = 60_000) -> bool:
        return self.thread.wait(ms) if self.thread is not None else True

    def is_running(self) -> bool:
        return self.thread is not None and not self._done

    def post(self, signal_name: str, *args) -> None:
        """Called on the worker thread: queue a signal to be emitted on the GUI thread."""
        self._queue.put((signal_name, args))

    def _run_in_thread(self) -> None:
        try:
            yield_to_the_window()
            import_heavy_modules()  # waits for the background import if it is still running
            self.work()
        except InputError as exc:
            self.post("failed", str(exc))
        except Exception as exc:  # shown to the user in one sentence; the app keeps running
            traceback.print_exc()
            self.post("failed", describe_failure(exc))

    def _drain(self, budget_s: float | None = None) -> None:
        finished = self.thread is not None and self.thread.isFinished()  # read first: nothing posted is lost
        deadline = time.perf_counter() + (self.DRAIN_BUDGET_S if budget_s is None else budget_s)
        while time.perf_counter() < deadline:
            try:
                name, args = self._queue.get_nowait()
            except queue.Empty:
                break
            getattr(self, name).emit(*args)
        else:
            return  # the budget is spent: the rest at the next tick, so the window can paint and take input
        if finished and not self._done:
            self._done = True
            self._timer.stop()
            self.done.emit()

    def finish_now(self, ms: int = 120_000) -> None:
        """Block until the worker ends (closing the window), then deliver what it posted."""
        self.wait(ms)
        self._drain(budget_s=float("inf"))

    def work(self) -> None:
        raise NotImplementedError


class TrainJob(_Job):
    """Runs core.training.engine.Trainer (or resume) and forwards its events."""

    event = Signal(object)

    def __init__(self, config=None, resume_dir: str | None = None, epochs: int | None = None) -> None:
        super().__init__()
        self.config = config
        self.resume_dir = resume_dir
        self.epochs = epochs  # with resume_dir: train to this many epochs in all

    def work(self) -> None:
        from core.training.engine import Trainer, resume

        def report(e) -> None:
            self.post("event", e)

        if self.resume_dir:
            resume(self.resume_dir, report, self.stop_event, epochs=self.epochs)
        else:
            Trainer(self.config, report, self.stop_event).run()


class PredictJob(_Job):
    """Loads a run and classifies files batch by batch, with thumbnails for the table."""

    batchReady = Signal(list, list)  # predictions, thumbnails (uint8 HxWx3 arrays)
    progress = Signal(int, int)
    loaded = Signal(object)  # the LoadedModel
    finishedWith = Signal(list, list)  # all predictions, failures [(path, reason)]

    THUMB = 96  # logical pixels of the largest thumbnail zoom (gui.pages.predict.table.MAX_THUMB)
    # table rows per delivery: 32 rows with thumbnails took the GUI thread 40-50 ms on a busy laptop CPU,
    # 8 fit the drain's 12 ms slice (gui.jobs.workers._Job.DRAIN_BUDGET_S)
    ROWS_PER_POST = 8

    def __init__(self, model_path: str, paths: list[Path], model=None, screen_ratio: float = 1.0) -> None:
        super().__init__()
        self.thumb_px = round(self.THUMB * screen_ratio)  # device pixels: sharp at 200% scaling
        self.model_path = model_path
        self.paths = paths
        self.model = model

    def work(self) -> None:
        from core.inference.predict import load_run, predict_files

        lm = self.model if self.model is not None and str(self.model.run_dir) == self.model_path \
            else load_run(self.model_path)
        self.post("loaded", lm)

        def on_batch(preds, pixels: np.ndarray) -> None:
            step = max(1, pixels.shape[1] // self.thumb_px)
            thumbs = [np.ascontiguousarray(p[::step, ::step]) for p in pixels]
            for i in range(0, len(preds), self.ROWS_PER_POST):  # the window adds them a slice per tick
                self.post("batchReady", preds[i:i + self.ROWS_PER_POST], thumbs[i:i + self.ROWS_PER_POST])

        preds, failures = predict_files(lm, self.paths, batch_size=32,
                                        progress=lambda d, t: self.post("progress", d, t),
                                        should_stop=self.stop_event.is_set, on_batch=on_batch)
        self.post("finishedWith", preds, failures)


class EstimateJob(_Job):
    """Times a few batches of one architecture on this computer (core.planning.duration caches the result)."""

    ready = Signal(object)  # core.planning.duration.Rates

    def __init__(self, arch: str, image_size: int, batch_size: int, train: bool) -> None:
        super().__init__()
        self.args = (arch, image_size, batch_size, train)

    def work(self) -> None:
        from core.planning.duration import measure_rates

        self.post("ready", measure_rates(*self.args))
