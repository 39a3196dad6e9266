"""Predict page: choose a trained run, drop photos or folders, read the table, export the CSV.

The whole page is a drop target, not only the drop zone: photos or a folder dropped on the
table or on the busy progress strip are for prediction, never the training data.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.data.discover import IMAGE_SUFFIXES
from core.runs.layout import IMAGENET_PREFIX
from core.runs.table import list_runs
from gui.pages.predict.table import PredictionsTable, TableControls
from gui.widgets.cam_view import CamView
from gui.widgets.drop_zone import DropZone, accept_local_drag, local_paths

BASELINE_ARCH = "efficientnet_lite0"


class PredictPage(QWidget):
    predictRequested = Signal(list)  # paths
    cancelRequested = Signal()
    exportRequested = Signal()

    IDLE_PROGRESS = "No photos being classified"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.inputs: list[Path] = []  # the files of the last prediction
        self.failures: list = []
        self.cancelled = False
        self._summarised = True  # False while a prediction runs and has not reported its summary
        self.modelCombo = QComboBox()
        self.modelCombo.setObjectName("modelCombo")
        self.modelCombo.setMinimumContentsLength(30)
        refresh = QPushButton("Refresh")
        refresh.setObjectName("refreshModelsButton")
        refresh.setToolTip("Look for new runs in the weights folder")
        refresh.clicked.connect(lambda: self.refresh_models())
        top = QHBoxLayout()
        top.addWidget(QLabel("Model:"))
        top.addWidget(self.modelCombo, 1)
        top.addWidget(refresh)

        self.dropZone = DropZone()
        self.dropZone.pathsDropped.connect(self.predictRequested)
        open_files = QPushButton("Open photos…")
        open_files.setObjectName("openPhotosButton")
        open_files.clicked.connect(self._open_files)
        open_folder = QPushButton("Open folder…")
        open_folder.setObjectName("openFolderButton")
        open_folder.clicked.connect(self.open_folder)
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("cancelPredictButton")
        self.cancelButton.setEnabled(False)
        self.cancelButton.clicked.connect(self.cancelRequested)
        self.predictProgress = QProgressBar()
        self.predictProgress.setObjectName("predictProgress")
        self.predictProgress.setRange(0, 1)
        self.predictProgress.setValue(0)
        self.predictProgress.setFormat(self.IDLE_PROGRESS)
        actions = QHBoxLayout()
        actions.addWidget(open_files)
        actions.addWidget(open_folder)
        actions.addWidget(self.predictProgress, 1)
        actions.addWidget(self.cancelButton)

        self.predictionsTable = PredictionsTable()
        self.summaryLabel = QLabel("No predictions yet.")
        self.summaryLabel.setObjectName("predictSummaryLabel")
        self.summaryLabel.setWordWrap(True)
        self.exportCsvButton = QPushButton("Export CSV…")
        self.exportCsvButton.setObjectName("exportCsvButton")
        self.exportCsvButton.setEnabled(False)
        self.exportCsvButton.clicked.connect(self.exportRequested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summaryLabel, 1)
        bottom.addWidget(self.exportCsvButton)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.dropZone)
        layout.addLayout(actions)
        self.tableControls = TableControls(self.predictionsTable)
        layout.addWidget(self.tableControls)
        self.camView = CamView(self.model_path, "predictCamView")  # Grad-CAM of the selected photo
        self.predictionsTable.itemSelectionChanged.connect(self._explain_selected)
        split = QSplitter()
        split.addWidget(self.predictionsTable)
        split.addWidget(self.camView)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self.last_dir = ""

    def _open_files(self) -> None:
        pattern = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(self, "Photos to classify", self.last_dir, f"Images ({pattern})")
        if files:
            self.last_dir = str(Path(files[0]).parent)
            self.predictRequested.emit([Path(f) for f in files])

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of photos to classify", self.last_dir)
        if folder:
            self.last_dir = folder
            self.predictRequested.emit([Path(folder)])

    def refresh_models(self, weights_dir: str | None = None, select: str | None = None) -> None:
        if weights_dir is not None:
            self.weights_dir = weights_dir
        current = select or self.modelCombo.currentData()
        self.modelCombo.clear()
        for run in list_runs(getattr(self, "weights_dir", "weights")):
            self.modelCombo.addItem(run.label, run.path)
        # the untrained baseline every run should beat; its weights come with the app
        self.modelCombo.addItem(f"ImageNet classes, no training ({BASELINE_ARCH})", IMAGENET_PREFIX + BASELINE_ARCH)
        i = self.modelCombo.findData(current) if current else -1
        self.modelCombo.setCurrentIndex(max(i, 0))

    def _explain_selected(self) -> None:
        rows = self.predictionsTable.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.predictionsTable.predictions):
            self.camView.show_photo(self.predictionsTable.predictions[rows[0].row()].path)

    def model_path(self) -> str | None:
        return self.modelCombo.currentData()

    def predictions(self) -> list:
        """The last prediction's rows, in the order they arrived."""
        return self.predictionsTable.predictions

    def rows_shown(self) -> int:
        return self.predictionsTable.rowCount()

    def add_predictions(self, preds: list, thumbs: list, classes: list[str]) -> None:
        self.predictionsTable.add_predictions(preds, thumbs, classes)

    def set_progress(self, done: int) -> None:
        self.predictProgress.setValue(done)

    # drops anywhere on the page (table, busy strip) are photos to classify
    def dragEnterEvent(self, event) -> None:
        accept_local_drag(event)

    def dropEvent(self, event) -> None:
        paths = local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.predictRequested.emit(paths)

    def set_busy(self, busy: bool, total: int = 0, files: list | None = None) -> None:
        self.cancelButton.setEnabled(busy)
        self.dropZone.setEnabled(not busy)
        self.modelCombo.setEnabled(not busy)
        if busy:
            self.predictionsTable.clear_rows()
            self.camView.clear()
            self.inputs, self.failures, self.cancelled = list(files or []), [], False
            self.predictProgress.setRange(0, max(total, 1))
            self.predictProgress.setFormat("%v / %m photos")
            self.predictProgress.setValue(0)
            self.exportCsvButton.setEnabled(False)
            self.summaryLabel.setText(f"Classifying {total} photo(s)…")
            self._summarised = False
        elif not self._summarised:  # the job failed before it finished: say so, not "Classifying"
            self.predictProgress.setRange(0, 1)
            self.predictProgress.setValue(0)
            self.predictProgress.setFormat(self.IDLE_PROGRESS)
            self.summaryLabel.setText("Nothing classified: the prediction failed (see the message).")
        if not busy:
            self.exportCsvButton.setEnabled(bool(self.predictionsTable.predictions))

    def show_summary(self, preds: list, failures: list, classes: list[str], cancelled: bool) -> None:
        self.failures, self.cancelled = list(failures), cancelled
        self._summarised = True
        if cancelled:
            self.predictProgress.setFormat("%v / %m photos (cancelled)")
        counts = Counter(classes[p.label] for p in preds)
        text = f"{len(preds)} photo(s): " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))
        if failures:
            names = ", ".join(f"{Path(p).name} ({r})" for p, r in failures[:3])
            text += f" · skipped {len(failures)} unreadable: {names}{'…' if len(failures) > 3 else ''}"
        if cancelled:
            text += " · cancelled"
        if failures or cancelled:
            text += " · no CSV can be exported until every photo is classified"
        self.summaryLabel.setText(text)
        self.exportCsvButton.setEnabled(bool(preds))
        if len(preds) == 1:  # one dropped photo: show where the model looked
            self.predictionsTable.selectRow(0)
