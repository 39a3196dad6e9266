"""The "Model:" row of Predict and Evaluate: the model box, "Ensemble…" and "Refresh", and the TTA check box.

One module for both pages, so that an ensemble is chosen, refused and named the same way on each.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from gui.widgets.ensemble_dialog import EnsembleDialog, ensemble_problem
from gui.widgets.model_combo import ModelCombo, is_ensemble, members_of

TTA_TEXT = "Average with the mirrored photo (TTA)"
TTA_TIP = ("Test-time augmentation: every photo is classified as it is and mirrored left to right, and the two "
           "answers are averaged. Often a little better calibrated; it takes twice the time.")
ENSEMBLE_TIP = "Average two or more runs trained on the same classes (an ensemble): they become one entry of the box"


def show_error(widget: QWidget, title: str, text: str, kind: str) -> None:
    """The window's readable, non-blocking message (and its status line) when there is one, else a box of its own."""
    show = getattr(widget.window(), "show_error", None)
    if show is not None:
        return show(title, text, kind)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, widget)
    box.open()


def tta_check(name: str) -> QCheckBox:
    box = QCheckBox(TTA_TEXT)
    box.setObjectName(name)
    box.setToolTip(TTA_TIP)
    return box


class ModelRow(QWidget):
    """``combo`` (object name ``combo_name``), an "Ensemble…" button (``ensemble_name``) and "Refresh"."""

    refreshRequested = Signal()

    def __init__(self, combo_name: str, ensemble_name: str, report: Callable[[str, str], None],
                 parent=None) -> None:
        super().__init__(parent)
        self.report = report  # (title, message): the page's readable, non-blocking error
        self.dialog: EnsembleDialog | None = None
        self.combo = ModelCombo(combo_name)
        self.ensembleButton = QPushButton("Ensemble…")
        self.ensembleButton.setObjectName(ensemble_name)
        self.ensembleButton.clicked.connect(self.open_dialog)
        self.refreshButton = QPushButton("Refresh")
        self.refreshButton.setToolTip("Look for new runs in the weights folder")
        self.refreshButton.clicked.connect(self.refreshRequested)
        self.combo.refreshed.connect(self._update_button)
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.addWidget(QLabel("Model:"))
        self.layout_.addWidget(self.combo, 1)
        self.layout_.addWidget(self.ensembleButton)
        self.layout_.addWidget(self.refreshButton)
        self._update_button()

    def set_busy(self, busy: bool) -> None:
        self.combo.setEnabled(not busy)
        self.ensembleButton.setEnabled(not busy and len(self.combo.runs) >= 2)

    def _update_button(self) -> None:
        enough = len(self.combo.runs) >= 2
        self.ensembleButton.setEnabled(enough and self.combo.isEnabled())
        self.ensembleButton.setToolTip(ENSEMBLE_TIP if enough else "An ensemble needs two trained runs: train another")

    def open_dialog(self) -> None:
        current = self.combo.currentData()
        ticked = members_of(current) if is_ensemble(current) else [r.path for r in self.combo.runs if r.path == current]
        self.dialog = EnsembleDialog(self.combo.runs, ticked, self)
        self.dialog.accepted.connect(lambda: self.choose_ensemble(self.dialog.chosen()))
        self.dialog.open()

    def choose_ensemble(self, paths: list[str]) -> str | None:
        """List the ensemble of the runs ``paths`` and choose it; a refusal is reported and returned (one line)."""
        listed = {r.path for r in self.combo.runs}
        missing = [p for p in map(str, paths) if p not in listed]
        problem = ensemble_problem(paths) or (f"{missing[0]} is not a trained run of this runs folder: press Refresh"
                                              if missing else None)
        if problem:
            self.report("Cannot make this ensemble", problem)
            return problem
        self.combo.add_ensemble([str(p) for p in paths])
        return None
