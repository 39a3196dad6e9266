"""The runs table (object name ``runsTable``): one row per run, sortable by every column.

Rows come from core.runs.table (meta.json only); each cell shows text and sorts by a raw
value (numbers as numbers, dates as ISO strings), and refreshing keeps the selection.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from core.runs.layout import DAMAGED
from core.runs.table import RunRow
from core.utils.formatting import format_acc, format_bytes
from gui.widgets.colors import tone

COLUMNS = ("Run", "Architecture", "Start", "Image", "Epochs", "Best val.", "Status", "Created", "On disk")
HEADER_TIPS = ("The run folder's name", "", "From scratch, or from ImageNet weights (frozen or fine-tuned)",
               "Image size the run trains at", "Epochs done / planned", "Best validation accuracy of any epoch",
               "running, finished, stopped (resumable), failed, or damaged (cannot be loaded: hover for why)",
               "When the run started", "Size of its folder")
SORT_ROLE = Qt.ItemDataRole.UserRole
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_TONES = {"running": "ok", "failed": "error", "stopped": "warning", DAMAGED: "error"}  # colors.TONES
STATUS_TIPS = {"running": "Training now (its folder is locked): it cannot be renamed or deleted",
               "stopped": "Stopped or interrupted: Resume continues it from its last checkpoint",
               "failed": "Training failed: see meta.json for the error",
               "finished": "Trained all its planned epochs: 'Resume / train more' adds epochs"}


def _cells(r: RunRow) -> list[tuple[str, object]]:
    """(text, sort key) per column."""
    acc = r.best_val_acc if r.best_val_acc is not None else -1.0
    return [(r.name, r.name.lower()), (r.arch, r.arch), (r.start_label, r.start_label),
            (f"{r.image_size} px", r.image_size), (f"{r.epochs} / {r.epochs_planned}", r.epochs),
            (format_acc(r.best_val_acc), acc), (r.status, r.status), (r.created_label, r.created),
            (format_bytes(r.bytes), r.bytes)]


class RunsTable(QTableView):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("runsTable")
        self.source = QStandardItemModel(0, len(COLUMNS), self)
        self.source.setHorizontalHeaderLabels(list(COLUMNS))
        for i, tip in enumerate(HEADER_TIPS):
            self.source.horizontalHeaderItem(i).setToolTip(tip)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(COLUMNS.index("Created"), Qt.SortOrder.DescendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long name keeps its start and its end
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.rows: dict[str, RunRow] = {}

    def set_rows(self, rows: list[RunRow]) -> None:
        keep = set(self.selected_paths())
        scrolled = self.verticalScrollBar().value()
        self.setUpdatesEnabled(False)
        self.proxy.setDynamicSortFilter(False)
        self.source.setRowCount(0)
        self.rows = {r.path: r for r in rows}
        bold = QFont()
        bold.setBold(True)
        for r in rows:
            items = []
            for text, key in _cells(r):
                item = QStandardItem(text)
                item.setData(key, SORT_ROLE)
                item.setData(r.path, PATH_ROLE)
                items.append(item)
            items[0].setToolTip(r.path)
            status = items[COLUMNS.index("Status")]
            status.setToolTip(r.reason or STATUS_TIPS.get(r.status, ""))
            if r.status in STATUS_TONES:
                status.setForeground(QBrush(QColor(tone(STATUS_TONES[r.status]))))
            if r.status == "running":
                status.setFont(bold)
            for col in (3, 4, 5, 8):
                items[col].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.source.appendRow(items)
        self.proxy.setDynamicSortFilter(True)
        self.proxy.sort(self.horizontalHeader().sortIndicatorSection(), self.horizontalHeader().sortIndicatorOrder())
        self.setUpdatesEnabled(True)
        self.select_paths(keep)
        self.verticalScrollBar().setValue(scrolled)  # a refresh while training must not jump to the top

    def row_count(self) -> int:
        return self.proxy.rowCount()

    def path_at(self, view_row: int) -> str:
        return self.proxy.index(view_row, 0).data(PATH_ROLE)

    def selected_paths(self) -> list[str]:
        """Selected runs, in the table's current order."""
        rows = sorted(i.row() for i in self.selectionModel().selectedRows()) if self.selectionModel() else []
        return [self.path_at(r) for r in rows]

    def selected_rows(self) -> list[RunRow]:
        return [self.rows[p] for p in self.selected_paths() if p in self.rows]

    def select_paths(self, paths) -> None:
        paths = set(paths)
        self.clearSelection()
        flags = self.selectionModel().SelectionFlag.Select | self.selectionModel().SelectionFlag.Rows
        for r in range(self.proxy.rowCount()):
            if self.path_at(r) in paths:
                self.selectionModel().select(self.proxy.index(r, 0), flags)
