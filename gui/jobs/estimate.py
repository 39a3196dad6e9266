"""Timing a few training batches on this computer, off the GUI thread (the Train page's time estimate)."""

from __future__ import annotations

from PySide6.QtCore import Signal

from gui.jobs.base import Job


class EstimateJob(Job):
    """Times a few batches of one architecture on this computer (core.planning.duration caches the result)."""

    ready = Signal(object)  # core.planning.duration.Rates

    def __init__(self, arch: str, image_size: int, batch_size: int, train: bool) -> None:
        super().__init__()
        self.args = (arch, image_size, batch_size, train)

    def work(self) -> None:
        from core.training.bench import measure_rates

        self.post("ready", measure_rates(*self.args))
