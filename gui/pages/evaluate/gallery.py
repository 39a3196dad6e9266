"""The photos behind a confusion-matrix cell (or the top losses), worst first, as a thumbnail grid.

Items appear at once with their text; thumbnails are added a few dozen per timer tick,
so a cell of thousands of photos never freezes the window. One item per photo.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem

from gui.widgets.sharp_photo import sharp_pixmap

ICON = 80  # logical px
CHUNK = 12  # thumbnails per tick: each tick stays a few ms


class Gallery(QListWidget):
    photoChosen = Signal(object)  # PhotoResult
    photoOpened = Signal(object)  # PhotoResult (double click)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryList")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(ICON, ICON))
        self.cell = QSize(ICON + 48, ICON + 46)
        self.setGridSize(self.cell)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.photos: list = []
        self._thumbs: dict = {}
        self._next = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._add_icons)
        self.currentRowChanged.connect(lambda r: self.photoChosen.emit(self.photos[r]) if 0 <= r < len(self.photos)
                                       else None)
        self.itemDoubleClicked.connect(lambda item: self.photoOpened.emit(self.photos[self.row(item)]))

    def show_photos(self, photos: list, classes: list[str], thumbs: dict) -> None:
        self._timer.stop()
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)
        self.photos, self._thumbs, self._next = list(photos), thumbs, 0
        for p in self.photos:
            true, pred = classes[p.true], classes[p.predicted]
            item = QListWidgetItem(f"{true} → {pred}\n{p.probs[p.predicted]:.0%} · loss {p.loss:.2f}"
                                   if true != pred else f"{true}\n{p.probs[p.predicted]:.0%} · loss {p.loss:.2f}")
            item.setToolTip(f"{p.path}\ntrue {true}, predicted {pred} "
                            f"({', '.join(f'P({c})={v:.3f}' for c, v in zip(classes, p.probs))}), loss {p.loss:.3f}")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            item.setSizeHint(self.cell)
            self.addItem(item)
        if self.photos:
            self._timer.start()

    def _add_icons(self) -> None:
        dpr = self.devicePixelRatioF()
        end = min(self._next + CHUNK, len(self.photos))
        for i in range(self._next, end):
            px = self._thumbs.get(self.photos[i].path)
            if px is not None:
                self.item(i).setIcon(QIcon(sharp_pixmap(px, ICON, dpr)))
        self._next = end
        if end >= len(self.photos):
            self._timer.stop()
