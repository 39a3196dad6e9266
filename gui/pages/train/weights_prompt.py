"""When the chosen ImageNet weights are not on this computer: a choice, not a dead end."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from core.models.registry import ArchSpec

INSTALLED_ALTERNATIVE = "efficientnet_lite0"


def ask_missing_weights(parent: QWidget, spec: ArchSpec, choose: Callable[[str], None]) -> QMessageBox:
    """Non-blocking; ``choose`` gets "download", "installed" or "scratch" (nothing on Cancel)."""
    note = spec.imagenet_status().note
    box = QMessageBox(QMessageBox.Icon.Question, "ImageNet weights not on this computer",
                      f"The ImageNet weights of {spec.key} are not here yet: they are {note}.\n\n"
                      f"Download them now (needs the internet), start from {INSTALLED_ALTERNATIVE}, whose "
                      f"ImageNet weights came with the app, or train {spec.key} from scratch?", parent=parent)
    box.setObjectName("weightsPrompt")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    choices = {
        box.addButton("Download and train", QMessageBox.ButtonRole.AcceptRole): "download",
        box.addButton(f"Use {INSTALLED_ALTERNATIVE}", QMessageBox.ButtonRole.AcceptRole): "installed",
        box.addButton("Train from scratch", QMessageBox.ButtonRole.AcceptRole): "scratch",
    }
    for button, name in choices.items():
        button.setObjectName(f"{name}Choice")
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda b: choices.get(b) and choose(choices[b]))
    box.open()
    return box
