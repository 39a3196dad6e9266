"""The learning-rate range test off the GUI thread: core.lr_find.range_test.find_lr, its events as signals."""

from __future__ import annotations

from PySide6.QtCore import Signal

from gui.jobs.base import Job


class LrFindJob(Job):
    """``event`` carries Preparing and LrStep events; ``resultReady`` the LrFindResult; ``stopped`` a cancel."""

    event = Signal(object)
    resultReady = Signal(object)  # core.lr_find.range_test.LrFindResult
    stopped = Signal()

    def __init__(self, config, steps: int) -> None:
        super().__init__()
        self.config, self.steps = config, steps

    def work(self) -> None:
        from core.lr_find.range_test import find_lr

        result = find_lr(self.config, self.steps, on_event=lambda e: self.post("event", e),
                         stop_event=self.stop_event)
        if result.stopped:
            self.post("stopped")
        else:
            self.post("resultReady", result)
