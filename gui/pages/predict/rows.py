"""The Predict page's rows: every prediction of the last drop, as a Qt table model that sorts and filters itself.

One home: the predictions (in arrival order), their classes, counts and submission ids live here; the
table, Grad-CAM, the large photo, the counts line and the CSV all read them through this model. A view
row is a place on screen: ``view[row]`` is the index of the prediction shown there after any sort or
filter. Sorting and filtering are plain Python on precomputed keys (12,500 rows in a few ms; a
QSortFilterProxyModel would call back into Python for every comparison), and a batch that arrives is
inserted where the sort puts it (beginInsertRows per run of rows), never a re-sort of every row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from heapq import nsmallest
from itertools import groupby

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from core.data.walk import natural_name_key
from core.errors import InputError
from core.inference.submission import submission_id, submission_rows
from gui.widgets.thumbs import Thumbnails

CLASS_COLORS = ["#e67e22", "#2980b9", "#27ae60", "#8e44ad", "#c0392b"]
HEADERS = ["Photo", "File", "Prediction", "Probability"]
UNCERTAIN_TOP = 0.6  # top probability at or under this: between 0.4 and 0.6 for two classes
PROB_ROLE = Qt.ItemDataRole.UserRole  # the Probability column's value (the bar's length)
COLOR_ROLE = Qt.ItemDataRole.UserRole + 1  # the predicted class's colour
PREDICTION_ROLE = Qt.ItemDataRole.UserRole + 2  # the Prediction a row shows, whatever the sort and filter
Role = Qt.ItemDataRole


def probs_text(p, classes: list[str]) -> str:
    """P(class) of the five most probable classes, most probable first (the tooltip and the large photo)."""
    return "\n".join(f"P({classes[k]}) = {p.probs[k]:.3f}" for k in p.top(5))


class _Reversed:
    """A key that sorts the other way: bisect into a view sorted in descending order."""

    __slots__ = ("key",)

    def __init__(self, key) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return other.key < self.key


class PredictionRows(QAbstractTableModel):
    rowsChanged = Signal()  # rows added, cleared or filtered: counts are read again

    def __init__(self, thumbs: Thumbnails, parent=None) -> None:
        super().__init__(parent)
        self.thumbs = thumbs
        thumbs.arrived.connect(self._thumbs_arrived)
        self.sort_column, self.sort_order = 0, Qt.SortOrder.AscendingOrder
        self.filter_kind = "all"
        self._bold = QFont()
        self._bold.setBold(True)
        self._reset_state()

    def _reset_state(self) -> None:
        self.predictions: list = []  # in arrival order: the one list of the page's results
        self.classes: list[str] = []
        self.counts: list[int] = []  # rows per predicted class
        self.uncertain = 0
        self.id_problem: str | None = None  # the first reason no submission can be made of these rows
        self._label: list[int] = []
        self._conf: list[float] = []
        self._name: list[tuple] = []
        self._by_class: list[tuple] = []  # (class name, -probability): by class, the surest first within it
        self._ids: list[int | None] = []
        self._seen_ids: dict[int, int] = {}
        self._sorted: list[int] = []  # every row, in the sort order
        self.view: list[int] = []  # the rows the filter lets through, in the sort order

    # -- the Qt model ---------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.view)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation, role=Role.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Role.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index, role=Role.DisplayRole):
        if not index.isValid() or index.row() >= len(self.view):
            return None
        i, col = self.view[index.row()], index.column()
        p = self.predictions[i]
        if role == PREDICTION_ROLE:
            return p
        if col == 0:
            return self.thumbs.icon(p.path) if role == Role.DecorationRole else None
        if col == 1:
            return p.path.name if role == Role.DisplayRole else str(p.path) if role == Role.ToolTipRole else None
        label = self._label[i]
        if col == 2:
            if role in (Role.DisplayRole, Role.ToolTipRole):  # a long class name is elided in the column
                return self.classes[label]
            if role == Role.ForegroundRole:
                return QColor(CLASS_COLORS[label % len(CLASS_COLORS)])
            return self._bold if role == Role.FontRole else None
        if role == PROB_ROLE:
            return self._conf[i]
        if role == COLOR_ROLE:
            return CLASS_COLORS[label % len(CLASS_COLORS)]
        return probs_text(p, self.classes) if role == Role.ToolTipRole else None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """A header click: every row ordered again (selection and current row follow their photos)."""
        self.sort_column, self.sort_order = column, order
        self._relayout(self._order_all)

    # -- rows -----------------------------------------------------------------------------
    def add(self, preds: list, classes: list[str]) -> None:
        """A batch of predictions: appended to the list, inserted where the sort and filter put them."""
        if not preds:
            return
        if not self.predictions:  # the first batch names the classes; a new drop clears the rows first
            self.classes, self.counts = list(classes), [0] * len(classes)
        first = len(self.predictions)
        for p in preds:
            self._remember(p)
        key, desc = self._key()
        new = sorted(range(first, len(self.predictions)), key=key, reverse=desc)
        find = (lambda i: _Reversed(key(i))) if desc else key
        for i in new:  # every row, shown or not: a later filter change needs them in order
            self._sorted.insert(bisect_right(self._sorted, find(i), key=find), i)
        shown = [i for i in new if self._shown(i)]
        places = [bisect_right(self.view, find(i), key=find) for i in shown]  # in today's view: ascending
        done = 0
        for place, group in groupby(zip(places, shown), key=lambda t: t[0]):  # rows landing together: one insert
            run = [i for _, i in group]
            row = place + done
            self.beginInsertRows(QModelIndex(), row, row + len(run) - 1)
            self.view[row:row] = run
            self.endInsertRows()
            done += len(run)
        self.rowsChanged.emit()

    def _remember(self, p) -> None:
        i = len(self.predictions)
        self.predictions.append(p)
        label = p.label  # core's rule, read once: a sort or filter never calls it again
        self._label.append(label)
        self._conf.append(float(p.probs[label]))
        self._name.append(natural_name_key(p.path.name))
        self._by_class.append((self.classes[label], -self._conf[i]))
        self.counts[label] += 1
        self.uncertain += self._conf[i] <= UNCERTAIN_TOP
        try:
            sid = submission_id(p.path)
        except InputError as exc:
            sid, self.id_problem = None, self.id_problem or str(exc)
        if sid is not None and sid in self._seen_ids and self.id_problem is None:
            try:  # core words it: "two test files share id ..."
                submission_rows([self.predictions[self._seen_ids[sid]], p], "competition", 0)
            except InputError as exc:
                self.id_problem = str(exc)
        if sid is not None:
            self._seen_ids.setdefault(sid, i)
        self._ids.append(sid)

    def clear(self) -> None:
        self.beginResetModel()
        self._reset_state()
        self.endResetModel()
        self.thumbs.clear()
        self.rowsChanged.emit()

    def set_filter(self, kind: str) -> int:
        """Show only the rows of ``kind`` (all, a class name, uncertain); returns how many are shown."""
        if kind != self.filter_kind:
            self.filter_kind = kind
            self._relayout(self._apply_filter)
            self.rowsChanged.emit()
        return len(self.view)

    def prediction_at(self, row: int):
        """The prediction shown in view row ``row`` now, or None."""
        return self.predictions[self.view[row]] if 0 <= row < len(self.view) else None

    def row_of(self, prediction) -> int:
        """The view row showing ``prediction`` (-1: none, e.g. filtered out)."""
        return next((r for r, i in enumerate(self.view) if self.predictions[i] is prediction), -1)

    def first_by_id(self, k: int) -> list:
        """The ``k`` rows with the smallest submission ids (the first lines of the CSV), without sorting all."""
        known = [i for i in range(len(self._ids)) if self._ids[i] is not None]
        return [self.predictions[i] for i in nsmallest(k, known, key=self._ids.__getitem__)]

    def uncertain_band(self) -> str:
        names = self.classes or ["cat", "dog"]
        return "0.4-0.6" if len(names) == 2 else f"top probability under {UNCERTAIN_TOP:.0%}"

    # -- order and filter -------------------------------------------------------------------
    def _key(self) -> tuple[Callable, bool]:
        """The key of the sort column for row i, and whether the order is descending."""
        if self.sort_column == 2:
            key = self._by_class.__getitem__
        elif self.sort_column == 3:
            key = self._conf.__getitem__
        else:
            key = self._name.__getitem__
        return key, self.sort_order == Qt.SortOrder.DescendingOrder

    def _order_all(self) -> None:
        key, desc = self._key()
        self._sorted = sorted(range(len(self.predictions)), key=key, reverse=desc)
        self._apply_filter()

    def _apply_filter(self) -> None:
        self.view = [i for i in self._sorted if self._shown(i)] if self.filter_kind != "all" else list(self._sorted)

    def _shown(self, i: int) -> bool:
        if self.filter_kind == "all":
            return True
        if self.filter_kind == "uncertain":
            return self._conf[i] <= UNCERTAIN_TOP
        return self.classes[self._label[i]] == self.filter_kind

    def _relayout(self, change: Callable[[], None]) -> None:
        """Reorder or refilter the rows; the selection and current row follow their photos (or go)."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        rows = [self.view[ix.row()] if ix.isValid() and ix.row() < len(self.view) else None for ix in old]
        change()
        if old:
            where = {i: r for r, i in enumerate(self.view)}
            self.changePersistentIndexList(old, [self.index(where[i], ix.column()) if where.get(i) is not None
                                                 else QModelIndex() for ix, i in zip(old, rows)])
        self.layoutChanged.emit()

    def _thumbs_arrived(self) -> None:
        if self.view:  # the view repaints only the cells on screen
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.view) - 1, 0), [Role.DecorationRole])

