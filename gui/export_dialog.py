"""Export the submission CSV: pick the format, see the first rows, choose the file, write atomically."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QMessageBox,
                               QPlainTextEdit, QVBoxLayout)

from core.errors import InputError
from core.export import FORMATS, format_submission, write_submission

FORMAT_HELP = {
    "competition": "id,label with label 1 = dog, 0 = cat (the 猫狗大战 submission)",
    "noheader": "the same rows without the header line",
    "proba": "id,label with label = P(dog), clipped to [0.005, 0.995] (Kaggle Redux, log loss)",
}
PREVIEW_ROWS = 8


class ExportDialog(QDialog):
    def __init__(self, predictions: list, parent=None, start_dir: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export submission CSV")
        self.predictions = predictions
        self.start_dir = start_dir
        self.written_path: str | None = None
        self.error: str | None = None
        self.formatCombo = QComboBox()
        self.formatCombo.setObjectName("formatCombo")
        for f in FORMATS:
            self.formatCombo.addItem(f, f)
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
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"Preview (first {PREVIEW_ROWS} rows of {len(predictions)}):"))
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)
        self.formatCombo.currentIndexChanged.connect(self._update_preview)
        self.resize(520, 380)
        self._update_preview()

    def fmt(self) -> str:
        return self.formatCombo.currentData()

    def _update_preview(self) -> None:
        self.formatHelp.setText(FORMAT_HELP[self.fmt()])
        try:
            text = format_submission(self.predictions, self.fmt())
            lines = text.splitlines()
            keep = PREVIEW_ROWS + (0 if self.fmt() == "noheader" else 1)
            more = f"\n… {len(lines) - keep} more rows" if len(lines) > keep else ""
            self.preview.setPlainText("\n".join(lines[:keep]) + more)
            self.saveButton.setEnabled(True)
        except InputError as exc:
            self.preview.setPlainText(f"Cannot export: {exc}")
            self.saveButton.setEnabled(False)

    def save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save submission CSV", self.start_dir or "submission.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            write_submission(path, self.predictions, self.fmt())
        except InputError as exc:
            self.error = str(exc)
            box = QMessageBox(QMessageBox.Icon.Critical, "Export failed", str(exc), QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()  # non-blocking; the dialog stays open to choose another file
            return
        self.written_path = path
        self.accept()
