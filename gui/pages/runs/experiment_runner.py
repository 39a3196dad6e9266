"""Runs an experiment (core.training.experiments) in the window: its runs one after another, as normal runs.

A thin adapter: each config goes through the window's own training path (``_start_job``
with a TrainJob), so every run looks and behaves like one started from the Train page
(live curves there, Stop, a run folder, trainingFinished). This object only listens to each
job: it forwards epochs to the overlay, and when a job is done starts the next config. A
stopped or failed run (Stop on either page, closing the window) ends the queue.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.errors import InputError
from core.training import events as ev
from core.training.experiments import ExperimentQueue


class ExperimentRunner(QObject):
    changed = Signal()  # progress moved on: a run started or ended, or the queue ended
    epochDone = Signal(str, int, float, float)  # run name, epoch, val acc, train loss
    runStarted = Signal(str)  # run name

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.queue: ExperimentQueue | None = None
        self._outcome = "failed"  # of the job in progress, from its last event

    def is_running(self) -> bool:
        return self.queue is not None and not self.queue.done

    def start(self, key: str) -> bool:
        """Queue ``key``'s runs on the Data page's folder with the Train page's settings; False if refused."""
        w = self.window
        if w.train_job is not None and w.train_job.is_running():
            w.show_error("Busy", "A run is training: wait for it to end, or stop it, then start the experiment.",
                         "busy")
            return False
        folder = w.dataPage.folder()
        if not folder:
            w.tabs.setCurrentWidget(w.dataPage)
            w.show_error("No training photos", "Choose the folder of training photos on the Data page first.",
                         "train")
            return False
        w.dataPage.set_folder(folder)
        if w.dataPage.index is None:
            w.show_error("Cannot train on this folder", w.dataPage.error_message, "data")
            return False
        base = w.trainPage.config(folder, w.dataPage.val_split(), w.weights_dir)
        try:
            self.queue = ExperimentQueue.create(key, base)
        except InputError as exc:
            w.show_error("Cannot start the experiment", str(exc), "train")
            return False
        w.statusLine.clear_error()
        self._next()
        return True

    def stop(self) -> None:
        if self.queue is not None:
            self.queue.stop()
        self.window.stop_training()
        self.changed.emit()

    def _next(self) -> None:
        w = self.window
        cfg = self.queue.next_config() if self.queue is not None else None
        if cfg is None or w._quitting:
            if self.queue is not None and not self.queue.done:
                self.queue.stop()
            self.changed.emit()
            return
        page = w.tabs.currentWidget()
        self._outcome = "failed"
        w._start_job(_new_train_job(cfg))
        w.tabs.setCurrentWidget(page)  # the user stays where they are (the overlay is on the Runs page)
        w.train_job.event.connect(self._on_event)
        w.train_job.done.connect(self._job_done)  # after the window's own handler: the window is idle again
        self.changed.emit()

    def _on_event(self, e) -> None:
        if isinstance(e, ev.RunStarted):
            self.queue.run_started(e.run_dir)
            self.runStarted.emit(Path(e.run_dir).name)
        elif isinstance(e, ev.EpochEnd):
            name = Path(self.queue.run_dirs[-1] or "").name
            self.epochDone.emit(name, e.epoch, e.val_acc, e.train_loss)
        elif isinstance(e, ev.Finished):
            self._outcome = "stopped" if e.stopped else "finished"
        elif isinstance(e, ev.Failed):
            self._outcome = "failed"

    def _job_done(self) -> None:
        if self.queue is None or self.queue.done:
            return
        self.queue.run_ended(self._outcome)
        self._next()

    def status_text(self) -> str:
        return self.queue.progress_text() if self.queue is not None else ""

    def current_arch(self) -> str:
        q = self.queue
        return q.configs[len(q.run_dirs) - 1].arch if q is not None and q.run_dirs else ""

    def run_names(self) -> list[str]:
        return [Path(d).name for d in self.queue.run_dirs if d] if self.queue is not None else []


def _new_train_job(cfg):
    from gui.jobs.train import TrainJob  # the engine loads with it: torch stays out of the window's start-up

    return TrainJob(cfg)
