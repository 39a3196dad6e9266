"""The "Start from" choice: ImageNet with a frozen backbone, ImageNet fine-tuned, or scratch.

Each item says whether the architecture's ImageNet weights are on this computer; the
ImageNet items are disabled for the course's teaching models, which have none.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from core.models.registry import ArchSpec
from core.runs.layout import FINETUNE, FROZEN, SCRATCH

STARTS = (
    (FROZEN, "ImageNet, frozen (fastest)",
     "Compute the backbone's ImageNet features once per photo, then train only a new classifier on them: "
     "seconds per epoch, ~99% on cats vs dogs."),
    (FINETUNE, "ImageNet, fine-tune",
     "Train a new head for one epoch, then every layer at a lower learning rate: slower, can go a bit further."),
    (SCRATCH, "Scratch (random weights)",
     "Learn everything from your photos alone, as the course notes do: slow, and far less accurate on few photos."),
)


class StartCombo(QComboBox):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("startCombo")
        for key, text, tip in STARTS:
            self.addItem(text, key)
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)

    def start(self) -> str:
        return self.currentData()

    def set_start(self, key: str) -> None:
        i = self.findData(key)
        if i >= 0 and self.model().item(i).isEnabled():
            self.setCurrentIndex(i)

    def set_arch(self, spec: ArchSpec) -> str:
        """Enable the ImageNet items only where weights exist; returns a line on where they come from."""
        status = spec.imagenet_status(quick=True)  # before torch has loaded too
        for i, (key, _, tip) in enumerate(STARTS):
            if key == SCRATCH:
                continue
            item = self.model().item(i)
            item.setEnabled(spec.has_pretrained)
            item.setToolTip(f"{tip}\nImageNet weights: {status.note}.")
        if not spec.has_pretrained and self.start() != SCRATCH:
            self.setCurrentIndex(self.findData(SCRATCH))
        self.setToolTip(f"ImageNet weights of {spec.key}: {status.note}.")
        if not spec.has_pretrained:
            return "No ImageNet weights: a teaching model, trained from scratch."
        return f"ImageNet weights: {status.note}" if status.installed else \
            f"ImageNet weights: not here yet, {status.note}"
