"""Training on a worker thread: core.training.engine's events as the job's ``event`` signal."""

from __future__ import annotations

from PySide6.QtCore import Signal

from gui.jobs.base import Job

# core.training.engine (torch) is imported in work(): gui.jobs.preload has imported it in the background
# by then, so the window opens before PyTorch has loaded.


class TrainJob(Job):
    """Runs core.training.engine.Trainer (or resume) and forwards its events."""

    event = Signal(object)
    WAIT_AT_CLOSE = True  # closing the window stops it and waits: the engine writes its checkpoint first

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
