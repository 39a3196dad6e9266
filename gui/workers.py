"""Thin QObject adapters that run core's long jobs on a QThread.

The engine and the predictor know nothing about Qt: they report through plain callbacks
and check a stop flag. These adapters forward the callbacks as queued signals, so slots
run on the GUI thread, and set the flag when the user presses Stop.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import InputError


class _Job(QObject):
    failed = Signal(str)
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.stop_event = threading.Event()
        self.thread: QThread | None = None

    def start(self) -> None:
        """Move to a fresh QThread and run ``work`` there."""
        self.thread = QThread()
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def wait(self, ms: int = 60_000) -> bool:
        return self.thread.wait(ms) if self.thread is not None else True

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    @Slot()
    def _run(self) -> None:
        try:
            self.work()
        except InputError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # shown to the user; the app keeps running
            traceback.print_exc()
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.done.emit()
            # quit from here: a GUI thread blocked in wait() (closing the window) could not run a queued quit
            self.thread.quit()

    def work(self) -> None:
        raise NotImplementedError


class TrainJob(_Job):
    """Runs core.training.engine.Trainer (or resume) and forwards its events."""

    event = Signal(object)

    def __init__(self, config=None, resume_dir: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.resume_dir = resume_dir

    def work(self) -> None:
        from core.training.engine import Trainer, resume

        if self.resume_dir:
            resume(self.resume_dir, self.event.emit, self.stop_event)
        else:
            Trainer(self.config, self.event.emit, self.stop_event).run()


class PredictJob(_Job):
    """Loads a run and classifies files batch by batch, with thumbnails for the table."""

    batchReady = Signal(list, list)  # predictions, thumbnails (uint8 HxWx3 arrays)
    progress = Signal(int, int)
    loaded = Signal(object)  # the LoadedModel
    finishedWith = Signal(list, list)  # all predictions, failures [(path, reason)]

    THUMB = 56

    def __init__(self, model_path: str, paths: list[Path], model=None) -> None:
        super().__init__()
        self.model_path = model_path
        self.paths = paths
        self.model = model

    def work(self) -> None:
        from core.predict import load_run, predict_files

        lm = self.model if self.model is not None and str(self.model.run_dir) == self.model_path \
            else load_run(self.model_path)
        self.loaded.emit(lm)

        def on_batch(preds, pixels: np.ndarray) -> None:
            step = max(1, pixels.shape[1] // self.THUMB)
            self.batchReady.emit(preds, [np.ascontiguousarray(p[::step, ::step]) for p in pixels])

        preds, failures = predict_files(lm, self.paths, batch_size=32, progress=self.progress.emit,
                                        should_stop=self.stop_event.is_set, on_batch=on_batch)
        self.finishedWith.emit(preds, failures)
