"""The Data page's photo check off the GUI thread: core.check.suspects.check_folder, with progress and a stop.

Torch and the check's code load inside ``work()``, on the worker thread, as for every other job.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from gui.jobs.base import Job


class CheckJob(Job):
    """Scores every photo of ``data`` out of fold; ``finishedWith`` carries the CheckResult, ``stopped`` a cancel."""

    progress = Signal(int, int)  # photos read, photos in all
    said = Signal(str)  # a line of what the check is doing (reading the cache, extracting features)
    finishedWith = Signal(object)  # core.check.suspects.CheckResult
    stopped = Signal()

    def __init__(self, data: str) -> None:
        super().__init__()
        self.data = data

    def work(self) -> None:
        from core.check.suspects import check_folder

        try:
            result = check_folder(self.data, progress=lambda d, t: self.post("progress", d, t),
                                  should_stop=self.stop_event.is_set, say=lambda line: self.post("said", line))
        except InterruptedError:
            self.post("stopped")
            return
        if self.stop_event.is_set():
            self.post("stopped")
        else:
            self.post("finishedWith", result)
