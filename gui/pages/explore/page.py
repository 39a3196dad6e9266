"""Explore page: one row per stage of any architecture (and a second one beside it).

The tables come from core.explore.architecture, measured from the real model on the meta device, on a
worker thread; results are kept per (architecture, image size), so switching back is instant.
Nothing is computed until the page is first shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.models.registry import ARCHS
from gui.jobs.base import Job
from gui.widgets.colors import toned

COLUMNS = ("Stage", "Block", "n", "Output", "Parameters", "MFLOPs", "FLOPs %", "What it does")
NUMERIC = {2, 4, 5, 6}
SELECT_HINT = "<i>Select a row to read all of it.</i>"


class ExploreJob(Job):
    ready = Signal(object)  # core.explore.architecture.Exploration
    problem = Signal(str, int, str)  # arch, image size, message

    def __init__(self, requests: list[tuple[str, int]]) -> None:
        super().__init__()
        self.requests = requests

    def work(self) -> None:
        from core.errors import InputError
        from core.explore.architecture import explore

        for arch, size in self.requests:
            try:
                self.post("ready", explore(arch, size))
            except InputError as exc:
                self.post("problem", arch, size, str(exc))


class _Side(QWidget):
    """One architecture: title, what is special, the stage table, the totals."""

    def __init__(self, table_name: str) -> None:
        super().__init__()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName(table_name)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        for c in range(len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.totals = QLabel()
        self.totals.setObjectName(table_name.replace("Table", "Totals"))
        self.totals.setWordWrap(True)
        self.detail = QLabel(SELECT_HINT)
        self.detail.setWordWrap(True)
        self.detail.setMinimumHeight(40)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.table.itemSelectionChanged.connect(self._selected)
        self.stages: list = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.detail)

    def compact(self, on: bool) -> None:
        """Side by side: the long 'What it does' column gives way (the row's text shows below when selected)."""
        self.table.setColumnHidden(len(COLUMNS) - 1, on)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch if on else QHeaderView.ResizeMode.Interactive)
        self.compact_mode = on

    def _selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) == 1 and min(rows) < len(self.stages):
            s = self.stages[min(rows)]
            self.detail.setText(f"<b>{s.name}</b>: {s.block}" + (f"<br>{s.note}" if s.note else ""))
        else:
            self.detail.setText(SELECT_HINT)

    def waiting(self, arch: str, size: int) -> None:
        self.title.setText(f"<b>{arch}</b> at {size}×{size} px: measuring…")

    def show_problem(self, arch: str, message: str) -> None:
        self.table.setRowCount(0)
        self.title.setText(f"<b>{arch}</b>")
        self.totals.setText(toned("error", f"Cannot show {arch}:") + f" {message}")

    def display(self, e) -> None:
        from core.explore.architecture import shape_text  # torch-free

        self.title.setText(f"<b>{e.arch}</b> at {e.image_size}×{e.image_size} px: {e.description}"
                           f"<br><b>Special:</b> {e.special}")
        self.stages = e.stages
        self.detail.setText(SELECT_HINT)
        self.table.setRowCount(len(e.stages))
        for r, s in enumerate(e.stages):
            share = f"{100 * s.flops / e.flops:.1f}" if e.flops else "-"
            values = (s.name, s.block, str(s.blocks), shape_text(s.output), f"{s.params:,}",
                      f"{s.flops / 1e6:,.1f}", share, s.note)
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{s.name}: {s.block}\n{s.note}" if c in (0, 1, 7) else text)
                if c in NUMERIC:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        if not getattr(self, "compact_mode", False):
            self.table.resizeColumnToContents(1)
            self.table.setColumnWidth(1, min(self.table.columnWidth(1), 260))
        self.totals.setText(f"<b>Total: {e.params:,} parameters · {e.gflops:.3f} GFLOPs</b> for one "
                            f"{e.image_size}×{e.image_size} image (the numbers of <code>catdog archs</code>). "
                            "n: blocks in a stage, conv/linear layers elsewhere.")


class ExplorerPage(QWidget):
    explored = Signal(str, int)  # an architecture's table is shown: its key, rows

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("explorerPage")
        self.results: dict[tuple[str, int], object] = {}
        self.problems: dict[tuple[str, int], str] = {}
        self.job: ExploreJob | None = None
        self._started = False
        self.explorerArchCombo = QComboBox()
        self.explorerArchCombo.setObjectName("explorerArchCombo")
        self.explorerCompareCombo = QComboBox()
        self.explorerCompareCombo.setObjectName("explorerCompareCombo")
        self.explorerCompareCombo.addItem("(none)", None)
        for key, spec in ARCHS.items():
            for combo in (self.explorerArchCombo, self.explorerCompareCombo):
                combo.addItem(f"{key}  ({spec.family})", key)
                combo.setItemData(combo.count() - 1, spec.description, Qt.ItemDataRole.ToolTipRole)
        self.explorerArchCombo.setCurrentIndex(max(0, self.explorerArchCombo.findData("resnet18")))
        self.explorerSizeSpin = QSpinBox()
        self.explorerSizeSpin.setObjectName("explorerSizeSpin")
        self.explorerSizeSpin.setRange(16, 1024)
        self.explorerSizeSpin.setSingleStep(32)
        self.explorerSizeSpin.setValue(224)
        self.explorerSizeSpin.setSuffix(" px")
        self.explorerSizeSpin.setToolTip("Input image side: output shapes and FLOPs follow it; parameters do not.")
        controls = QHBoxLayout()
        for text, widget in (("Architecture:", self.explorerArchCombo), ("beside:", self.explorerCompareCombo),
                             ("Image size:", self.explorerSizeSpin)):
            controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addStretch(1)
        self.left, self.right = _Side("explorerTable"), _Side("explorerCompareTable")
        self.explorerTable = self.left.table
        self.right.hide()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.left)
        splitter.addWidget(self.right)
        note = QLabel("Measured from the real model with no weights (PyTorch's meta device): output shapes for one "
                      "image, FLOPs of one forward pass (torch.utils.flop_counter; a multiply-add counts 2).")
        note.setObjectName("explorerNote")
        note.setWordWrap(True)
        font = note.font()  # a font, not a style sheet: a styled label kept the palette it was first shown with
        font.setPointSizeF(font.pointSizeF() * 0.85)
        note.setFont(font)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)
        layout.addWidget(note)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.refresh)
        for signal in (self.explorerArchCombo.currentIndexChanged, self.explorerCompareCombo.currentIndexChanged,
                       self.explorerSizeSpin.valueChanged):
            signal.connect(lambda *_: self._timer.start())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            self.refresh()

    def wanted(self) -> list[tuple[str, int]]:
        size = self.explorerSizeSpin.value()
        keys = [self.explorerArchCombo.currentData(), self.explorerCompareCombo.currentData()]
        return [(k, size) for k in keys if k]

    def refresh(self) -> None:
        """Show what is known; measure what is not (one job at a time, then look again)."""
        self._started = True
        wanted = self.wanted()
        sides = [self.left, self.right]
        both = self.explorerCompareCombo.currentData() is not None
        self.right.setVisible(both)
        for side in sides:
            side.compact(both)
        missing = [w for w in wanted if w not in self.results and w not in self.problems]
        for side, w in zip(sides, wanted if self.explorerCompareCombo.currentData() else wanted[:1]):
            if w in self.results:
                side.display(self.results[w])
                self.explored.emit(w[0], len(self.results[w].stages))
            elif w in self.problems:
                side.show_problem(w[0], self.problems[w])
            else:
                side.waiting(*w)
        QTimer.singleShot(0, self._align_titles)
        if missing and (self.job is None or not self.job.is_running()):
            self.job = ExploreJob(missing)
            self.job.ready.connect(self._ready)
            self.job.problem.connect(self._problem)
            self.job.failed.connect(lambda msg, reqs=missing: self.problems.update({w: msg for w in reqs}))
            self.job.done.connect(self._job_done)
            self.job.start()

    def _align_titles(self) -> None:
        """Side by side, both tables start at the same height, whatever their titles' lengths."""
        titles = [side.title for side in (self.left, self.right) if side.isVisible()]
        for t in titles:
            t.setMinimumHeight(0)
        height = max((t.heightForWidth(t.width()) for t in titles), default=0)
        for t in titles:
            t.setMinimumHeight(height if len(titles) > 1 else 0)

    def _ready(self, e) -> None:
        self.results[(e.arch, e.image_size)] = e

    def _problem(self, arch: str, size: int, message: str) -> None:
        self.problems[(arch, size)] = message

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.wait()
            if not job.stop_event.is_set():
                self.refresh()
