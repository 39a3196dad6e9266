"""Train page: architecture and hyperparameters, Start/Stop, live progress, curves and log.

The window drives it through its public methods (settings, dataset, start, past runs, stopping) and
never through its widgets; the attributes named after widgets are there for tests and the estimator.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.calibration.temperature import describe as describe_calibration
from core.training import events as ev
from core.training.config import TrainConfig
from core.utils.formatting import format_duration
from gui.pages.train.aug_preview import AugPreview
from gui.pages.train.form import TrainForm
from gui.pages.train.lr_finder import open_lr_finder
from gui.widgets.plots import TrainingCurves

FORM_WIDGETS = ("archCombo", "archDescription", "startCombo", "startNote", "epochsSpin", "batchSizeSpin",
                "imageSizeSpin", "lrSpin", "optimizerCombo", "estimateLabel")
LOG_MIN_LINES = 6  # the log's least height, in lines of its font


class TrainPage(QWidget):
    startRequested = Signal()
    stopRequested = Signal()
    resumeRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.form = TrainForm()
        for name in FORM_WIDGETS:  # the form's widgets, where tests and the estimator look for them
            setattr(self, name, getattr(self.form, name))

        self.trainButton = QPushButton("Start training")
        self.trainButton.setObjectName("trainButton")
        self.trainButton.clicked.connect(self.startRequested)
        self.stopButton = QPushButton("Stop")
        self.stopButton.setObjectName("stopButton")
        self.stopButton.setEnabled(False)
        self.stopButton.clicked.connect(self.stopRequested)
        self.resumeButton = QPushButton("Resume run…")
        self.resumeButton.setObjectName("resumeButton")
        self.resumeButton.setToolTip("Continue a stopped or crashed run from its last checkpoint")
        self.resumeButton.clicked.connect(self.resumeRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.trainButton)
        buttons.addWidget(self.stopButton)
        buttons.addWidget(self.resumeButton)
        self.lrFindButton = QPushButton("Find a learning rate…")
        self.lrFindButton.setObjectName("lrFindButton")
        self.lrFindButton.setToolTip("A short range test with these settings suggests a learning rate; nothing is saved")
        self.lrFindButton.clicked.connect(self.find_lr)

        self.trainProgress = QProgressBar()
        self.trainProgress.setObjectName("trainProgress")
        self.trainProgress.setTextVisible(True)
        self.trainProgress.setFormat("Idle")
        self.trainProgress.setValue(0)
        self.log = QPlainTextEdit()
        self.log.setObjectName("trainLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)

        # the form keeps the height its wrapped text needs and the column scrolls: the log keeps a few lines
        # (48 px left two at 1024x640)
        self.log.setMinimumHeight(self.log.fontMetrics().lineSpacing() * LOG_MIN_LINES + 2 * self.log.frameWidth()
                                  + 2 * round(self.log.document().documentMargin()))
        self.log.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)  # takes what is left
        left = QVBoxLayout()
        left.addWidget(self.form)
        left.addLayout(buttons)
        left.addWidget(self.lrFindButton)
        left.addWidget(self.trainProgress)
        left.addWidget(QLabel("Log"))
        left.addWidget(self.log, 1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setMinimumWidth(400)

        self.curves = TrainingCurves()
        self.lossPlot = self.curves.lossPlot
        self.accuracyPlot = self.curves.accuracyPlot
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left_scroll = QScrollArea()  # a short screen (1024x640) scrolls the form instead of cutting its text
        left_scroll.setWidget(left_widget)
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left_scroll.setMinimumWidth(left_widget.minimumWidth() + 16)
        splitter.addWidget(left_scroll)
        self.augPreview = AugPreview(self.form.imageSizeSpin, self.form.startCombo)
        self.augPreview.follow_augment(self.form.augmentCombo, self.form.mixupSpin, self.form.cutmixSpin)
        splitter.addWidget(self.augPreview.above(self.curves))
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    run_name = ""  # of the run in progress, once it started
    dataset = None  # the Data page's DatasetIndex
    lrFinder = None  # the last learning-rate finder dialog
    val_share = staticmethod(lambda: TrainConfig.val_split)  # the window gives the Data page's validation share

    def find_lr(self) -> None:
        """The range test with the form's settings on the Data page's folder and validation share."""
        def make() -> TrainConfig:
            return self.config(str(self.dataset.root), self.val_share(), out="")  # out: nothing is written
        self.lrFinder = open_lr_finder(self, make, self.form.lrSpin, self.dataset is not None) or self.lrFinder

    # -- the form, for the window -----------------------------------------------------------
    def arch(self) -> str:
        return self.form.arch()

    def set_arch(self, key: str) -> None:
        self.form.set_arch(key)

    def set_start(self, start: str) -> None:
        """Where training starts from (FROZEN, FINETUNE or SCRATCH from core.runs.layout)."""
        self.form.startCombo.set_start(start)

    def refresh_arch_stats(self) -> None:
        self.form.refresh_arch_stats()

    def config(self, data: str, val_split: float, out: str) -> TrainConfig:
        return self.form.config(data, val_split, out)

    def show_run_settings(self, meta: dict, epochs: int | None = None) -> None:
        self.form.show_run_settings(meta, epochs)

    def show_estimate(self, seconds: float | None, note: str = "") -> None:
        self.form.show_estimate(seconds, note)

    def form_settings(self) -> dict:
        """What the window remembers between sessions, keyed by its QSettings keys."""
        return self.form.settings()

    def apply_form_settings(self, values: dict) -> None:
        """Restore ``form_settings()``: every key present; an imageSize of None is the architecture's own."""
        self.form.apply_settings(values)

    # -- the run, for the window --------------------------------------------------------------
    def set_dataset(self, index) -> None:
        """The Data page's DatasetIndex (or None): the augmentation preview shows its photos."""
        self.augPreview.set_dataset(index)
        self.dataset = index

    def clear_log(self) -> None:
        self.log.clear()

    def show_past_run(self, meta: dict) -> None:
        """A resumed run's finished epochs on the curves, so the new ones carry on from them."""
        self.curves.show_history(meta.get("metrics") or [])

    def set_stopping(self) -> None:
        """Stop was pressed: it cannot be pressed again while the run winds down after its batch."""
        self.stopButton.setEnabled(False)
        self.log_line("Stopping after the current batch…")

    # -- run state ---------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.trainButton.setEnabled(not running)
        self.resumeButton.setEnabled(not running)
        self.lrFindButton.setEnabled(not running)
        self.stopButton.setEnabled(running)
        self.form.set_editable(not running)
        if running:
            self.curves.clear()
            self.curves.set_planned_epochs(self.form.epochs())  # now, not while the run starts
            self.curves.start()
            self.trainProgress.setRange(0, 0)  # busy until the first batch
            self.trainProgress.setFormat("Preparing…")
        else:
            self.curves.stop()
            if self.trainProgress.maximum() == 0:  # still "busy": it never got a real range
                self.trainProgress.setRange(0, 1)
                self.trainProgress.setValue(0)

    def log_line(self, text: str) -> None:
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")

    def on_event(self, e: ev.Event) -> None:
        if isinstance(e, ev.Preparing):
            if e.total:
                self.trainProgress.setRange(0, e.total)
                self.trainProgress.setValue(e.done)
                self.trainProgress.setFormat(f"{e.message}: {e.done}/{e.total}")
            else:
                self.log_line(e.message)
        elif isinstance(e, ev.RunStarted):
            self.run_name = Path(e.run_dir).name
            self.trainProgress.setRange(0, e.steps_per_epoch * e.epochs)
            self.curves.set_planned_epochs(e.epochs)
            self.trainProgress.setValue(e.start_epoch * e.steps_per_epoch)
            resumed = f", resuming at epoch {e.start_epoch + 1}" if e.start_epoch else ""
            self.log_line(f"Run {e.run_dir} on {e.device}{resumed}")
            self.log_line(f"{e.num_train} training / {e.num_val} validation photos, {e.steps_per_epoch} steps per epoch")
            if e.skipped:
                self.log_line(f"Skipped {len(e.skipped)} unreadable or unlabelled file(s): see the Data page")
        elif isinstance(e, ev.BatchEnd):
            self.curves.add_batch(e.epoch - 1 + e.step / e.steps, e.loss)
            self.trainProgress.setValue(e.global_step)
            self.trainProgress.setFormat(f"Epoch {e.epoch}/{self.form.epochs()} · step {e.step}/{e.steps} · "
                                         f"{e.images_per_s:.0f} img/s · ETA {format_duration(e.eta_s)}")
        elif isinstance(e, ev.EpochEnd):
            self.curves.add_epoch(vars(e))
            self.log_line(f"Epoch {e.epoch}/{e.epochs}: train loss {e.train_loss:.3f} acc {e.train_acc:.1%} · "
                          f"val loss {e.val_loss:.3f} acc {e.val_acc:.1%} · {e.images_per_s:.0f} img/s · "
                          f"{e.seconds:.0f}s{'  ★ best' if e.is_best else ''}")
        elif isinstance(e, ev.Finished):
            self.curves.mark_best(e.best_epoch)
            if e.stopped:
                self.trainProgress.setFormat("Stopped: Resume run… continues it")
                self.log_line(f"Stopped. The run folder {e.run_dir or '(none yet)'} can be resumed.")
            else:
                self.trainProgress.setValue(self.trainProgress.maximum())
                acc = f"{e.best_val_acc:.1%}" if e.best_val_acc is not None else "n/a"
                self.trainProgress.setFormat(f"Done · best val. accuracy {acc} (epoch {e.best_epoch})")
                self.log_line(f"Finished: best validation accuracy {acc} at epoch {e.best_epoch}. Saved in {e.run_dir}")
                if e.calibration:  # the probabilities Predict and Evaluate will show are these calibrated ones
                    self.log_line(describe_calibration(e.calibration).capitalize())
        elif isinstance(e, ev.Failed):
            self.trainProgress.setFormat("Failed")
            self.log_line(f"Failed: {e.message}")
