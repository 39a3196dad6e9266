"""Pick a run to continue: stopped, crashed or finished, with "train to N epochs" for more.

Lists the resumable runs of the runs folder from their meta.json alone (no weights loaded),
newest first, with status, epochs done of planned and best validation accuracy.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core.runs.table import list_runs


class ResumeDialog(QDialog):
    def __init__(self, weights_dir: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("resumeDialog")
        self.setWindowTitle("Resume a run")
        self.runs = list_runs(weights_dir, resumable=True)
        self.table = QTableWidget(len(self.runs), 5)
        self.table.setObjectName("resumeRunsTable")
        self.table.setHorizontalHeaderLabels(["Run", "Architecture", "Status", "Epochs", "Best val. acc."])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for i, r in enumerate(self.runs):
            acc = f"{r.best_val_acc:.1%}" if r.best_val_acc is not None else "–"
            for j, text in enumerate((r.name, r.arch, r.status, f"{r.epochs} / {r.epochs_planned}", acc)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.epochsSpin = QSpinBox()
        self.epochsSpin.setObjectName("resumeEpochsSpin")
        self.epochsSpin.setRange(1, 10_000)
        self.epochsSpin.setToolTip("Epochs in all: more than planned trains a finished run further, "
                                   "with a new learning-rate schedule for the added epochs")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Resume")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Train to epoch:", self.epochsSpin)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Runs in the runs folder that can continue:" if self.runs else
                                f"No resumable runs in {weights_dir}."))
        layout.addWidget(self.table)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.table.itemSelectionChanged.connect(self._selected)
        self.resize(720, 360)
        if self.runs:
            self.table.selectRow(0)
        self._selected()

    def _selected(self) -> None:
        run = self.selected()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(run is not None)
        if run is None:
            return
        finished = run.epochs >= run.epochs_planned
        self.epochsSpin.setMinimum(run.epochs + 1 if finished else max(run.epochs, 1))
        self.epochsSpin.setValue(run.epochs + 5 if finished else run.epochs_planned)
        self.note.setText(f"{run.name} finished its {run.epochs_planned} epochs: choose how many in all to train it "
                          "further." if finished else f"{run.name} continues at epoch {run.epochs + 1}.")

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.runs[rows[0].row()] if rows else None

    def choice(self) -> tuple[str, int | None]:
        """(run folder, epochs in all, or None to keep the run's own plan)."""
        run = self.selected()
        epochs = self.epochsSpin.value()
        return run.path, (None if epochs == run.epochs_planned else epochs)
