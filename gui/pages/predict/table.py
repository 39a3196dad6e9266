"""The predictions table: thumbnail, file name, predicted class and its probability as a bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.data.walk import natural_name_key
from gui.widgets.images import pixmap_from_array
from gui.widgets.photo_viewer import PhotoViewer

CLASS_COLORS = ["#e67e22", "#2980b9", "#27ae60", "#8e44ad", "#c0392b"]


class ProbabilityBar(QStyledItemDelegate):
    """Paints the probability stored in UserRole as a filled bar with the percentage on it."""

    def paint(self, painter: QPainter, option, index) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        color = index.data(Qt.ItemDataRole.UserRole + 1) or "#2980b9"
        if value is None:
            return super().paint(painter, option, index)
        painter.save()
        r = option.rect.adjusted(6, option.rect.height() // 2 - 10, -6, -(option.rect.height() // 2 - 10))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e9ecef"))
        painter.drawRoundedRect(r, 4, 4)
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(QRect(r.left(), r.top(), int(r.width() * float(value)), r.height()), 4, 4)
        painter.setPen(QColor("#111"))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, f"{float(value):.1%}")
        painter.restore()


def probs_text(p, classes: list[str]) -> str:
    """P(class) of the five most probable classes, most probable first (the tooltip and the large photo)."""
    return "\n".join(f"P({classes[k]}) = {p.probs[k]:.3f}" for k in p.top(5))


ROW_KEY = Qt.ItemDataRole.UserRole + 2  # on a row's photo item: its index in ``predictions``, whatever the sort
UNCERTAIN_TOP = 0.6  # top probability at or under this: between 0.4 and 0.6 for two classes
MIN_THUMB, DEFAULT_THUMB, MAX_THUMB = 40, 64, 96


class SortItem(QTableWidgetItem):
    """Sorts by ``sort_key``, a plain Python attribute: reading a tuple back through a Qt data role on
    every comparison made sorting 1,760 rows ~3x slower, and the table re-sorts after every batch."""

    sort_key = None

    def __init__(self, text: str = "", sort_key=None) -> None:
        super().__init__(text)
        self.sort_key = sort_key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        theirs = getattr(other, "sort_key", None)
        if self.sort_key is None or theirs is None:
            return super().__lt__(other)
        return self.sort_key < theirs


class PredictionsTable(QTableWidget):
    """Sortable by any column, filterable (all / one class / uncertain), thumbnails that zoom; a double
    click opens the photo large.

    A row number is a place on screen, not a photo: after a sort it names another photo than
    ``predictions[row]``. Every lookup from a row goes through ``prediction_at`` (the index kept on the row).
    """

    rowsChanged = Signal()  # rows added, cleared or filtered: counts are read again from the rows
    THUMB = DEFAULT_THUMB

    def __init__(self, parent=None) -> None:
        super().__init__(0, 4, parent)
        self.setObjectName("predictionsTable")
        self.setHorizontalHeaderLabels(["Photo", "File", "Prediction", "Probability"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)  # ResizeToContents rescans every row per batch
        self.setColumnWidth(2, 110)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(3, 180)
        h.setSortIndicatorShown(True)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt's default is descending: 1.jpg first, as counted
        self.setItemDelegateForColumn(3, ProbabilityBar(self))
        self.setToolTip("Click a column title to sort; double-click a photo to see it large")
        self.doubleClicked.connect(self.open_photo)
        self.predictions: list = []
        self.classes: list[str] = []
        self.filter_kind = "all"
        self.viewer = None
        self.set_thumb_size(DEFAULT_THUMB)

    def set_thumb_size(self, px: int) -> None:
        """Zoom: thumbnails are made at the largest size and drawn smaller (QIcon scales them smoothly)."""
        px = max(MIN_THUMB, min(MAX_THUMB, int(px)))
        self.THUMB = px
        self.setIconSize(QSize(px, px))
        self.verticalHeader().setDefaultSectionSize(px + 6)
        self.setColumnWidth(0, px + 12)

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self.predictions = []
        self.rowsChanged.emit()

    def prediction_at(self, row: int):
        """The prediction shown in ``row`` now (after any sort or filter), or None."""
        item = self.item(row, 0)
        key = item.data(ROW_KEY) if item is not None else None
        return self.predictions[key] if key is not None and 0 <= key < len(self.predictions) else None

    def shown_rows(self) -> int:
        """Rows on screen for the current filter: read from the rows themselves, never kept on the side."""
        return sum(not self.isRowHidden(r) for r in range(self.rowCount()))

    def add_predictions(self, preds: list, thumbs: list, classes: list[str]) -> None:
        self.classes = list(classes)
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)  # rows inserted while sorted would land under the wrong row index
        start, first = self.rowCount(), len(self.predictions)
        self.predictions += preds
        self.setRowCount(start + len(preds))
        for i, (p, thumb) in enumerate(zip(preds, thumbs), start):
            photo = SortItem(sort_key=natural_name_key(p.path.name))
            photo.setData(Qt.ItemDataRole.DecorationRole, QIcon(pixmap_from_array(thumb, MAX_THUMB)))
            photo.setData(Qt.ItemDataRole.UserRole, str(p.path))
            photo.setData(ROW_KEY, first + i - start)
            self.setItem(i, 0, photo)
            name = SortItem(p.path.name, sort_key=photo.sort_key)
            name.setToolTip(str(p.path))
            self.setItem(i, 1, name)
            cls = SortItem(classes[p.label], sort_key=(classes[p.label], -p.confidence))
            cls.setToolTip(classes[p.label])  # a long class name is elided in the column
            cls.setForeground(QColor(CLASS_COLORS[p.label % len(CLASS_COLORS)]))
            font = cls.font()
            font.setBold(True)
            cls.setFont(font)
            self.setItem(i, 2, cls)
            prob = SortItem(sort_key=p.confidence)
            prob.setData(Qt.ItemDataRole.UserRole, p.confidence)
            prob.setData(Qt.ItemDataRole.UserRole + 1, CLASS_COLORS[p.label % len(CLASS_COLORS)])
            prob.setToolTip(probs_text(p, classes))
            self.setItem(i, 3, prob)
            self.setRowHidden(i, not self._shown(p))
        self.setSortingEnabled(sorting)
        self.rowsChanged.emit()

    # -- filter ---------------------------------------------------------------------
    def filter_choices(self) -> list[tuple[str, str]]:
        """(key, text) for the filter box: all, each class, uncertain."""
        names = self.classes or ["cat", "dog"]
        band = "0.4-0.6" if len(names) == 2 else f"top probability under {UNCERTAIN_TOP:.0%}"
        return [("all", "All photos")] + [(c, f"Only {c}") for c in names] + [("uncertain", f"Uncertain ({band})")]

    def set_filter(self, kind: str) -> int:
        """Show only the rows of ``kind``; returns how many are shown."""
        self.filter_kind = kind
        for row in range(self.rowCount()):
            p = self.prediction_at(row)
            self.setRowHidden(row, p is None or not self._shown(p))
        self.rowsChanged.emit()
        return self.shown_rows()

    def _shown(self, p) -> bool:
        if self.filter_kind == "all":
            return True
        if self.filter_kind == "uncertain":
            return p.confidence <= UNCERTAIN_TOP
        return self.classes[p.label] == self.filter_kind

    # -- a photo large ------------------------------------------------------------------
    def open_photo(self, index) -> None:
        p = self.prediction_at(index.row())
        if p is None:
            return
        self.viewer = PhotoViewer(Path(p.path), f"{p.path}\n{probs_text(p, self.classes)}", self.window())
        self.viewer.open()


class TableControls(QWidget):
    """Filter box and thumbnail zoom above the table."""

    def __init__(self, table: PredictionsTable, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        self.filterCombo = QComboBox()
        self.filterCombo.setObjectName("predictionsFilter")
        self.filterCombo.setToolTip("Show all photos, one class, or those the model is unsure about")
        self.zoomSlider = QSlider(Qt.Orientation.Horizontal)
        self.zoomSlider.setObjectName("thumbZoom")
        self.zoomSlider.setRange(MIN_THUMB, MAX_THUMB)
        self.zoomSlider.setValue(table.THUMB)
        self.zoomSlider.setMaximumWidth(160)
        self.zoomSlider.setToolTip("Thumbnail size")
        self.shownLabel = QLabel()
        self.shownLabel.setObjectName("predictionsShown")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Show:"))
        layout.addWidget(self.filterCombo)
        layout.addWidget(self.shownLabel, 1)
        layout.addWidget(QLabel("Thumbnails:"))
        layout.addWidget(self.zoomSlider)
        self._classes: list[str] | None = None
        self.refresh_choices()
        self.filterCombo.currentIndexChanged.connect(self._filter)
        self.zoomSlider.valueChanged.connect(table.set_thumb_size)
        table.rowsChanged.connect(self.refresh_choices)

    def refresh_choices(self, *_) -> None:
        if self._classes == self.table.classes:
            return self._count()
        self._classes = list(self.table.classes)
        current = self.filterCombo.currentData() or "all"
        self.filterCombo.blockSignals(True)
        self.filterCombo.clear()
        for key, text in self.table.filter_choices():
            self.filterCombo.addItem(text, key)
        self.filterCombo.setCurrentIndex(max(0, self.filterCombo.findData(current)))
        self.filterCombo.blockSignals(False)
        self._filter()

    def _filter(self) -> None:
        self.table.set_filter(self.filterCombo.currentData() or "all")
        self._count()

    def _count(self) -> None:
        total = self.table.rowCount()
        self.shownLabel.setText(f"{self.table.shown_rows()} of {total} shown" if total else "")
