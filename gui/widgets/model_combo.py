"""The model chooser of Predict and Evaluate: the trained runs, newest first, the ensembles the user made of
them, then the untrained ImageNet baseline.

Every entry's item data is a model reference as core reads it (``core.runs.layout``): a run folder,
``imagenet:ARCH``, or ``ensemble:["RUN", "RUN"]`` (gui.widgets.ensemble_dialog makes those). An
ensemble stays listed through Refresh while every one of its runs is still listed.
Run names are long and their ends both matter (the name's date, then "val 91.2%"): the box
asks for the width of its longest entry, and where the page is narrower it cuts the middle
(never the end) and keeps the whole name in the tooltip; the list opens wide enough for every entry.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter

from core.errors import InputError
from core.runs.ensemble_rules import ensemble_title, member_key
from core.runs.layout import ENSEMBLE_PREFIX, IMAGENET_PREFIX, ensemble_ref, model_refs
from core.runs.table import RunRow, list_runs
from gui.widgets.run_choice import choose_run

BASELINE_ARCH = "efficientnet_lite0"  # the untrained baseline every run should beat; its weights come with the app


def is_ensemble(ref: str | None) -> bool:
    return bool(ref) and str(ref).startswith(ENSEMBLE_PREFIX)


def members_of(ref: str | None) -> list[str]:
    """The runs a reference names (an ensemble's members, else the one model); [] for none or a bad one."""
    if not ref:
        return []
    try:
        return model_refs(str(ref))
    except InputError:
        return []


def run_name(ref: str) -> str:
    """A run by its folder's name; ``imagenet:ARCH`` as it is."""
    return ref if ref.startswith(IMAGENET_PREFIX) else Path(ref).name or ref


def ensemble_label(paths: list[str]) -> str:
    """'Ensemble of 2 runs (a, b)': how the box, the rows and the status line name an ensemble."""
    return f"{ensemble_title(len(paths))} ({', '.join(run_name(p) for p in paths)})"


def model_name(ref: str | None) -> str:
    """A short name for any model reference (a run's folder name, an ensemble's label)."""
    if not ref:
        return "none"
    return ensemble_label(members_of(ref)) if is_ensemble(ref) else run_name(str(ref))


class ModelCombo(QComboBox):
    refreshed = Signal()  # the list was filled again (the runs it offers may have changed)

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.runs: list[RunRow] = []  # the runs listed by the last refresh (the ensemble dialog offers them)
        self.ensembles: list[str] = []  # ensemble references the user made, in the order made
        self.setMinimumContentsLength(24)  # the least it shrinks to; elided in the middle below that
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.currentIndexChanged.connect(lambda _i: self._tip())

    def refresh(self, weights_dir: str, select: str | None = None) -> None:
        previous = self.currentData()
        self.blockSignals(True)
        self.clear()
        self.runs = list_runs(weights_dir)
        for run in self.runs:
            self.addItem(run.label, run.path)
        listed = {run.path for run in self.runs}
        self.ensembles = [ref for ref in self.ensembles if set(members_of(ref)) <= listed]  # its runs still exist
        for ref in self.ensembles:
            self._add_ensemble_item(ref)
        self.addItem(f"ImageNet classes, no training ({BASELINE_ARCH})", IMAGENET_PREFIX + BASELINE_ARCH)
        choose_run(self, select, previous)
        self.blockSignals(False)
        self._tip()
        self._fit()
        self.refreshed.emit()

    def add_ensemble(self, paths: list[str]) -> str:
        """List the ensemble of ``paths`` (once) after the runs and choose it; returns its reference."""
        ref = ensemble_ref([str(p) for p in paths])
        same = [r for r in self.ensembles if sorted(map(member_key, model_refs(r))) == sorted(map(member_key, paths))]
        ref = same[0] if same else ref  # the same runs ticked in another order: the same model, listed once
        if self.findData(ref) < 0:
            self.ensembles.append(ref)
            self.blockSignals(True)
            self._add_ensemble_item(ref, len(self.runs) + len(self.ensembles) - 1)
            self.blockSignals(False)
            self._fit()
        self.setCurrentIndex(self.findData(ref))
        return ref

    def _add_ensemble_item(self, ref: str, at: int | None = None) -> None:
        labels = {run.path: run.label for run in self.runs}
        members = members_of(ref)
        tip = (f"{ensemble_title(len(members))}: the calibrated probabilities of\n" +
               "\n".join(f"  • {labels.get(m, m)}" for m in members) +
               "\nare averaged for every photo (each run sees it at its own size); it takes the time of all of them")
        at = self.count() if at is None else at
        self.insertItem(at, ensemble_label(members), ref)
        self.setItemData(at, tip, Qt.ItemDataRole.ToolTipRole)

    def _tip(self) -> None:
        tip = self.itemData(self.currentIndex(), Qt.ItemDataRole.ToolTipRole) if self.currentIndex() >= 0 else None
        self.setToolTip(tip or self.currentText())

    def _fit(self) -> None:
        self.view().setMinimumWidth(self._text_width() + 2 * self.view().frameWidth() + 24)
        self.updateGeometry()  # a longer name asks the page for more room

    def _text_width(self) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)

    def sizeHint(self) -> QSize:
        """Wide enough for the longest entry: the layout gives it that where the page has room."""
        hint = super().sizeHint()
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        full = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt,
                                             QSize(self._text_width(), hint.height()), self)
        return QSize(max(hint.width(), full.width()), hint.height())

    def shown_text(self) -> str:
        """The current entry as the closed box shows it: whole, or cut in the middle to fit."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        rect = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                           QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideMiddle, rect.width())

    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        opt.currentText = self.shown_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)
