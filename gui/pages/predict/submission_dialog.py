"""Export the submission CSV: pick the format, see the first rows, choose the file, write atomically.

The rules are core's (core/inference/submission.py), shared with ``catdog predict --csv``: the class named
dog is 1 and cat is 0 (said in words here), any other class set needs the user to pick the
class that is 1, all rows or no file, never onto an input photo, ``.csv`` added to a bare name.
The rows are the Predict page's model (gui/pages/predict/rows.py): it checked each submission id as its
row arrived, so neither the Export button nor the preview goes through 12,500 rows again; only Save does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
)

from core.calibration.clipping import UNCHOSEN
from core.errors import InputError
from core.inference.submission import (
    FORMATS,
    check_complete,
    check_csv_target,
    format_submission,
    label_words,
    positive_index,
)
from gui.jobs.submission import WriteCsvJob

FORMAT_HELP = {
    "competition": "id,label with label 0 or 1 (the 猫狗大战 submission)",
    "noheader": "the same rows without the header line",
    "proba": "id,label with label = calibrated probability of the class that is 1 (Kaggle Redux, log loss), "
             "kept away from 0 and 1 by the model's bound:",
}
PREVIEW_ROWS = 8


def export_blocker(rows, failures: list, cancelled: bool) -> str | None:
    """Why the dialog could save no file of ``rows`` (the page's model), or None: the Export button and Save
    share this rule. Which class is 1 is not a blocker: the dialog asks for it."""
    if not rows.predictions:
        return "no photos classified yet"
    try:
        check_complete(len(rows.predictions), failures, cancelled)
    except InputError as exc:
        return str(exc)
    return rows.id_problem  # every photo named like 123.jpg, no id twice


def with_csv_suffix(path: str) -> str:
    """'submission' -> 'submission.csv'; a name that already ends in .csv is kept."""
    return path if Path(path).suffix.lower() == ".csv" else path + ".csv"


class ExportDialog(QDialog):
    def __init__(self, rows, parent=None, start_dir: str = "", *, failures: list | None = None,
                 cancelled: bool = False, inputs: list | None = None, bound=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export submission CSV")
        self.rows = rows
        self.predictions = rows.predictions
        self.classes = list(rows.classes)  # the model's: which one is 1 is decided by name, never by index
        self.failures = list(failures or [])
        self.cancelled = cancelled
        self.inputs = inputs or [p.path for p in self.predictions]  # as given: 12,500 Paths are not made again
        self.start_dir = start_dir
        self.bound = bound  # the rows' model's clip of ``proba`` (None: core's fixed bound), as `catdog predict` uses
        self.written_path: str | None = None
        self.error: str | None = None
        self.job: WriteCsvJob | None = None  # the file being written (off the GUI thread)
        self.formatCombo = QComboBox()
        self.formatCombo.setObjectName("formatCombo")
        for f in FORMATS:
            self.formatCombo.addItem(f, f)
        self.positiveCombo = QComboBox()
        self.positiveCombo.setObjectName("positiveClassCombo")
        try:
            default = positive_index(self.classes)
        except InputError:
            default = -1  # not one cat and one dog class: the user must say which class is 1
        self.positiveCombo.setPlaceholderText("Choose the class written as 1")
        for c in self.classes:
            self.positiveCombo.addItem(c, c)
        self.positiveCombo.setCurrentIndex(default)
        self.labelMeaning = QLabel()
        self.labelMeaning.setObjectName("labelMeaningLabel")
        self.formatHelp = QLabel()
        self.formatHelp.setWordWrap(True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("csvPreview")
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.saveButton = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.saveButton.setText("Save as…")
        self.saveButton.setObjectName("saveCsvButton")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Format:", self.formatCombo)
        form.addRow("", self.formatHelp)
        form.addRow("Label 1 is:", self.positiveCombo)
        form.addRow("", self.labelMeaning)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"Preview (first {PREVIEW_ROWS} rows of {len(self.predictions)}):"))
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)
        self.formatCombo.currentIndexChanged.connect(self._update_preview)
        self.positiveCombo.currentIndexChanged.connect(self._update_preview)
        self.resize(560, 420)
        self._update_preview()

    def fmt(self) -> str:
        return self.formatCombo.currentData()

    def positive_class(self) -> str | None:
        return self.positiveCombo.currentData()

    def _check(self) -> None:
        """InputError saying why no CSV can be written of these rows (nothing formatted: Save formats once)."""
        blocker = export_blocker(self.rows, self.failures, self.cancelled)
        if blocker:
            raise InputError(blocker)
        if self.positive_class() is None:
            positive_index(self.classes)  # raises, naming the classes

    def _update_preview(self) -> None:
        help_text = FORMAT_HELP[self.fmt()]
        if self.fmt() == "proba":
            help_text += " " + (self.bound or UNCHOSEN).describe()
        self.formatHelp.setText(help_text)
        k = self.positiveCombo.currentIndex()
        self.labelMeaning.setText(label_words(self.classes, k) if k >= 0 else "")
        try:
            self._check()
            first = self.rows.first_by_id(PREVIEW_ROWS)  # the CSV's first lines: its rows are sorted by id
            text = format_submission(first, self.classes, self.fmt(), self.positive_class(), self.bound)
        except InputError as exc:
            self.preview.setPlainText(f"Cannot export: {exc}".replace("--positive-class NAME", "'Label 1 is'"))
            self.saveButton.setEnabled(False)
            return
        more = len(self.predictions) - PREVIEW_ROWS
        self.preview.setPlainText("\n".join(text.splitlines()) + (f"\n… {more} more rows" if more > 0 else ""))
        self.saveButton.setEnabled(True)

    def _fail(self, message: str) -> None:
        self.error = message
        box = QMessageBox(QMessageBox.Icon.Critical, "Export failed", message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("exportErrorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # non-blocking; the dialog stays open to choose another file

    def save(self) -> None:
        """Check the file name here (a readable refusal at once), then write it on a job; close once written."""
        if self.job is not None and self.job.is_running():
            return
        chosen, _ = QFileDialog.getSaveFileName(self, "Save submission CSV", self.start_dir or "submission.csv",
                                                "CSV files (*.csv)")
        if not chosen:
            return
        path = with_csv_suffix(chosen)
        try:
            self._check()
            if path != chosen and Path(path).exists():
                raise InputError(f"{path} already exists: choose it by its full name to replace it")
            check_csv_target(path, self.inputs, flag="")
        except InputError as exc:
            return self._fail(str(exc))
        self.saveButton.setEnabled(False)
        self.saveButton.setText("Saving…")
        self.job = WriteCsvJob(path, self.predictions, self.classes, self.fmt(), self.positive_class(), self.bound)
        self.job.written.connect(self._written)
        self.job.failed.connect(self._fail)
        self.job.done.connect(self._save_done)
        self.job.start()

    def _written(self, path: str) -> None:
        self.written_path = path
        self.accept()

    def _save_done(self) -> None:
        self.saveButton.setText("Save as…")
        self.saveButton.setEnabled(self.written_path is None)

    def done(self, code: int) -> None:
        if self.job is not None and self.job.is_running() and self.written_path is None:
            self.job.finish_now()  # Cancel or Esc while writing: the file is finished first, never cut in half
        super().done(code)
