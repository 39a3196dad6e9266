"""Help > Check my setup: ``catdog doctor``'s report in a dialog, with a button to copy it.

The probes are core's (core/doctor); they run on a worker thread since nvidia-smi can take a
second or more, and the dialog shows the same text the command prints.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

from gui.jobs.base import Job


class DoctorJob(Job):
    reported = Signal(str)  # the report's text

    def __init__(self, runs_dir: str) -> None:
        super().__init__()
        self.runs_dir = runs_dir

    def work(self) -> None:
        from pathlib import Path

        from core.doctor.report import default_folders, diagnose, render

        folders = {**default_folders(), "runs": Path(self.runs_dir)}  # the window's runs folder, not the default
        self.post("reported", render(diagnose(folders=folders)))


class DoctorDialog(QDialog):
    def __init__(self, runs_dir: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("doctorDialog")
        self.setWindowTitle("Check my setup")
        self.resize(820, 480)
        self.statusLabel = QLabel("Checking PyTorch, the GPU, the CPU, Qt's libraries, disk and memory…")
        self.statusLabel.setObjectName("doctorStatus")
        self.statusLabel.setWordWrap(True)
        self.reportText = QPlainTextEdit()
        self.reportText.setObjectName("doctorReport")
        self.reportText.setReadOnly(True)
        self.reportText.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copyButton = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.copyButton.setEnabled(False)
        self.copyButton.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.reportText.toPlainText()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.statusLabel)
        layout.addWidget(self.reportText, 1)
        layout.addWidget(buttons)
        self.job = DoctorJob(runs_dir)
        self.job.reported.connect(self._show)
        self.job.failed.connect(lambda msg: self.statusLabel.setText(f"The check failed: {msg}"))
        self.job.start()

    def _show(self, report: str) -> None:
        self.statusLabel.setText("Each line: ok, warn or problem; a problem's fix is below it. "
                                 "The same report: catdog doctor (or catdog doctor --json).")
        self.reportText.setPlainText(report)
        self.copyButton.setEnabled(True)


def open_doctor_dialog(window) -> None:
    window.doctor_dialog = DoctorDialog(str(window.weights_dir), window)
    window.doctor_dialog.open()
