"""File > Export model…: a trained run as an ONNX, .pt2 or TorchScript file, with its "how to use".

The work is core's (core/export/model_file.py, shared with ``catdog export``): it runs on a
worker thread, and the dialog then shows where the files went and a runnable snippet that
reproduces the app's predictions without the app.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from core.export.formats import FORMATS, LABEL, SUFFIX
from core.runs.layout import model_refs
from core.runs.table import list_runs
from gui.jobs.base import Job
from gui.widgets.colors import tone_style

INTRO = ("The file takes a float32 photo batch and returns the run's calibrated class probabilities; the "
         "preprocessing (size, mean, std, class names, temperature) is written beside it.")
ENSEMBLE_NOTE = ("Predict uses an ensemble of {n} runs, which is not one network: each of its runs exports as its own "
                 "file (its first run is chosen below); average their probabilities as the app does. ") + INTRO


class ExportModelJob(Job):
    exported = Signal(object)  # core.export.model_file.ExportResult
    WAIT_AT_CLOSE = True  # closing the window never leaves a half-written model file

    def __init__(self, run: str, fmt: str, path: str) -> None:
        super().__init__()
        self.args = (run, fmt, path)

    def work(self) -> None:
        from core.export.model_file import export_model

        self.post("exported", export_model(*self.args))


class ExportModelDialog(QDialog):
    exported = Signal(str)  # the model file written

    def __init__(self, weights_dir: str, parent=None, select: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportModelDialog")
        self.setWindowTitle("Export model")
        self.resize(720, 520)
        self.job: ExportModelJob | None = None
        self.runCombo = QComboBox()
        self.runCombo.setObjectName("exportRunCombo")
        for run in list_runs(weights_dir):
            self.runCombo.addItem(run.label, run.path)
        members = model_refs(select) if select else []
        if select and self.runCombo.findData(members[0]) >= 0:  # an ensemble is no one file: its first run
            self.runCombo.setCurrentIndex(self.runCombo.findData(members[0]))
        self.formatCombo = QComboBox()
        self.formatCombo.setObjectName("exportFormatCombo")
        for key in FORMATS:
            self.formatCombo.addItem(LABEL[key], key)
        self.pathEdit = QLineEdit()
        self.pathEdit.setObjectName("exportPathEdit")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.pathEdit, 1)
        path_row.addWidget(browse)
        self.exportButton = QPushButton("Export")
        self.exportButton.setObjectName("exportModelButton")
        self.exportButton.setDefault(True)
        self.exportButton.clicked.connect(self.start_export)
        self.statusLabel = QLabel(ENSEMBLE_NOTE.format(n=len(members)) if len(members) > 1 else INTRO)
        self.statusLabel.setObjectName("exportModelStatus")
        self.statusLabel.setWordWrap(True)
        self.howTo = QPlainTextEdit()
        self.howTo.setObjectName("exportHowTo")
        self.howTo.setReadOnly(True)
        self.howTo.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.howTo.setPlaceholderText("How to use the file appears here after the export.")

        form = QFormLayout()
        form.addRow("Run:", self.runCombo)
        form.addRow("Format:", self.formatCombo)
        form.addRow("File:", path_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.exportButton)
        layout.addWidget(self.statusLabel)
        layout.addWidget(self.howTo, 1)
        self.runCombo.currentIndexChanged.connect(self._default_path)
        self.formatCombo.currentIndexChanged.connect(self._default_path)
        self._default_path()
        if self.runCombo.count() == 0:
            self.exportButton.setEnabled(False)
            self.statusLabel.setText(f"No trained run in {weights_dir} yet: train one on the Train page first.")

    def fmt(self) -> str:
        return self.formatCombo.currentData()

    def _default_path(self) -> None:
        run = self.runCombo.currentData()
        if run:
            self.pathEdit.setText(str(Path(run) / f"model{SUFFIX[self.fmt()]}"))

    def _browse(self) -> None:
        suffix = SUFFIX[self.fmt()]
        path, _ = QFileDialog.getSaveFileName(self, "Export model to", self.pathEdit.text(), f"Model (*{suffix})")
        if path:
            self.pathEdit.setText(path)

    def start_export(self) -> None:
        run, path = self.runCombo.currentData(), self.pathEdit.text().strip()
        if not run or (self.job is not None and self.job.is_running()):
            return
        self.exportButton.setEnabled(False)
        self._status(f"Exporting {Path(run).name} as {self.fmt()}…")
        self.howTo.clear()
        self.job = ExportModelJob(run, self.fmt(), path or None)
        self.job.exported.connect(self._done)
        self.job.failed.connect(lambda msg: self._status(f"Export failed: {msg}", error=True))
        self.job.done.connect(lambda: self.exportButton.setEnabled(True))
        self.job.start()

    def _status(self, text: str, error: bool = False) -> None:
        self.statusLabel.setText(text)
        self.statusLabel.setStyleSheet(tone_style("error") if error else "")

    def _done(self, result) -> None:
        size_mb = result.path.stat().st_size / 1e6
        self._status(f"Wrote {result.path} ({size_mb:.1f} MB) and {result.json_path.name} beside it: "
                     f"{len(result.preprocessing['classes'])} classes, {result.preprocessing['image_size']} px."
                     + "".join(f"\n{note}" for note in result.notes))
        self.howTo.setPlainText(result.how_to_use())
        self.exported.emit(str(result.path))

    def done(self, code: int) -> None:
        if self.job is not None and self.job.is_running():
            self.job.finish_now()  # an export takes seconds; never leave a half-written file behind
        super().done(code)


def open_export_model_dialog(window) -> None:
    """File > Export model… (Ctrl+Shift+E, gui.window.menus): the run chosen on the Predict page is preselected."""
    select = window.predictPage.model_path()
    window.export_model_dialog = ExportModelDialog(window.weights_dir, window, select)
    window.export_model_dialog.open()
