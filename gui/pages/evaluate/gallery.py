"""The photos behind a confusion-matrix cell (or the top losses), worst first, as a thumbnail grid.

A QListView over a list model of the evaluation's own PhotoResults: showing a cell of thousands of
photos is one model reset (no item per photo), and a thumbnail is decoded, off the GUI thread, only
for the cells the view paints (gui/widgets/thumbs.py), so 5,000 photos hold no pixels.
The keys of the Data page's check act here too (gui/widgets/decisions.py): a photo the model shows wrong
can be relabeled, excluded or kept in the corrections file of the folder the photos come from.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView

from core.errors import InputError
from gui.widgets.decisions import DecisionBook, key_decision
from gui.widgets.thumbs import Thumbnails

ICON = 80  # logical px
TOP_LOSSES = 100  # photos in the "top losses" view
Role = Qt.ItemDataRole


def top_losses_caption(photos: list, total: int) -> str:
    """What the top losses are: "most wrong" only when they are wrong (at 100% accuracy none is)."""
    wrong = sum(p.predicted != p.true for p in photos)
    if wrong == len(photos):
        return f"Top losses: the <b>{len(photos)}</b> photo(s) the model got most wrong (of {total})"
    if wrong == 0:
        return (f"Top losses: <b>no photo is wrong</b>; the <b>{len(photos)}</b> least confident right "
                f"answer(s) (of {total})")
    return (f"Top losses: the <b>{len(photos)}</b> photo(s) with the highest loss (of {total}): <b>{wrong}</b> "
            f"wrong, {len(photos) - wrong} right but least confident")


class GalleryModel(QAbstractListModel):
    """One row per photo shown, in the order given (worst first)."""

    def __init__(self, thumbs: Thumbnails, cell: QSize, parent=None) -> None:
        super().__init__(parent)
        self.thumbs, self.cell = thumbs, cell
        self.photos: list = []
        self.classes: list[str] = []
        self.decided: dict[str, str] = {}  # str(photo path) -> how its decision reads
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
            decision = self.decided.get(str(p.path))
            return f"{head}\n{p.probs[p.predicted]:.0%} · loss {p.loss:.2f}" + (f"\n[{decision}]" if decision else "")
        if role == Role.ToolTipRole:
            true, pred = classes[p.true], classes[p.predicted]
            probs = ", ".join(f"P({c})={v:.3f}" for c, v in zip(classes, p.probs))
            return f"{p.path}\ntrue {true}, predicted {pred} ({probs}), loss {p.loss:.3f}"
        if role == Role.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        return self.cell if role == Role.SizeHintRole else None  # a fixed cell: no text is measured

    def set_decisions(self, decided: dict[str, str]) -> None:
        self.decided = dict(decided)
        if self.photos:
            self.dataChanged.emit(self.index(0), self.index(len(self.photos) - 1), [Role.DisplayRole])

    def _thumbs_arrived(self) -> None:
        if self.photos:  # the view repaints only the cells on screen
            self.dataChanged.emit(self.index(0), self.index(len(self.photos) - 1), [Role.DecorationRole])


class Gallery(QListView):
    photoChosen = Signal(object)  # PhotoResult
    photoOpened = Signal(object)  # PhotoResult (double click)
    decisionFailed = Signal(str)  # a decision key could not be recorded: why, in one line

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryList")
        self.cell = QSize(ICON + 48, ICON + 46)
        self.thumbs = Thumbnails(ICON, parent=self)
        self.gallery = GalleryModel(self.thumbs, self.cell, self)
        self.book: DecisionBook | None = None  # the corrections file of the photos' folder (None: no keys)
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
        self.refresh_decisions()

    def set_book(self, book: DecisionBook | None) -> None:
        """The folder whose corrections file the keys write (None: the photos are in no single folder)."""
        self.book = book
        self.refresh_decisions()

    def refresh_decisions(self) -> None:
        try:
            shown = self.book.shown([p.path for p in self.gallery.photos]) if self.book and self.gallery.photos else {}
        except InputError as exc:  # a broken corrections file: said once, the photos still shown
            shown = {}
            self.decisionFailed.emit(str(exc))
        self.gallery.set_decisions(shown)

    def keyPressEvent(self, event) -> None:
        current = self.currentIndex()
        valid = current.isValid() and current.row() < len(self.gallery.photos)
        decision = key_decision(event.text(), self.book.classes if self.book else self.gallery.classes) if valid \
            else None
        if decision is None:
            super().keyPressEvent(event)
            return
        photo = self.gallery.photos[current.row()].path  # the model's photo at the view's row
        if self.book is None:
            self.decisionFailed.emit("These photos are not all in one labelled folder: no corrections file "
                                     "to record a decision in")
            return
        try:
            self.book.decide(photo, *decision)
        except InputError as exc:
            self.decisionFailed.emit(str(exc))
            return
        self.refresh_decisions()

    def _current_changed(self, current, _previous) -> None:
        if current.isValid() and current.row() < len(self.gallery.photos):
            self.photoChosen.emit(self.gallery.photos[current.row()])
