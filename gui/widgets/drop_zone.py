"""A drop target for photo files and folders (plus buttons to open them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel


def local_paths(event) -> list[Path]:
    """The local files and folders a drag or drop carries (URLs that are not files are ignored)."""
    md = event.mimeData()
    if not md.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()]


def accept_local_drag(event) -> bool:
    """Accept a drag that carries local files (pages and the drop zone share this rule)."""
    if local_paths(event):
        event.acceptProposedAction()
        return True
    event.ignore()
    return False


class DropZone(QLabel):
    pathsDropped = Signal(list)  # list[Path]

    IDLE = "Drop photos or a folder here"

    def __init__(self, parent=None) -> None:
        super().__init__(self.IDLE, parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(70)
        self._style(False)

    def _style(self, active: bool) -> None:
        border = "#1f77b4" if active else "#9aa5b1"
        bg = "#e8f1fb" if active else "#f6f8fa"
        self.setStyleSheet(f"QLabel#dropZone {{ border: 2px dashed {border}; border-radius: 8px; background: {bg};"
                           f" color: #333; font-size: 15px; padding: 10px; }}")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if accept_local_drag(event):
            self._style(True)

    def dragLeaveEvent(self, event) -> None:
        self._style(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._style(False)
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.pathsDropped.emit(paths)
