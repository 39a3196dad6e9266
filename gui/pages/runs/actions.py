"""The Runs page's actions on run folders: open, rename, delete, resume, export the plot.

A mixin of RunsPage (gui/pages/runs/page.py), kept apart so each file keeps one job. Rename and
delete go through core.runs.ops, which refuses while a run trains; dialogs open non-modally
(``open()``) and act on their signals, so the window keeps running behind them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox

from core.errors import InputError
from core.runs.ops import delete_run, rename_run
from core.utils.formatting import format_bytes


class RunActions:
    """Needs ``window_`` (the MainWindow), ``runsTable``, ``comparePlot``, ``refresh()``, ``_training()`` and
    the ``runsChanged`` signal."""

    # -- actions -------------------------------------------------------------------------
    def _error(self, title: str, exc: Exception) -> None:
        self.window_.show_error(title, str(exc), "runs")

    def open_folder(self) -> None:
        for r in self.runsTable.selected_rows()[:1]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(r.path))

    def ask_rename(self) -> None:
        sel = self.runsTable.selected_rows()
        if len(sel) != 1:
            return
        self.rename_dialog = QInputDialog(self)
        self.rename_dialog.setObjectName("renameRunDialog")
        self.rename_dialog.setWindowTitle("Rename run")
        self.rename_dialog.setLabelText("New name (letters, digits, '.', '_' and '-'):")
        self.rename_dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        self.rename_dialog.setTextValue(sel[0].name)
        self.rename_dialog.textValueSelected.connect(lambda text, path=sel[0].path: self.rename(path, text))
        self.rename_dialog.open()

    def rename(self, path: str, new_name: str) -> Path | None:
        try:
            self._check_idle(path, "rename")
            target = rename_run(path, new_name)
        except InputError as exc:
            return self._error("Cannot rename", exc)
        self._forget_loaded(path)
        self.refresh()
        self.runsTable.select_paths([str(target)])
        self.runsChanged.emit()
        self.window_.statusLine.info(f"Renamed {Path(path).name} to {target.name}")
        return target

    def ask_delete(self) -> None:
        sel = self.runsTable.selected_rows()
        if not sel:
            return
        names = ", ".join(r.name for r in sel[:5]) + (f" and {len(sel) - 5} more" if len(sel) > 5 else "")
        size = format_bytes(sum(r.bytes for r in sel))
        box = QMessageBox(QMessageBox.Icon.Question, "Delete runs" if len(sel) > 1 else "Delete run",
                          f"Delete {names} ({size})? The run folder{'s' if len(sel) > 1 else ''} and every file in "
                          "them go for good.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("deleteRunBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        paths = [r.path for r in sel]
        box.accepted.connect(lambda: self.delete(paths))
        self.delete_box = box
        box.open()

    def delete(self, paths: list[str]) -> int:
        deleted = 0
        for path in paths:
            try:
                self._check_idle(path, "delete")
                delete_run(path)
                deleted += 1
                self._forget_loaded(path)
            except InputError as exc:
                self._error("Cannot delete", exc)
        self.refresh()
        self.runsChanged.emit()
        if deleted:  # an error about the others stays on the status line
            self.window_.statusLine.info(f"Deleted {deleted} run(s)")
        return deleted

    def _check_idle(self, path: str, doing: str) -> None:
        """The window's own training may not have locked its folder yet: refuse that one too."""
        job = self.window_.train_job
        if job is not None and job.is_running() and job.resume_dir \
                and Path(job.resume_dir).resolve() == Path(path).resolve():
            raise InputError(f"cannot {doing} {Path(path).name}: it is training now; stop it first")

    def _forget_loaded(self, path: str) -> None:
        lm = self.window_.loaded_model
        if lm is not None and Path(str(lm.run_dir)).resolve() == Path(path).resolve():
            self.window_.loaded_model = None  # the Predict page reloads from disk next time

    def ask_resume(self) -> None:
        sel = self.runsTable.selected_rows()
        if len(sel) != 1:
            return
        if self._training():
            return self.window_.show_error("Busy", "A run is training: wait for it to end, or stop it, first.",
                                           "busy")
        from gui.pages.runs.resume_dialog import ResumeDialog

        dialog = ResumeDialog(self.window_.weights_dir, self.window_)
        for i, run in enumerate(dialog.runs):
            if run.path == sel[0].path:
                dialog.table.selectRow(i)
        dialog.accepted.connect(lambda: self.window_.resume_run(*dialog.choice()))
        self.resume_dialog = dialog
        dialog.open()

    def ask_export(self) -> None:
        start = str(Path(self.window_.settings.value("exportDir", str(Path.home()))) / "compare.png")
        self.export_dialog = QFileDialog(self, "Export the plot as PNG", start, "PNG images (*.png)")
        self.export_dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.export_dialog.setDefaultSuffix("png")
        self.export_dialog.fileSelected.connect(self.export_png)
        self.export_dialog.open()

    def export_png(self, path: str) -> None:
        try:
            self.comparePlot.export_png(path)
        except OSError as exc:
            return self.window_.show_error("Cannot export the plot", f"{path}: {exc}", "runs")
        self.window_.statusLine.info(f"Saved the plot to {path}")

