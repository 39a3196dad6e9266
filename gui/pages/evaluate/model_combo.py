"""The model chooser of the Evaluate page: the trained runs, newest first, then the untrained ImageNet baseline."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from core.runs.table import list_runs
from gui.pages.predict.page import BASELINE_ARCH

IMAGENET_PREFIX = "imagenet:"  # core.inference.predict.IMAGENET_PREFIX; that module loads torch, this one must not


class ModelCombo(QComboBox):
    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumContentsLength(24)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    def refresh(self, weights_dir: str, select: str | None = None) -> None:
        current = select or self.currentData()
        self.blockSignals(True)
        self.clear()
        for run in list_runs(weights_dir):
            self.addItem(run.label, run.path)
        self.addItem(f"ImageNet classes, no training ({BASELINE_ARCH})", IMAGENET_PREFIX + BASELINE_ARCH)
        i = self.findData(current) if current else -1
        self.setCurrentIndex(max(i, 0))
        self.blockSignals(False)
