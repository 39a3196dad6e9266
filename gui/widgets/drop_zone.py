"""A drop target for photo files and folders (plus buttons to open them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel

from gui.widgets.colors import colors, mix


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
        self.setMargin(12)
        self.setForegroundRole(QPalette.ColorRole.Text)  # text on the card (Base), as in a text field
        font = self.font()
        font.setPixelSize(15)
        self.setFont(font)
        self._style(False)

    def _style(self, active: bool) -> None:
        self._active = active
        self.update()

    def paintEvent(self, event) -> None:
        """The card in the theme's colours, read when painted (a style sheet froze them at the first theme)."""
        c = colors(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(c.accent if self._active else c.axis, 2, Qt.PenStyle.DashLine))
        painter.setBrush(mix(c.accent, c.background, 0.15) if self._active else c.background)
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 8, 8)
        painter.end()
        super().paintEvent(event)  # the text, in the palette's text colour

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
