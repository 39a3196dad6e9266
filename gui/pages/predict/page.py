"""Predict page: choose a trained run, drop photos or folders, read the table, export the CSV.

The whole page is a drop target, not only the drop zone: photos or a folder dropped on the
table or on the busy progress strip are for prediction, never the training data.

One truth: the rows belong to the model that made them (``rows_model``, named above the table);
when the Model box names another model, the rows are cleared and their photos classified again
with it, so the table, Grad-CAM and the CSV never mix two models. A drop of photos replaces the table.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget

from core.data.discover import IMAGE_SUFFIXES
from gui.pages.predict.submission_dialog import export_blocker
from gui.pages.predict.table import PredictionsTable, TableControls
from gui.widgets.cam_view import CamView
from gui.widgets.drop_zone import DropZone, accept_local_drag, local_paths
from gui.widgets.model_combo import BASELINE_ARCH, model_name
from gui.widgets.model_row import ModelRow, show_error, tta_check

__all__ = ["BASELINE_ARCH", "PredictPage"]
DROP_TEXT = "Drop photos or a folder here: they replace the table"
DROP_TIP = ("Photos and folders dropped here (or opened with the buttons) are classified with the model above and "
            "replace the table. Files that are not photos are refused and the table is kept.")


class PredictPage(QWidget):
    predictRequested = Signal(list)  # paths
    reclassifyRequested = Signal(list)  # the photos of the rows, for the model the Model box names now
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
        self._finding = False  # True while a drop is searched for photos (the table not yet replaced)
        self.busy = False
        self.rows_model: str | None = None  # the model that made the rows (None: no rows)
        self.rows_tta = False  # and whether it averaged each photo with its mirror image
        self.rows_bound = None  # that model's clip of the proba CSV (core.calibration.clipping.ProbaBound)
        self.modelRow = ModelRow("modelCombo", "predictEnsembleButton",
                                 lambda title, text: show_error(self, title, text, "predict"))
        self.modelCombo = self.modelRow.combo
        self.modelCombo.currentIndexChanged.connect(lambda _: self.follow_model())
        self.modelRow.refreshButton.setObjectName("refreshModelsButton")
        self.modelRow.refreshRequested.connect(lambda: self.refresh_models())
        self.ttaCheck = tta_check("predictTtaCheck")
        self.ttaCheck.toggled.connect(lambda _: self.follow_model())  # the rows are (model, TTA)'s: again
        self.modelRow.layout_.addWidget(self.ttaCheck)

        self.dropZone = DropZone()
        self.dropZone.setText(DROP_TEXT)
        self.dropZone.setToolTip(DROP_TIP)
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
        layout.addWidget(self.modelRow)
        layout.addWidget(self.dropZone)
        layout.addLayout(actions)
        self.rowsModelLabel = QLabel()
        self.rowsModelLabel.setObjectName("predictionsModelLabel")
        self.rowsModelLabel.setToolTip("The model whose predictions the table, Grad-CAM and Export CSV show")
        layout.addWidget(self.rowsModelLabel)
        self.tableControls = TableControls(self.predictionsTable)
        layout.addWidget(self.tableControls)
        self.camView = CamView(lambda: self.rows_model, "predictCamView", tta=lambda: self.rows_tta)  # as the rows
        self.predictionsTable.selectedChanged.connect(self._explain_selected)
        self.predictionsTable.rowsChanged.connect(self._selection_still_shown)
        split = QSplitter()
        split.addWidget(self.predictionsTable)
        split.addWidget(self.camView)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        self.last_dir = ""
        self._name_rows_model()

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
        self.modelCombo.refresh(getattr(self, "weights_dir", "weights"), select)  # one change at the end
        self._name_rows_model()
        self.follow_model()

    def choose_ensemble(self, paths: list) -> str | None:
        """Average the runs ``paths`` (as the Ensemble… dialog does): None, or the refusal it showed."""
        return self.modelRow.choose_ensemble([str(p) for p in paths])

    def tta(self) -> bool:
        return self.ttaCheck.isChecked()

    def follow_model(self) -> None:
        """The Model box (or TTA) names another model than the rows': clear them and classify their photos again.
        While a prediction runs this waits: the window calls it again when the job is done."""
        if self.busy or self.rows_model is None or (self.model_path(), self.tta()) == (self.rows_model, self.rows_tta):
            return
        photos = self.rows_photos()
        self.clear_results()
        if photos:
            self.reclassifyRequested.emit(photos)

    def rows_photos(self) -> list[Path]:
        """The photos the table answers for (rows and unreadable ones), in the order they were given."""
        done = {str(p.path) for p in self.predictions()} | {str(f) for f, _ in self.failures}
        return [p for p in self.inputs if str(p) in done]

    def clear_results(self) -> None:
        self.predictionsTable.clear_rows()
        self.camView.clear()
        self.inputs, self.failures, self.cancelled, self.rows_model, self.rows_bound = [], [], False, None, None
        self.summaryLabel.setText("No predictions yet.")
        self._name_rows_model()
        self._update_export()

    def _name_rows_model(self) -> None:
        if self.rows_model is None:
            self.rowsModelLabel.setText("Predictions of: none yet (drop photos to classify them with the model above)")
            return
        i = self.modelCombo.findData(self.rows_model)
        name = self.modelCombo.itemText(i) if i >= 0 else model_name(self.rows_model)
        tta = " · with TTA (each photo averaged with its mirror image)" if self.rows_tta else ""
        self.rowsModelLabel.setText(f"Predictions of: <b>{escape(name)}</b>{tta}")

    def _explain_selected(self) -> None:
        """Grad-CAM of the photo in the selected row, looked up through the model (sort and filter proof)."""
        p = self.predictionsTable.selected_prediction()
        if p is None:
            return self.camView.clear()  # nothing chosen: the boxes describe no photo
        if self.camView.cam is None or self.camView.cam.path != p.path:  # a sort moved the row, not the photo
            self.camView.show_photo(p.path)

    def _selection_still_shown(self) -> None:
        """A filter hid the selected row, or the rows went: Grad-CAM no longer shows that photo."""
        if self.predictionsTable.selected_prediction() is None:
            self.camView.clear()

    def model_path(self) -> str | None:
        return self.modelCombo.currentData()

    def predictions(self) -> list:
        """The last prediction's rows, in the order they arrived."""
        return self.predictionsTable.predictions

    def rows_shown(self) -> int:
        """Rows in the table, whatever the filter shows."""
        return len(self.predictions())

    def add_predictions(self, preds: list, classes: list[str]) -> None:
        self.predictionsTable.add_predictions(preds, classes)

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

    def set_finding(self) -> None:
        """A drop is searched for photos (on the job's thread): busy, but the table stays until some are found."""
        self._controls_busy(True)
        self._finding = True
        self.predictProgress.setRange(0, 0)  # a busy bar: how many photos is not known yet
        self.predictProgress.setFormat("Finding photos…")
        self._update_export()

    def _controls_busy(self, busy: bool) -> None:
        self.busy = busy
        self.cancelButton.setEnabled(busy)
        self.dropZone.setEnabled(not busy)
        self.modelRow.set_busy(busy)
        self.ttaCheck.setEnabled(not busy)

    def set_busy(self, busy: bool, total: int = 0, files: list | None = None, model: str | None = None,
                 tta: bool | None = None) -> None:
        """Busy: a drop of ``total`` photos replaces the table, and ``model`` with ``tta`` (default: the chosen
        ones) owns the rows to come."""
        self._controls_busy(busy)
        finding, self._finding = self._finding, False
        if busy:
            self.clear_results()
            self.inputs, self.rows_model = list(files or []), model or self.model_path()
            self.rows_tta = self.tta() if tta is None else tta
            self._name_rows_model()
            self.predictProgress.setRange(0, max(total, 1))
            self.predictProgress.setFormat("%v / %m photos")
            self.predictProgress.setValue(0)
            self.summaryLabel.setText(f"Classifying {total} photo(s)…")
            self._summarised = False
        elif finding or not self._summarised:  # no photo found (the table is as it was), or the job failed
            self.predictProgress.setRange(0, 1)
            self.predictProgress.setValue(0)
            self.predictProgress.setFormat(self.IDLE_PROGRESS)
        if not busy and not finding and not self._summarised:  # failed before it finished: not "Classifying"
            self.cancelled = True  # rows of a failed prediction are incomplete, as a cancelled one's: no CSV of them
            done = len(self.predictions())
            self.summaryLabel.setText(f"The prediction failed after {done} photo(s) (see the message): classify "
                                      "them again to export." if done else
                                      "Nothing classified: the prediction failed (see the message).")
        self._update_export()

    def _update_export(self) -> None:
        """Export CSV is on only when its dialog could save a file; its tooltip says why not."""
        blocker = "photos are still being classified" if self.busy else \
            export_blocker(self.predictionsTable.rows, self.failures, self.cancelled)
        self.exportCsvButton.setEnabled(blocker is None)
        self.exportCsvButton.setToolTip(f"Cannot export: {blocker}" if blocker else
                                        "Write the submission CSV of the rows above")

    def show_summary(self, preds: list, failures: list, classes: list[str], cancelled: bool) -> None:
        self.failures, self.cancelled = list(failures), cancelled
        self._summarised = True
        if cancelled:
            self.predictProgress.setFormat("%v / %m photos (cancelled)")
        rows = self.predictionsTable.rows  # counted as the rows came, not again here
        counts = sorted((c, n) for c, n in zip(rows.classes, rows.counts) if n)
        text = f"{len(rows.predictions)} photo(s): " + ", ".join(f"{n} {c}" for c, n in counts)
        if failures:
            names = ", ".join(f"{Path(p).name} ({r})" for p, r in failures[:3])
            text += f" · skipped {len(failures)} unreadable: {names}{'…' if len(failures) > 3 else ''}"
        if cancelled:
            text += " · cancelled"
        if failures or cancelled:
            text += " · no CSV can be exported until every photo is classified"
        self.summaryLabel.setText(text)
        self._update_export()
        if len(preds) == 1:  # one dropped photo: show where the model looked
            self.predictionsTable.selectRow(0)
