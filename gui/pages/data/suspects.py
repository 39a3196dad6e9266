"""The suspects of a photo check as a thumbnail grid: worst first, filtered by kind, with the decision made so far.

One row per photo: a suspect (a label the model doubts, or a photo of neither class) or one photo of a
near-duplicate group (the group's photos follow each other, so they sit side by side). A row's photo is
in its data (PATH_ROLE): keys act on the photo a row shows, never on a position in a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView

from gui.widgets.decisions import key_decision
from gui.widgets.thumbs import Thumbnails

ICON = 128  # logical px: large enough to judge a photo
Role = Qt.ItemDataRole
PATH_ROLE = Role.UserRole + 1  # the photo's path (str)
KIND_ROLE = Role.UserRole + 2  # "label", "neither" or "duplicate"
FILTERS = (("All", None), ("Wrong label", "label"), ("Neither", "neither"), ("Duplicates", "duplicate"))


@dataclass
class Row:
    path: Path
    kind: str
    text: str  # what the check says about it
    tip: str
    group: int = -1  # the duplicate group (-1: none)


def rows_of(result) -> list[Row]:
    """A CheckResult as rows: suspects most suspicious first, then each duplicate group's photos together."""
    rows = []
    for s in result.suspects:
        if s.kind == "label":
            text = f"given {s.given} · model says {s.predicted} (P {s.p_given:.2f})"
        else:
            text = "neither class"
        rows.append(Row(Path(s.path), s.kind, text,
                        f"{s.path}\ngiven {s.given}, model says {s.predicted}, P({s.given}) = {s.p_given:.3f}, "
                        f"suspicion {s.score:.2f}"))
    for g, group in enumerate(result.duplicates):
        names = ", ".join(Path(p).name for p in group.paths)
        leak = " (a test photo: the test score leaks)" if group.with_test else ""
        for p in group.paths:
            others = [Path(q).name for q in group.paths if q != p]
            rows.append(Row(Path(p), "duplicate", f"copy of {', '.join(others)} ({group.similarity:.2f})",
                            f"{p}\nnear-duplicates{leak}: {names}, similarity {group.similarity:.3f}", g))
    return rows


class SuspectsModel(QAbstractListModel):
    def __init__(self, thumbs: Thumbnails, cell: QSize, parent=None) -> None:
        super().__init__(parent)
        self.thumbs, self.cell = thumbs, cell
        self.all: list[Row] = []
        self.rows: list[Row] = []
        self.kind: str | None = None
        self.decided: dict[str, str] = {}  # photo path (str) -> what its decision shows
        thumbs.arrived.connect(self._thumbs_arrived)

    def show(self, rows: list[Row], kind: str | None = None) -> None:
        self.beginResetModel()
        self.all, self.kind = list(rows), kind
        self.rows = [r for r in self.all if kind is None or r.kind == kind]
        self.endResetModel()

    def set_kind(self, kind: str | None) -> None:
        self.show(self.all, kind)

    def set_decisions(self, decided: dict[str, str]) -> None:
        self.decided = dict(decided)
        if self.rows:
            self.dataChanged.emit(self.index(0), self.index(len(self.rows) - 1), [Role.DisplayRole])

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index, role=Role.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == Role.DecorationRole:
            return self.thumbs.icon(r.path)
        if role == Role.DisplayRole:
            decision = self.decided.get(str(r.path))
            return f"{r.path.name}\n{r.text}" + (f"\n[{decision}]" if decision else "")
        if role == Role.ToolTipRole:
            return r.tip
        if role == PATH_ROLE:
            return str(r.path)
        if role == KIND_ROLE:
            return r.kind
        if role == Role.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        return self.cell if role == Role.SizeHintRole else None

    def _thumbs_arrived(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0), self.index(len(self.rows) - 1), [Role.DecorationRole])


class SuspectsList(QListView):
    """The grid; a decision key on it emits ``decided(photo path, action or None, label)``."""

    decided = Signal(str, object, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("suspectsList")
        self.classes: list[str] = []
        self.cell = QSize(ICON + 96, ICON + 68)
        self.thumbs = Thumbnails(ICON, parent=self)
        self.suspects = SuspectsModel(self.thumbs, self.cell, self)
        self.setModel(self.suspects)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(self.cell)
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def count(self) -> int:
        return self.suspects.rowCount()

    def path_at(self, row: int) -> str:
        return self.suspects.index(row).data(PATH_ROLE)

    def setCurrentRow(self, row: int) -> None:
        self.setCurrentIndex(self.suspects.index(row))

    def show_rows(self, rows: list[Row], kind: str | None = None) -> None:
        self.thumbs.cancel()
        self.suspects.show(rows, kind)

    def keyPressEvent(self, event) -> None:
        current = self.currentIndex()
        decision = key_decision(event.text(), self.classes) if current.isValid() else None
        if decision is None:
            super().keyPressEvent(event)
            return
        self.decided.emit(current.data(PATH_ROLE), *decision)
