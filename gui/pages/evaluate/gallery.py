"""The photos behind a confusion-matrix cell (or the top losses), worst first, as a thumbnail grid.

A QListView over a list model of the evaluation's own PhotoResults: showing a cell of thousands of
photos is one model reset (no item per photo), and a thumbnail is decoded, off the GUI thread, only
for the cells the view paints (gui/widgets/thumbs.py), so 5,000 photos hold no pixels.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView

from gui.widgets.thumbs import Thumbnails

ICON = 80  # logical px
Role = Qt.ItemDataRole


class GalleryModel(QAbstractListModel):
    """One row per photo shown, in the order given (worst first)."""

    def __init__(self, thumbs: Thumbnails, cell: QSize, parent=None) -> None:
        super().__init__(parent)
        self.thumbs, self.cell = thumbs, cell
        self.photos: list = []
        self.classes: list[str] = []
        thumbs.arrived.connect(self._thumbs_arrived)

    def show(self, photos: list, classes: list[str]) -> None:
        self.beginResetModel()
        self.photos, self.classes = list(photos), list(classes)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.photos)

    def data(self, index, role=Role.DisplayRole):
        if not index.isValid() or index.row() >= len(self.photos):
            return None
        p, classes = self.photos[index.row()], self.classes
        if role == Role.DecorationRole:
            return self.thumbs.icon(p.path)
        if role == Role.DisplayRole:
            true, pred = classes[p.true], classes[p.predicted]
            head = f"{true} → {pred}" if true != pred else true
            return f"{head}\n{p.probs[p.predicted]:.0%} · loss {p.loss:.2f}"
        if role == Role.ToolTipRole:
            true, pred = classes[p.true], classes[p.predicted]
            probs = ", ".join(f"P({c})={v:.3f}" for c, v in zip(classes, p.probs))
            return f"{p.path}\ntrue {true}, predicted {pred} ({probs}), loss {p.loss:.3f}"
        if role == Role.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        return self.cell if role == Role.SizeHintRole else None  # a fixed cell: no text is measured

    def _thumbs_arrived(self) -> None:
        if self.photos:  # the view repaints only the cells on screen
            self.dataChanged.emit(self.index(0), self.index(len(self.photos) - 1), [Role.DecorationRole])


class Gallery(QListView):
    photoChosen = Signal(object)  # PhotoResult
    photoOpened = Signal(object)  # PhotoResult (double click)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryList")
        self.cell = QSize(ICON + 48, ICON + 46)
        self.thumbs = Thumbnails(ICON, parent=self)
        self.gallery = GalleryModel(self.thumbs, self.cell, self)
        self.setModel(self.gallery)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)  # one size for every cell: the layout never asks 5,000 rows
        self.setLayoutMode(QListView.LayoutMode.Batched)  # laid out a slice per event, never all at once
        self.setBatchSize(500)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(self.cell)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.doubleClicked.connect(lambda ix: self.photoOpened.emit(self.gallery.photos[ix.row()]))

    @property
    def photos(self) -> list:
        """The photos shown, in order (the model's list)."""
        return self.gallery.photos

    def count(self) -> int:
        return self.gallery.rowCount()

    def setCurrentRow(self, row: int) -> None:
        self.setCurrentIndex(self.gallery.index(row))

    def show_photos(self, photos: list, classes: list[str]) -> None:
        self.thumbs.cancel()  # the photos shown before need no thumbnail now (those made stay cached)
        self.gallery.show(photos, classes)

    def _current_changed(self, current, _previous) -> None:
        if current.isValid() and current.row() < len(self.gallery.photos):
            self.photoChosen.emit(self.gallery.photos[current.row()])
