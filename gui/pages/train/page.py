"""Train page: architecture and hyperparameters, Start/Stop, live progress, curves and log."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.models.catalog import arch_info
from core.models.registry import ARCHS
from core.runs.layout import FROZEN, SCRATCH, start_of
from core.training import events as ev
from core.training.config import OPTIMIZERS, TrainConfig
from core.utils.formatting import format_duration, format_minutes
from gui.pages.train.aug_preview import AugPreview
from gui.pages.train.start_combo import StartCombo
from gui.widgets.plots import TrainingCurves


class TrainPage(QWidget):
    startRequested = Signal()
    stopRequested = Signal()
    resumeRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.archCombo = QComboBox()
        self.archCombo.setObjectName("archCombo")
        self.archCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # never cut a name
        for key in ARCHS:
            self.archCombo.addItem(key, key)
            self.archCombo.setItemData(self.archCombo.count() - 1, ARCHS[key].description,
                                       Qt.ItemDataRole.ToolTipRole)
        self.archDescription = QLabel()
        self.archDescription.setObjectName("archDescription")
        self.archDescription.setWordWrap(True)
        self.archDescription.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.startCombo = StartCombo()
        self.startNote = QLabel()
        self.startNote.setObjectName("startNote")
        self.startNote.setWordWrap(True)
        self.archCombo.currentIndexChanged.connect(self._arch_changed)

        self.epochsSpin = self._spin("epochsSpin", 1, 500, 10)
        self.batchSizeSpin = self._spin("batchSizeSpin", 1, 1024, 32)
        self.imageSizeSpin = self._spin("imageSizeSpin", 32, 512, 224)
        self.imageSizeSpin.setSingleStep(32)
        self.imageSizeSpin.setSuffix(" px")
        self.imageSizeSpin.setToolTip("Photos are scaled to this size. Time grows with its square; ImageNet "
                                      "weights work best at their own size (set when you pick an architecture).")
        self.lrSpin = QDoubleSpinBox()
        self.lrSpin.setObjectName("lrSpin")
        self.lrSpin.setDecimals(5)
        self.lrSpin.setRange(1e-5, 1.0)
        self.lrSpin.setSingleStep(1e-4)
        self.lrSpin.setValue(1e-3)
        self.optimizerCombo = QComboBox()
        self.optimizerCombo.setObjectName("optimizerCombo")
        self.optimizerCombo.addItems(list(OPTIMIZERS))

        form = QFormLayout()
        form.addRow("Architecture:", self.archCombo)
        form.addRow("", self.archDescription)
        form.addRow("Start from:", self.startCombo)
        form.addRow("", self.startNote)
        form.addRow("Epochs:", self.epochsSpin)
        form.addRow("Batch size:", self.batchSizeSpin)
        form.addRow("Image size:", self.imageSizeSpin)
        form.addRow("Learning rate (peak):", self.lrSpin)
        form.addRow("Optimizer:", self.optimizerCombo)
        self.estimateLabel = QLabel("")
        self.estimateLabel.setObjectName("estimateLabel")
        self.estimateLabel.setWordWrap(True)
        form.addRow("Time here:", self.estimateLabel)
        settings = QGroupBox("Model and training")
        settings.setLayout(form)

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

        self.trainProgress = QProgressBar()
        self.trainProgress.setObjectName("trainProgress")
        self.trainProgress.setTextVisible(True)
        self.trainProgress.setFormat("Idle")
        self.trainProgress.setValue(0)
        self.log = QPlainTextEdit()
        self.log.setObjectName("trainLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)

        # the form keeps the height its wrapped text needs; on a short window the log gives way
        settings.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.log.setMinimumHeight(48)
        self.log.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)  # takes what is left
        left = QVBoxLayout()
        left.addWidget(settings)
        left.addLayout(buttons)
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
        self.augPreview = AugPreview(self.imageSizeSpin, self.startCombo)
        splitter.addWidget(self.augPreview.above(self.curves))
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.refresh_arch_stats()
        self._arch_changed()

    @staticmethod
    def _spin(name: str, lo: int, hi: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(lo, hi)
        spin.setValue(value)
        return spin

    def arch(self) -> str:
        return self.archCombo.currentData()

    def set_arch(self, key: str) -> None:
        i = self.archCombo.findData(key)
        if i >= 0:
            self.archCombo.setCurrentIndex(i)

    run_name = ""  # of the run in progress, once it started

    def refresh_arch_stats(self) -> None:
        """Parameters in the list once they are known (cached, or measured after torch has loaded)."""
        for i in range(self.archCombo.count()):
            info = arch_info(self.archCombo.itemData(i), measure=False)
            size = f"  · {info['params'] / 1e6:.1f}M" if info["params"] is not None else ""
            self.archCombo.setItemText(i, f"{info['key']}{size}")
        if self.archCombo.currentIndex() >= 0:
            self._describe_arch()  # only the words: the user's image size and start stay as they are

    def _arch_changed(self) -> None:
        spec = self._describe_arch()
        self.imageSizeSpin.setValue(spec.image_size)

    def _describe_arch(self):
        spec = ARCHS[self.arch()]
        info = arch_info(spec.key, measure=False)
        cost = (f"{info['params'] / 1e6:.1f}M parameters · {info['gflops']:.2f} GFLOPs at 224 px · "
                if info["params"] is not None else "")
        self.archDescription.setText(f"{spec.description}<br><small>{cost}ImageNet size {spec.image_size} px"
                                     f"</small>")
        self.startNote.setText(f"<small>{self.startCombo.set_arch(spec)}</small>")
        return spec

    def config(self, data: str, val_split: float, out: str) -> TrainConfig:
        start = self.startCombo.start()
        return TrainConfig(data=data, arch=self.arch(), weights="none" if start == SCRATCH else "imagenet",
                           freeze=start == FROZEN, epochs=self.epochsSpin.value(),
                           batch_size=self.batchSizeSpin.value(), lr=self.lrSpin.value(),
                           optimizer=self.optimizerCombo.currentText(), image_size=self.imageSizeSpin.value(),
                           val_split=val_split, out=out)

    def show_run_settings(self, meta: dict, epochs: int | None = None) -> None:
        """Fill the form with a (resumed) run's own settings, so what is shown is what trains."""
        c = meta.get("config") or {}
        self.set_arch(meta.get("arch", self.arch()))
        self.startCombo.set_start(start_of(meta))
        self.epochsSpin.setValue(int(epochs or c.get("epochs", self.epochsSpin.value())))
        self.batchSizeSpin.setValue(int(c.get("batch_size", self.batchSizeSpin.value())))
        self.imageSizeSpin.setValue(int(meta.get("image_size", self.imageSizeSpin.value())))
        self.lrSpin.setValue(float(c.get("lr", self.lrSpin.value())))
        self.optimizerCombo.setCurrentText(str(c.get("optimizer", self.optimizerCombo.currentText())))

    def show_estimate(self, seconds: float | None, note: str = "") -> None:
        """The run's expected wall time here; a warning colour beyond 15 minutes."""
        from core.planning.duration import SLOW_S

        if seconds is None:
            self.estimateLabel.setText(note)
            self.estimateLabel.setStyleSheet("")
            return
        text = f"about {format_minutes(seconds)} on this computer"
        slow = seconds > SLOW_S
        if slow:
            text = (f"⚠ {text}. ImageNet, frozen backbone with efficientnet_lite0 reaches ~99% in about a "
                    "minute here; or lower the image size or epochs.")
        self.estimateLabel.setText(text + (f" ({note})" if note else ""))
        self.estimateLabel.setStyleSheet("color: #c0392b; font-weight: bold;" if slow else "")

    # -- run state ---------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.trainButton.setEnabled(not running)
        self.resumeButton.setEnabled(not running)
        self.stopButton.setEnabled(running)
        for w in (self.archCombo, self.startCombo, self.epochsSpin, self.batchSizeSpin, self.imageSizeSpin,
                  self.lrSpin, self.optimizerCombo):
            w.setEnabled(not running)
        if running:
            self.curves.clear()
            self.curves.set_planned_epochs(self.epochsSpin.value())  # now, not while the run starts
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
            self.trainProgress.setFormat(f"Epoch {e.epoch}/{self.epochsSpin.value()} · step {e.step}/{e.steps} · "
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
        elif isinstance(e, ev.Failed):
            self.trainProgress.setFormat("Failed")
            self.log_line(f"Failed: {e.message}")
