"""Closing the window while a run trains: ask, and never cut a checkpoint write in half.

"Stop and quit" stops at the next batch; the engine saves a resumable checkpoint and marks
the run "stopped"; only then does the window close. "Keep training" leaves everything as is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def ask_to_stop(parent: QWidget, run_name: str, stop_and_quit: Callable[[], None]) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, "A run is training",
                      f"{run_name} is still training.\n\nStop it now? It is saved at the next batch and can be "
                      "resumed later (Train page, Resume run…).", parent=parent)
    box.setObjectName("closeWhileTrainingBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    stop = box.addButton("Stop, save and quit", QMessageBox.ButtonRole.AcceptRole)
    stop.setObjectName("stopAndQuitButton")
    keep = box.addButton("Keep training", QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName("keepTrainingButton")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.buttonClicked.connect(lambda b: b is stop and stop_and_quit())
    box.open()
    return box
