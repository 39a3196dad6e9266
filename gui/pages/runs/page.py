"""Runs page: every run of the runs folder, what to do with them, and their curves overlaid.

The table reads meta.json only (core.runs.table), so it fills at once with many runs. The
actions on runs (gui.pages.runs.actions) go through core.runs.ops (rename, delete: refused while a
run trains) and the window's own resume path; experiments through gui.pages.runs.experiment_runner.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from core.runs.table import list_rows, read_history
from core.training.experiments import EXPERIMENTS
from core.utils.formatting import format_bytes
from gui.pages.runs.actions import RunActions
from gui.pages.runs.compare_plot import ComparePlot
from gui.pages.runs.experiment_runner import ExperimentRunner
from gui.pages.runs.table import RunsTable

EXPERIMENT_BUTTONS = (("degradation", "degradationButton"), ("blocks", "blocksButton"),
                      ("lenet-resnet", "lenetButton"))


def _button(text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setToolTip(tip)
    return b


class RunsPage(RunActions, QWidget):
    runsChanged = Signal()  # runs renamed or deleted here: other lists of runs are out of date
    LIVE_MS = 2000
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
        self.plot_mode = ""  # what the plot shows: "compare" (selected runs) or "experiment" (its runs, live)
        self.compared = 0
        self.plotNote = QLabel()
        self.plotNote.setObjectName("comparePlotNote")
        self.plotNote.setWordWrap(True)
        self.comparePlot = ComparePlot()

        upper, lower = QWidget(), QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.folderLabel, 1)
        top.addWidget(self.refreshButton)
        ul.addLayout(top)
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

        self._update_note()
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
        self.liveTimer = QTimer(self)  # while a run trains and the page is seen: its epochs and status
        self.liveTimer.setInterval(self.LIVE_MS)
        self.liveTimer.timeout.connect(lambda: self.refresh() if self.isVisible() and self._training() else None)
        self.liveTimer.start()
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
        readable = bool(sel) and all(r.reason is None for r in sel)  # a damaged run can be opened or deleted only
        self.resumeButton.setEnabled(one is not None and readable and one.resumable and one.status != "running"
                                     and not self._training())
        self.compareButton.setEnabled(readable)
        self.exportPlotButton.setEnabled(bool(self.comparePlot.series))
        running = self.experiment.is_running()
        for b in self.experimentButtons.values():
            b.setEnabled(not running)
        self.stopExperimentButton.setEnabled(running)

    # -- curves ----------------------------------------------------------------------------
    def compare_selected(self) -> None:
        sel = self.runsTable.selected_rows()
        if not sel:
            return
        self.comparePlot.clear_runs()
        for r in sel:
            self.comparePlot.set_run(r.name, read_history(r.path))
        self.plot_mode, self.compared = "compare", len(sel)
        self._update_note()
        self._update_buttons()

    # -- experiments ---------------------------------------------------------------------
    def start_experiment(self, key: str) -> None:
        if self.experiment.start(key):
            self.comparePlot.clear_runs()
            self.plot_mode = "experiment"
        self._update_note()
        self._update_buttons()

    def _experiment_epoch(self, name: str, epoch: int, val_acc: float, train_loss: float) -> None:
        """One more point on the overlay (or on a compared run that is this one); labelled by architecture."""
        if self.plot_mode == "experiment" or name in self.comparePlot.series:
            self.comparePlot.add_epoch(name, epoch, val_acc, train_loss, label=self.experiment.current_arch())
            self.exportPlotButton.setEnabled(True)

    def _experiment_changed(self) -> None:
        self._update_note()
        self._update_buttons()
        self.refresh()

    def _update_note(self) -> None:
        """Above the plot: the experiment's progress, and what the plot shows (what to look for)."""
        q = self.experiment.queue
        parts = [f"<b>{self.experiment.status_text()}</b>."] if q is not None and (
            self.plot_mode == "experiment" or not q.done) else []
        if self.plot_mode == "experiment" and q is not None:
            parts.append(f"{', '.join(q.experiment.archs)}, from scratch. {q.experiment.look_for}")
        elif self.plot_mode == "compare":
            parts.append(f"{self.compared} run(s): validation accuracy (left) and training loss (right) by epoch.")
        else:
            parts.append("Select runs and press Compare to overlay their curves, or start an experiment.")
        self.plotNote.setText(" ".join(parts))
