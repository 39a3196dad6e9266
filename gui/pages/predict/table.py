"""The predictions table: thumbnail, file name, predicted class and its probability as a bar.

A QTableView over the page's rows (gui/pages/predict/rows.py): it holds no copy of them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QStyledItemDelegate,
    QTableView,
    QWidget,
)

from gui.pages.predict.rows import COLOR_ROLE, PROB_ROLE, PredictionRows, probs_text
from gui.widgets.photo_viewer import PhotoViewer
from gui.widgets.thumbs import Thumbnails


class ProbabilityBar(QStyledItemDelegate):
    """Paints the row's probability (PROB_ROLE) as a filled bar with the percentage on it."""

    def paint(self, painter: QPainter, option, index) -> None:
        value = index.data(PROB_ROLE)
        color = index.data(COLOR_ROLE) or "#2980b9"
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


MIN_THUMB, DEFAULT_THUMB, MAX_THUMB = 40, 64, 96


class PredictionsTable(QTableView):
    """Sortable by any column, filterable (all / one class / uncertain), thumbnails that zoom; a double
    click opens the photo large.

    A row number is a place on screen, not a photo: every lookup from a row goes through the model
    (``prediction_at``). Thumbnails are decoded only for the rows painted, off the GUI thread.
    """

    selectedChanged = Signal()  # the selected row changed (or went)
    THUMB = DEFAULT_THUMB

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("predictionsTable")
        self.thumbs = Thumbnails(MAX_THUMB, parent=self)  # made at the largest zoom, drawn smaller
        self.rows = PredictionRows(self.thumbs, self)
        self.rowsChanged = self.rows.rowsChanged
        self.setModel(self.rows)
        self.selectionModel().selectionChanged.connect(lambda *_: self.selectedChanged.emit())
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no row measured, ever
        self.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)  # ResizeToContents would measure every row
        self.setColumnWidth(2, 110)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(3, 180)
        h.setSortIndicatorShown(True)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt's default is descending: 1.jpg first, as counted
        self.setItemDelegateForColumn(3, ProbabilityBar(self))
        self.setToolTip("Click a column title to sort; double-click a photo to see it large")
        self.doubleClicked.connect(self.open_photo)
        self.viewer = None
        self.set_thumb_size(DEFAULT_THUMB)

    @property
    def predictions(self) -> list:
        """Every row's prediction, in the order they arrived (the model's list)."""
        return self.rows.predictions

    @property
    def classes(self) -> list[str]:
        return self.rows.classes

    def set_thumb_size(self, px: int) -> None:
        """Zoom: thumbnails are made at the largest size and drawn smaller (QIcon scales them smoothly)."""
        px = max(MIN_THUMB, min(MAX_THUMB, int(px)))
        self.THUMB = px
        self.setIconSize(QSize(px, px))
        self.verticalHeader().setDefaultSectionSize(px + 6)
        self.setColumnWidth(0, px + 12)

    def clear_rows(self) -> None:
        self.rows.clear()

    def prediction_at(self, row: int):
        """The prediction shown in ``row`` now (after any sort or filter), or None."""
        return self.rows.prediction_at(row)

    def selected_prediction(self):
        """The prediction of the selected row, or None (nothing selected, or filtered out)."""
        rows = self.selectionModel().selectedRows()
        return self.rows.prediction_at(rows[0].row()) if rows else None

    def shown_rows(self) -> int:
        """Rows the filter lets through (the model's, never counted on the side)."""
        return self.rows.rowCount()

    def add_predictions(self, preds: list, classes: list[str]) -> None:
        self.rows.add(preds, classes)

    # -- filter ---------------------------------------------------------------------
    def filter_choices(self) -> list[tuple[str, str]]:
        """(key, text) for the filter box: all, each class, uncertain."""
        names = self.classes or ["cat", "dog"]
        return ([("all", "All photos")] + [(c, f"Only {c}") for c in names] +
                [("uncertain", f"Uncertain ({self.rows.uncertain_band()})")])

    def set_filter(self, kind: str) -> int:
        """Show only the rows of ``kind``; returns how many are shown."""
        return self.rows.set_filter(kind)

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
        total = len(self.table.predictions)
        self.shownLabel.setText(f"{self.table.shown_rows()} of {total} shown" if total else "")
