"""The Train page's "Model and training" form: architecture, start, hyperparameters and the time estimate.

Kept apart from the page's run controls (Start/Stop, progress, curves, log) so each stays readable;
the page owns one of these and the window reaches it only through the page's public methods.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
)

from core.data.augment_choices import AUGMENT_LABELS, AUGMENTS, DEFAULT_AUGMENT
from core.models.catalog import arch_info
from core.models.registry import ARCHS
from core.runs.layout import FROZEN, SCRATCH, start_of
from core.training.config import OPTIMIZERS, TrainConfig
from core.utils.formatting import format_minutes
from gui.pages.train.start_combo import StartCombo
from gui.widgets.colors import tone_style

#: why the augmentation settings are off for a frozen start (their tooltip then)
FROZEN_NOTE = ("A frozen backbone trains its new head on features of the centre crop and its mirror, computed once "
               "per photo: augmentation and mixing cannot apply. Choose another start to use them.")
MIX_TIPS = {"mixupSpin": "MixUp: each training photo is blended with another of its batch, and so are their labels "
                         "(share ~ Beta(α, α)). 0 = off; 0.2 is the usual α.",
            "cutmixSpin": "CutMix: a box of another photo of the batch is pasted in, labels mixed by area "
                          "(~ Beta(α, α)). 0 = off; 1.0 is the usual α. With MixUp on too: one of them per batch."}


class TrainForm(QGroupBox):
    """The settings a run trains with; ``config()`` turns them into a core TrainConfig."""

    def __init__(self, parent=None) -> None:
        super().__init__("Model and training", parent)
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
        self.augmentCombo = QComboBox()
        self.augmentCombo.setObjectName("augmentCombo")
        for key, what in AUGMENTS.items():
            self.augmentCombo.addItem(AUGMENT_LABELS[key], key)
            self.augmentCombo.setItemData(self.augmentCombo.count() - 1, what[0].upper() + what[1:] + ".",
                                          Qt.ItemDataRole.ToolTipRole)
        self.augmentCombo.setCurrentIndex(self.augmentCombo.findData(DEFAULT_AUGMENT))
        self.mixupSpin, self.cutmixSpin = self._alpha_spin("mixupSpin"), self._alpha_spin("cutmixSpin")
        mixing = QHBoxLayout()
        mixing.setContentsMargins(0, 0, 0, 0)
        for text, spin in (("MixUp α", self.mixupSpin), ("CutMix α", self.cutmixSpin)):
            mixing.addWidget(QLabel(text))
            mixing.addWidget(spin)
        mixing.addStretch(1)
        self._editable = True
        self.startCombo.currentIndexChanged.connect(self._enable_augment)

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
        form.addRow("Augmentation:", self.augmentCombo)
        form.addRow("Mix batches:", mixing)
        self.estimateLabel = QLabel("")
        self.estimateLabel.setObjectName("estimateLabel")
        self.estimateLabel.setWordWrap(True)
        form.addRow("Time here:", self.estimateLabel)
        self.setLayout(form)
        # the form keeps the height its wrapped text needs; on a short window the page's log gives way
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.refresh_arch_stats()
        self._arch_changed()
        self._enable_augment()

    @staticmethod
    def _spin(name: str, lo: int, hi: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(lo, hi)
        spin.setValue(value)
        return spin

    @staticmethod
    def _alpha_spin(name: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(name)
        spin.setRange(0.0, 10.0)
        spin.setDecimals(2)
        spin.setSingleStep(0.1)
        spin.setSpecialValueText("off")  # shown at 0
        return spin

    def _frozen(self) -> bool:
        return self.startCombo.start() == FROZEN

    def _enable_augment(self) -> None:
        """Off, with a tooltip saying why, for a frozen start; else as the run state allows."""
        frozen = self._frozen()
        for w in (self.augmentCombo, self.mixupSpin, self.cutmixSpin):
            w.setEnabled(self._editable and not frozen)
        self.augmentCombo.setToolTip(FROZEN_NOTE if frozen else "What training does to each photo before the "
                                     "network sees it (the preview shows it). Hover a choice for what it does.")
        for spin in (self.mixupSpin, self.cutmixSpin):
            spin.setToolTip(FROZEN_NOTE if frozen else MIX_TIPS[spin.objectName()])

    def augment(self) -> tuple[str, float, float]:
        """(--augment, --mixup, --cutmix) a run started now trains with: the defaults for a frozen start."""
        if self._frozen():
            return DEFAULT_AUGMENT, 0.0, 0.0
        return self.augmentCombo.currentData(), self.mixupSpin.value(), self.cutmixSpin.value()

    def _show_augment(self, augment: object, mixup: object, cutmix: object) -> None:
        i = self.augmentCombo.findData(str(augment))
        self.augmentCombo.setCurrentIndex(i if i >= 0 else self.augmentCombo.findData(DEFAULT_AUGMENT))
        self.mixupSpin.setValue(float(mixup))
        self.cutmixSpin.setValue(float(cutmix))

    def arch(self) -> str:
        return self.archCombo.currentData()

    def set_arch(self, key: str) -> None:
        i = self.archCombo.findData(key)
        if i >= 0:
            self.archCombo.setCurrentIndex(i)

    def epochs(self) -> int:
        return self.epochsSpin.value()

    def set_editable(self, editable: bool) -> None:
        """Locked while a run trains: what is shown stays what trains."""
        for w in (self.archCombo, self.startCombo, self.epochsSpin, self.batchSizeSpin, self.imageSizeSpin,
                  self.lrSpin, self.optimizerCombo):
            w.setEnabled(editable)
        self._editable = editable
        self._enable_augment()

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
        augment, mixup, cutmix = self.augment()
        return TrainConfig(data=data, arch=self.arch(), weights="none" if start == SCRATCH else "imagenet",
                           freeze=start == FROZEN, epochs=self.epochsSpin.value(),
                           batch_size=self.batchSizeSpin.value(), lr=self.lrSpin.value(),
                           optimizer=self.optimizerCombo.currentText(), image_size=self.imageSizeSpin.value(),
                           val_split=val_split, out=out, augment=augment, mixup=mixup, cutmix=cutmix)

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
        d = TrainConfig()  # a run from before --augment trained with today's defaults
        self._show_augment(c.get("augment", d.augment), c.get("mixup", d.mixup), c.get("cutmix", d.cutmix))

    # -- remembered between sessions (the window's QSettings) ----------------------------------
    def settings(self) -> dict:
        """The form as the window stores it; the keys are its QSettings keys."""
        return {"arch": self.arch(), "start": self.startCombo.start(), "epochs": self.epochsSpin.value(),
                "batchSize": self.batchSizeSpin.value(), "imageSize": self.imageSizeSpin.value(),
                "lr": self.lrSpin.value(), "optimizer": self.optimizerCombo.currentText(),
                "augment": self.augmentCombo.currentData(), "mixup": self.mixupSpin.value(),
                "cutmix": self.cutmixSpin.value()}

    def apply_settings(self, values: dict) -> None:
        """Restore what ``settings()`` gave (values may come back as text). Arch goes first, since it sets
        the image size; an ``imageSize`` of None means the chosen architecture's own size."""
        self.set_arch(str(values["arch"]))
        self.startCombo.set_start(str(values["start"]))
        self.epochsSpin.setValue(int(values["epochs"]))
        self.batchSizeSpin.setValue(int(values["batchSize"]))
        size = values["imageSize"]
        self.imageSizeSpin.setValue(int(size if size is not None else ARCHS[self.arch()].image_size))
        self.lrSpin.setValue(float(values["lr"]))
        self.optimizerCombo.setCurrentText(str(values["optimizer"]))
        d = TrainConfig()  # settings saved before the augmentation choice existed lack these keys
        self._show_augment(values.get("augment", d.augment), values.get("mixup", d.mixup), values.get("cutmix", d.cutmix))

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
        self.estimateLabel.setStyleSheet(tone_style("error") if slow else "")
