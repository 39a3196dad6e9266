"""What the window tests do as a user would: set up a tiny run in the form, drop files on a widget."""

from __future__ import annotations

import warnings
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def configure_tiny_run(window, data: Path, epochs: int = 1) -> None:
    """lenet at 32 px, batch 16, on ``data``: a run of a second or two."""
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    window.archCombo.setCurrentIndex(window.archCombo.findData("lenet"))
    window.epochsSpin.setValue(epochs)
    window.imageSizeSpin.setValue(32)
    window.batchSizeSpin.setValue(16)


def drop_files(widget, paths: list[Path]) -> tuple[bool, bool]:
    """Real QDragEnterEvent / QDropEvent objects carrying file URLs at the widget's centre; (entered, dropped)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.rect().center())
    with warnings.catch_warnings():  # PySide6 flags the only QDragEnterEvent constructor Qt 6 has
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()
