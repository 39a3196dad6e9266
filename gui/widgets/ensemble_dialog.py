"""Choosing several trained runs as one model ("Ensemble of 2 runs"), for Predict and Evaluate alike.

An ensemble averages its runs' calibrated probabilities class by class (core.inference.ensemble), so its
runs must have the same classes; architectures and image sizes may differ. The dialog lists the runs the
model box lists, each with a check box; a run whose classes differ from the first one ticked is
unticked again and the dialog says why. OK needs two runs or more.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from core.errors import InputError
from core.runs.ensemble_rules import classes_mismatch, repeated_member, repeated_message
from core.runs.meta import read_meta
from core.runs.table import RunRow
from gui.widgets.colors import Colors, follow_theme, mix
from gui.widgets.model_combo import run_name

INTRO = ("Tick two or more runs trained on the same classes. Their calibrated probabilities are averaged for "
         "every photo (each run sees the photo at the size it was trained at). Runs that make different mistakes "
         "correct each other; a much weaker run pulls a better one down, so compare them on Evaluate. Every photo "
         "takes the time of all of them.")


def run_classes(path: str) -> list[str] | None:
    """The class names a run's meta.json lists, or None when it cannot be read."""
    try:
        classes = read_meta(Path(path)).get("classes")
    except InputError:
        return None
    return list(classes) if isinstance(classes, list) else None


def ensemble_problem(paths: list[str]) -> str | None:
    """Why ``paths`` cannot be one ensemble (one readable sentence), or None."""
    paths = [str(p) for p in paths]
    if len(paths) < 2:
        return "An ensemble needs two runs or more: tick at least two."
    twice = repeated_member(paths)
    if twice is not None:
        return repeated_message(run_name(twice)).capitalize() + "."
    first = run_classes(paths[0])
    for p in paths:
        classes = run_classes(p)
        if classes is None:
            return f"{run_name(p)} cannot be read (its meta.json is missing or damaged): it cannot join an ensemble."
        problem = classes_mismatch(run_name(p), classes, run_name(paths[0]), first or [])
        if problem:
            return problem[0].upper() + problem[1:] + ". An ensemble averages the probabilities of the same classes."
    return None


class EnsembleDialog(QDialog):
    """Tick runs; ``chosen()`` is their folders in the order ticked (the first one's classes rule)."""

    def __init__(self, runs: list[RunRow], ticked: list[str] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ensembleDialog")
        self.setWindowTitle("Ensemble of runs")
        self._order: list[str] = []  # the ticked runs, in the order ticked
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.ensembleRunsList = QListWidget()
        self.ensembleRunsList.setObjectName("ensembleRunsList")
        follow_theme(self.ensembleRunsList, self._box_outlines)
        for run in runs:
            item = QListWidgetItem(run.label)
            item.setData(Qt.ItemDataRole.UserRole, run.path)
            item.setToolTip(run.path)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.ensembleRunsList.addItem(item)
        self.message = QLabel()
        self.message.setObjectName("ensembleMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.okButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.okButton.setText("Use the ensemble")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.ensembleRunsList, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.ensembleRunsList.itemChanged.connect(self._changed)
        for path in ticked or []:
            self.tick(path)
        self._update()
        self.resize(560, 380)

    def _box_outlines(self, c: Colors) -> None:
        """Fusion outlines an item's check box in the Window colour made darker: on the dark theme's Base that is
        black on black (no box to see). The list's own Window colour lies between text and background instead."""
        palette = self.ensembleRunsList.palette()
        palette.setColor(QPalette.ColorRole.Window, mix(c.text, c.background, 0.6))
        self.ensembleRunsList.setPalette(palette)

    def _item(self, path: str) -> QListWidgetItem | None:
        for i in range(self.ensembleRunsList.count()):
            item = self.ensembleRunsList.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(path):
                return item
        return None

    def tick(self, path: str, on: bool = True) -> None:
        """Tick (or untick) the run ``path`` as a click on its box would (``_changed`` follows)."""
        item = self._item(path)
        if item is not None:
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        return list(self._order)

    def _changed(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        on = item.checkState() == Qt.CheckState.Checked
        if not on:
            if path in self._order:
                self._order.remove(path)
            self.message.clear()
        elif path not in self._order:
            problem = ensemble_problem([self._order[0], path]) if self._order else None
            if problem:
                blocked = self.ensembleRunsList.signalsBlocked()
                self.ensembleRunsList.blockSignals(True)
                item.setCheckState(Qt.CheckState.Unchecked)  # refused: the list says what the ensemble is
                self.ensembleRunsList.blockSignals(blocked)
                self.message.setText(problem)
            else:
                self._order.append(path)
                self.message.clear()
        self._update()

    def _update(self) -> None:
        n = len(self._order)
        self.okButton.setEnabled(n >= 2)
        self.okButton.setToolTip("" if n >= 2 else "Tick two runs or more")
        if not self.message.text():
            self.message.setText(f"{n} run(s) ticked" + ("" if n >= 2 else ": tick two or more"))
