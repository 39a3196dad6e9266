"""Keeps the Train page's "Time here" line current as the user changes the settings.

Changes are debounced; the speed of an architecture/size/batch on this computer is measured
once off the GUI thread (a few timed batches) and cached on disk by core.estimate, so most
updates are instant. Nothing is measured while a training run has the CPU.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer

from core.data.split import val_count
from core.estimate import cached_rates, estimate_seconds
from gui.workers import EstimateJob


class RunEstimator(QObject):
    def __init__(self, train_page, data_page, busy: Callable[[], bool], parent=None) -> None:
        super().__init__(parent)
        self.train_page, self.data_page, self.busy = train_page, data_page, busy
        self.job: EstimateJob | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(300)
        self.timer.timeout.connect(self.update)
        t = train_page
        for signal in (t.archCombo.currentIndexChanged, t.startCombo.currentIndexChanged, t.epochsSpin.valueChanged,
                       t.batchSizeSpin.valueChanged, t.imageSizeSpin.valueChanged, data_page.datasetChanged,
                       data_page.valSplitSpin.valueChanged):
            signal.connect(self.schedule)

    def schedule(self, *_) -> None:
        self.timer.start()

    def _settings(self):
        t = self.train_page
        return t.arch(), t.imageSizeSpin.value(), t.batchSizeSpin.value(), t.startCombo.start()

    def update(self) -> None:
        index = self.data_page.index
        if index is None:
            return self.train_page.show_estimate(None, "choose the training photos on the Data page to see it")
        arch, size, batch, start = self._settings()
        rates = cached_rates(arch, size, batch, train=start != "imagenet-frozen")
        if rates is not None:
            n_val = sum(val_count(c, self.data_page.valSplitSpin.value()) for c in index.counts().values())
            seconds = estimate_seconds(start, rates, len(index.samples) - n_val, n_val, self.train_page.epochsSpin.value())
            return self.train_page.show_estimate(seconds, f"{len(index.samples)} photos")
        if self.busy():
            return self.train_page.show_estimate(None, "measured when no run is training")
        if self.job is not None and self.job.is_running():
            return  # its result triggers another update
        self.train_page.show_estimate(None, "measuring this computer's speed…")
        self.job = EstimateJob(arch, size, batch, start != "imagenet-frozen")
        self.job.ready.connect(self.schedule)
        self.job.failed.connect(lambda msg: self.train_page.show_estimate(None, f"could not measure: {msg}"))
        self.job.start()

    def shutdown(self) -> None:
        self.timer.stop()
        if self.job is not None:
            self.job.finish_now()
