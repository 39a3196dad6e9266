"""Keeps the Train page's "Time here" line current as the user changes the settings.

Changes are debounced; the speed of an architecture/size/batch on this computer is measured
once off the GUI thread (a few timed batches) and cached on disk by core.planning.duration, so most
updates are instant. Nothing is measured while a training run has the CPU. A second line
gives the run's peak memory (core.planning.memory, simulated on a worker thread and cached) against
what the device has, in the warning colour when it will not fit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from core.data.split import val_count
from core.planning.duration import cached_rates, estimate_seconds
from core.runs.layout import FROZEN
from gui.jobs.base import Job
from gui.jobs.estimate import EstimateJob
from gui.widgets.colors import tone_style


class MemoryJob(Job):
    """The run's peak memory (core.planning.run_memory: this window's process, the simulated step, the photos'
    pixels or features) against what the computer has."""

    ready = Signal(object)  # (settings, text, too_big, breakdown)

    def __init__(self, settings: tuple) -> None:
        super().__init__()
        self.settings = settings  # (arch, size, batch, start, optimizer, photos)

    def work(self) -> None:
        from core.planning.memory import Stopped
        from core.planning.run_memory import breakdown, on_this_computer

        arch, size, batch, start, optimizer, photos = self.settings
        try:
            mem, text, too_big = on_this_computer(arch, batch, size, photos, start, optimizer,
                                                  should_stop=self.stop_event.is_set,
                                                  process_what="this window (PyTorch loaded)", detail=False)
        except Stopped:
            return
        self.post("ready", (self.settings, text, too_big, f"At its peak the run holds: {breakdown(mem)}"))


class RunEstimator(QObject):
    def __init__(self, train_page, data_page, busy: Callable[[], bool], loaded: Callable[[], bool] = lambda: True,
                 parent=None) -> None:
        super().__init__(parent)
        self.train_page, self.data_page, self.busy, self.loaded = train_page, data_page, busy, loaded
        self.job: EstimateJob | None = None
        self.memory_job: MemoryJob | None = None
        self.memory: dict[tuple, tuple[str, bool, str]] = {}  # settings -> (text, too big, its parts)
        self.closed = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(300)
        self.timer.timeout.connect(self.update)
        t = train_page
        for signal in (t.archCombo.currentIndexChanged, t.startCombo.currentIndexChanged, t.epochsSpin.valueChanged,
                       t.batchSizeSpin.valueChanged, t.imageSizeSpin.valueChanged, data_page.datasetChanged,
                       data_page.valSplitChanged, t.optimizerCombo.currentIndexChanged):
            signal.connect(self.schedule)

    def schedule(self, *_) -> None:
        if not self.closed:
            self.timer.start()

    def _settings(self):
        t = self.train_page
        return t.arch(), t.imageSizeSpin.value(), t.batchSizeSpin.value(), t.startCombo.start()

    def update(self) -> None:
        self._update_time()
        self._show_memory()

    def _memory_settings(self) -> tuple:
        t, index = self.train_page, self.data_page.index
        return t.arch(), t.imageSizeSpin.value(), t.batchSizeSpin.value(), t.startCombo.start(), \
            t.optimizerCombo.currentText(), len(index.samples) if index is not None else 0

    def _show_memory(self) -> None:
        """Append the peak-memory line to whatever the time line says; simulate it first if need be."""
        settings = self._memory_settings()
        label = self.train_page.estimateLabel
        base = label.text().split("\n")[0]
        if settings in self.memory:
            text, too_big, parts = self.memory[settings]
            label.setText(f"{base}\n{'⚠ ' if too_big else ''}{text}")
            label.setToolTip(parts)
            if too_big:
                label.setStyleSheet(tone_style("error"))
            return
        label.setText(base)
        if self.busy():
            return  # measured when no run is training
        if self.memory_job is not None and self.memory_job.is_running():
            if self.memory_job.settings != settings:
                self.memory_job.stop()  # settings the user has left: its end brings the current ones in
            return  # a running job's result triggers another update
        job = self.memory_job = MemoryJob(settings)
        job.ready.connect(self._memory_ready)
        job.failed.connect(lambda msg: None)  # the time line is still there; memory is a bonus
        job.done.connect(lambda: self._memory_job_done(job))
        job.start()

    def _memory_job_done(self, job: MemoryJob) -> None:
        if job.settings != self._memory_settings():  # stopped, or done with what is no longer chosen
            self.schedule()

    def _memory_ready(self, result: tuple) -> None:
        settings, text, too_big, parts = result
        self.memory[settings] = (text, too_big, parts)
        self.schedule()

    def _update_time(self) -> None:
        index = self.data_page.index
        if index is None:
            return self.train_page.show_estimate(None, "choose the training photos on the Data page to see it")
        if not self.loaded():  # reading the cache needs torch: importing it here would freeze the window
            return self.train_page.show_estimate(None, "measured once PyTorch has loaded…")
        arch, size, batch, start = self._settings()
        rates = cached_rates(arch, size, batch, train=start != FROZEN)
        if rates is not None:
            n_val = sum(val_count(c, self.data_page.val_split()) for c in index.counts().values())
            seconds = estimate_seconds(start, rates, len(index.samples) - n_val, n_val, self.train_page.epochsSpin.value())
            return self.train_page.show_estimate(seconds, f"{len(index.samples)} photos")
        if self.busy():
            return self.train_page.show_estimate(None, "measured when no run is training")
        if self.job is not None and self.job.is_running():
            return  # its result triggers another update
        self.train_page.show_estimate(None, "measuring this computer's speed…")
        self.job = EstimateJob(arch, size, batch, start != FROZEN)
        self.job.ready.connect(self.schedule)
        self.job.failed.connect(lambda msg: self.train_page.show_estimate(None, f"could not measure: {msg}"))
        self.job.start()

    def close(self) -> None:
        """The window is closing: schedule nothing more, for good. Its jobs are stopped and abandoned by
        gui.jobs.base.shutdown (closing never waits for a measurement); no later signal (a run ending,
        torch loaded) may start another (a closed window went on to time 224 px batches for seconds)."""
        self.closed = True
        self.timer.stop()
