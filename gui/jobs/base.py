"""The job base: runs one of core's long jobs on a QThread and reports back as Qt signals.

The engine and the predictor know nothing about Qt: they report through plain callbacks
and check a stop flag. The callbacks only put events on a thread-safe queue; a QTimer on
the GUI thread drains it and emits the job's signals there. No Python object ever
crosses threads through a queued Qt signal (PySide6 6.8+ can crash doing that,
PYSIDE-3124), and a burst of events costs the GUI one drain per tick, not one per event.

Every started job is in a registry until it is done; ``shutdown()`` (the window's close) asks them all
to stop, waits only for those that write a file that must not be cut in half (``WAIT_AT_CLOSE``) and
abandons the rest, so closing never waits on an import or a measurement. No page keeps its own list
of jobs: an abandoned job stays referenced here until its thread ends (a QThread destroyed while it
runs aborts the process), and gui.app ends the process with os._exit, so nothing waits for it there.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from core.errors import InputError
from core.failures import describe_failure
from gui.jobs.preload import import_heavy_modules

# core.inference.predict and core.training.engine (torch) are imported where they are used: gui.jobs.preload has
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


class Job(QObject):
    """Subclasses define ``work()`` (run on the worker thread) and signals it fills through ``post()``."""

    failed = Signal(str)
    done = Signal()
    POLL_MS = 30
    # True: closing the window waits for this job (it writes a checkpoint or a file that must not be cut in
    # half); False: closing asks it to stop and abandons it, and the process may end while it still runs
    WAIT_AT_CLOSE = False
    # events delivered per tick of the GUI thread: two batches of predictions queued while the window was
    # busy (48 rows with thumbnails) were drawn in one go, the longest freeze while predicting a folder
    DRAIN_BUDGET_S = 0.012
    # started and not yet done (weak: the registry never keeps a job alive; its owner does)
    _live: weakref.WeakSet[Job] = weakref.WeakSet()
    _closing = False  # True only while shutdown() waits: nothing new starts then

    def __init__(self) -> None:
        super().__init__()
        self.stop_event = threading.Event()
        self.thread: _Runner | None = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._drain)
        self._done = False
        self.abandoned = False  # set by shutdown(): deliver nothing more, start no work

    def start(self) -> None:
        if Job._closing:  # a done handler asked for a follow-up (a waiting Grad-CAM, a preview): not now
            return
        self.thread = _Runner(self._run_in_thread)
        Job._live.add(self)
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
            # waits for the background import if it is still running, unless the window closes meanwhile
            if import_heavy_modules(give_up=lambda: self.abandoned) and not self.abandoned:
                self.work()
        except InputError as exc:
            self.post("failed", str(exc))
        except Exception as exc:  # shown to the user in one sentence; the app keeps running
            if self.abandoned:  # nobody listens (an import cut short by the interpreter's exit): not an error
                return
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
            Job._live.discard(self)
            self.done.emit()

    def finish_now(self, ms: int = 120_000) -> None:
        """Block until the worker ends (closing the window), then deliver what it posted."""
        self.wait(ms)
        self._drain(budget_s=float("inf"))

    def abandon(self) -> None:
        """Closing the window: stop asking, deliver nothing more; the thread is left to end on its own."""
        self.stop()
        self.abandoned = True
        self._timer.stop()
        Job._live.discard(self)
        _abandoned.append(self)

    def work(self) -> None:
        raise NotImplementedError


def live_jobs() -> list[Job]:
    """The jobs started and not yet done, in no particular order."""
    return list(Job._live)


# jobs abandoned at close and perhaps still running: kept alive, since a QThread destroyed while it runs
# aborts the process (pruned at the next close; the app itself ends with os._exit and never waits for them)
_abandoned: list[Job] = []


def shutdown(timeout_ms: int = 120_000) -> None:
    """Closing the window: ask every live job to stop; wait only for the ``WAIT_AT_CLOSE`` ones.

    All are asked first, so they wind down together (the engine checkpoints within one batch). A training
    run or an export is waited for and what it posted is delivered: never a half-written file. Every other
    job (an import in progress, a speed test, a preview) is abandoned, so closing takes no longer than
    the jobs that must finish. While this waits, a done handler cannot start another job.
    """
    was_closing, Job._closing = Job._closing, True
    try:
        _abandoned[:] = [job for job in _abandoned if not job.thread.isFinished()]
        jobs = live_jobs()
        for job in jobs:
            job.stop()
        for job in jobs:
            if job.WAIT_AT_CLOSE:
                job.finish_now(timeout_ms)
            else:
                job.abandon()
    finally:
        Job._closing = was_closing


@atexit.register
def _let_abandoned_jobs_end() -> None:
    """A process that exits normally (tests, scripts) lets its abandoned threads end first; gui.app skips this."""
    for job in _abandoned:
        job.wait()
