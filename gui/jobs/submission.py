"""Writing the submission CSV off the GUI thread.

Formatting 12,500 rows took core 80-150 ms on a 2-core laptop (a frozen window), and a network or USB
folder can take seconds more; the dialog stays responsive and is closed only once the file is whole.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from core.inference.submission import write_submission
from gui.jobs.base import Job


class WriteCsvJob(Job):
    """``write_submission`` (atomic: all rows or no file) of a copy of the rows; a failure is ``failed``."""

    written = Signal(str)  # the path written
    WAIT_AT_CLOSE = True  # closing the window waits for the file: never half a CSV

    def __init__(self, path: str | Path, predictions: list, classes: list[str], fmt: str, positive: str | None,
                 bound=None) -> None:
        super().__init__()
        self.args = (str(path), list(predictions), list(classes), fmt, positive, bound)  # bound: the proba clip

    def work(self) -> None:
        write_submission(*self.args)
        self.post("written", self.args[0])
