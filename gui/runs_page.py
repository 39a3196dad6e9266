"""Runs page: every run of the runs folder, what to do with them, and their curves overlaid.

The table reads meta.json only (core.run_table), so it fills at once with many runs. The
actions go through core.run_ops (rename, delete: refused while a run trains) and the
window's own resume path; the experiments through gui.experiment_queue. Dialogs are opened
non-modally (``open()``), so the window keeps running behind them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from core.cli_runs import format_bytes
from core.errors import InputError
from core.experiments import EXPERIMENTS
from core.run_ops import delete_run, rename_run
from core.run_table import list_rows, read_history
from gui.compare_plot import ComparePlot
from gui.experiment_queue import ExperimentRunner
from gui.runs_table import RunsTable

EXPERIMENT_BUTTONS = (("degradation", "degradationButton"), ("blocks", "blocksButton"),
                      ("lenet-resnet", "lenetButton"))


def _button(text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    return b


class RunsPage(QWidget):
    def __init__(self, window) -> None:
        super().__init__()
        self.setObjectName("runsPage")
        self.window_ = window
        self.runsTable = RunsTable()
        self.folderLabel = QLabel()
        self.folderLabel.setObjectName("runsFolderLabel")
        self.folderLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refreshButton = _button("Refresh", "runsRefreshButton")
        self.openButton = _button("Open folder", "openRunButton", "Show the run's files")
        self.renameButton = _button("Rename…", "renameRunButton", "Not while the run trains")
        self.deleteButton = _button("Delete…", "deleteRunButton", "Delete the run folder (asks first; not while it trains)")
        self.resumeButton = _button("Resume / train more…", "resumeRunButton",
                                    "Continue a stopped run, or train a finished one for more epochs")
        self.compareButton = _button("Compare", "compareButton", "Overlay the selected runs' curves below")
        self.exportPlotButton = _button("Export PNG…", "exportPlotButton", "Save the plot below as a PNG picture")
        actions = QVBoxLayout()  # beside the table: the table keeps the page's height
        for b in (self.compareButton, self.resumeButton, self.openButton, self.renameButton, self.deleteButton):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.refreshButton)

        self.experiment = ExperimentRunner(window)
        self.experimentButtons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Experiments:"))
        for key, name in EXPERIMENT_BUTTONS:
            exp = EXPERIMENTS[key]
            b = _button(exp.title, name, f"Train {', '.join(exp.archs)} one after another from scratch on the Data "
                                         "page's photos with the Train page's settings, curves overlaid below")
            b.clicked.connect(lambda _=False, k=key: self.start_experiment(k))
            self.experimentButtons[key] = b
            bar.addWidget(b)
        self.degradationButton = self.experimentButtons["degradation"]
        self.stopExperimentButton = _button("Stop experiment", "stopExperimentButton")
        self.stopExperimentButton.setEnabled(False)
        bar.addWidget(self.stopExperimentButton)
        bar.addStretch(1)
        bar.addWidget(self.exportPlotButton)
        self.plotNote = QLabel("Select runs and press Compare, or start an experiment.")
        self.plotNote.setObjectName("comparePlotNote")
        self.plotNote.setWordWrap(True)
        self.comparePlot = ComparePlot()

        upper, lower = QWidget(), QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(self.folderLabel)
        row = QHBoxLayout()
        row.addWidget(self.runsTable, 1)
        row.addLayout(actions)
        ul.addLayout(row, 1)
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(bar)
        ll.addWidget(self.plotNote)
        ll.addWidget(self.comparePlot, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setSizes([260, 460])
        splitter.setChildrenCollapsible(False)
        QVBoxLayout(self).addWidget(splitter)

        self.refreshButton.clicked.connect(self.refresh)
        self.openButton.clicked.connect(self.open_folder)
        self.renameButton.clicked.connect(self.ask_rename)
        self.deleteButton.clicked.connect(self.ask_delete)
        self.resumeButton.clicked.connect(self.ask_resume)
        self.compareButton.clicked.connect(self.compare_selected)
        self.exportPlotButton.clicked.connect(self.ask_export)
        self.stopExperimentButton.clicked.connect(self.experiment.stop)
        self.runsTable.selectionModel().selectionChanged.connect(self._update_buttons)
        self.runsTable.doubleClicked.connect(lambda _i: self.compare_selected())
        self.experiment.changed.connect(self._experiment_changed)
        self.experiment.runStarted.connect(lambda name: self.refresh())
        self.experiment.epochDone.connect(self._experiment_epoch)
        window.trainingFinished.connect(lambda _run: self.refresh())
        window.tabs.currentChanged.connect(lambda _i: self.refresh() if window.tabs.currentWidget() is self else None)
        self.refresh()

    # -- the table ---------------------------------------------------------------------
    def refresh(self) -> None:
        rows = list_rows(self.window_.weights_dir)
        self.runsTable.set_rows(rows)
        total = format_bytes(sum(r.bytes for r in rows))
        self.folderLabel.setText(f"{len(rows)} run(s) in {self.window_.weights_dir}, {total} on disk")
        self._update_buttons()

    def _training(self) -> bool:
        job = self.window_.train_job
        return job is not None and job.is_running()

    def _update_buttons(self) -> None:
        sel = self.runsTable.selected_rows()
        one = sel[0] if len(sel) == 1 else None
        self.openButton.setEnabled(one is not None)
        self.renameButton.setEnabled(one is not None and one.status != "running")
        self.deleteButton.setEnabled(bool(sel) and all(r.status != "running" for r in sel))
        self.resumeButton.setEnabled(one is not None and one.resumable and one.status != "running"
                                     and not self._training())
        self.compareButton.setEnabled(bool(sel))
        running = self.experiment.is_running()
        for b in self.experimentButtons.values():
            b.setEnabled(not running)
        self.stopExperimentButton.setEnabled(running)

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
        self.window_.predictPage.refresh_models(self.window_.weights_dir)
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
        self.window_.predictPage.refresh_models(self.window_.weights_dir)
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
        from gui.resume_dialog import ResumeDialog

        dialog = ResumeDialog(self.window_.weights_dir, self.window_)
        for i, run in enumerate(dialog.runs):
            if str(run.path) == sel[0].path:
                dialog.table.selectRow(i)
        dialog.accepted.connect(lambda: self.window_.resume_run(*dialog.choice()))
        self.resume_dialog = dialog
        dialog.open()

    # -- curves ----------------------------------------------------------------------------
    def compare_selected(self) -> None:
        sel = self.runsTable.selected_rows()
        if not sel:
            return
        self.comparePlot.clear_runs()
        for r in sel:
            self.comparePlot.set_run(r.name, read_history(r.path))
        self.plotNote.setText(f"{len(sel)} run(s): validation accuracy (left) and training loss (right) by epoch.")

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

    # -- experiments ---------------------------------------------------------------------
    def start_experiment(self, key: str) -> None:
        exp = EXPERIMENTS[key]
        self.comparePlot.clear_runs()
        if self.experiment.start(key):
            self.plotNote.setText(f"<b>{exp.title}</b> ({', '.join(exp.archs)}, from scratch). {exp.look_for}")
        self._update_buttons()

    def _experiment_epoch(self, name: str, epoch: int, val_acc: float, train_loss: float) -> None:
        """One more point on the overlay; the legend names experiment runs by their architecture."""
        self.comparePlot.add_epoch(name, epoch, val_acc, train_loss, label=self.experiment.current_arch())

    def _experiment_changed(self) -> None:
        q = self.experiment.queue
        if q is not None:
            self.plotNote.setText(f"<b>{self.experiment.status_text()}</b>. {q.experiment.look_for}")
        self._update_buttons()
        self.refresh()
