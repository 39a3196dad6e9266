"""Evaluate page: how good a model is, which photos it gets wrong, and where it looked.

Pick a run (or ``imagenet:ARCH``, or an ensemble of runs) and a labelled folder (empty: the run's own validation
photos); Evaluate runs off the GUI thread with progress and cancel. Then: accuracy, log
loss, per-class metrics and the confusion matrix; a cell (or "Top losses") fills the
gallery, worst first; a photo in the gallery shows its Grad-CAM (or what each layer sees), and the Data page's
keys (1..9, X, K, U) record a decision about it in the corrections file of the folder it comes from.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.jobs.evaluate import EvalJob
from gui.pages.evaluate.gallery import TOP_LOSSES, Gallery, top_losses_caption
from gui.pages.evaluate.results import ResultsPanel
from gui.widgets.cam_view import CamView
from gui.widgets.decisions import DecisionBook, keys_hint
from gui.widgets.drop_zone import accept_local_drag, local_paths
from gui.widgets.feature_map_view import ExplainTabs, FeatureMapView
from gui.widgets.model_combo import model_name
from gui.widgets.model_row import ModelRow, show_error, tta_check
from gui.widgets.sharp_photo import open_large

KIND = "evaluate"  # this page's kind of error in the window's status line


class EvaluatePage(QWidget):
    evaluationReady = Signal(int)  # photos evaluated

    def __init__(self, weights_dir: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluatePage")
        self.setAcceptDrops(True)
        self.weights_dir = weights_dir
        self.job: EvalJob | None = None
        self.result = None
        self._lm = None
        self._description = ""
        self.model_evaluated: str | None = None  # the model of self.result: Grad-CAM explains its photos with it
        self._pending_select: str | None = None  # a run to select once the evaluation in progress ends
        self.modelRow = ModelRow("evalModelCombo", "evalEnsembleButton", self._error)
        self.evalModelCombo = self.modelRow.combo
        self.modelRow.refreshRequested.connect(lambda: self.evalModelCombo.refresh(self.weights_dir))
        self.evalTtaCheck = tta_check("evalTtaCheck")
        self.tta_evaluated = False  # whether self.result averaged each photo with its mirror image
        self.evalDataEdit = QLineEdit()
        self.evalDataEdit.setObjectName("evalDataEdit")
        self.evalDataEdit.setPlaceholderText("empty: the run's own validation photos (never trained on; an ensemble: "
                                             "those of all its runs)")
        self.evalDataEdit.setToolTip("A labelled folder (cat.1.jpg names, or one sub-folder per class); "
                                     "leave empty to use the validation photos the run held out")
        browse = QPushButton("Folder…")
        browse.clicked.connect(self._browse)
        self.evaluateButton = QPushButton("Evaluate")
        self.evaluateButton.setObjectName("evaluateButton")
        self.evaluateButton.setDefault(True)
        self.evaluateButton.clicked.connect(self.start)
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("cancelEvalButton")
        self.cancelButton.setEnabled(False)
        self.cancelButton.clicked.connect(self.cancel)
        self.evalProgress = QProgressBar()
        self.evalProgress.setObjectName("evalProgress")
        self.evalProgress.setFormat("No photos being evaluated")  # idle: not "0 / 100 photos"
        self.evalProgress.setRange(0, 1)
        self.evalProgress.setValue(0)
        top = QHBoxLayout()
        top.addWidget(self.modelRow, 5)  # the box, Ensemble… and Refresh: a long run name keeps both ends
        top.addWidget(QLabel("Photos:"))
        top.addWidget(self.evalDataEdit, 3)
        top.addWidget(browse)
        run = QHBoxLayout()
        run.addWidget(self.evaluateButton)
        run.addWidget(self.evalTtaCheck)
        run.addWidget(self.evalProgress, 1)
        run.addWidget(self.cancelButton)

        self.results = ResultsPanel()
        self.confusionMatrix = self.results.confusionMatrix
        self.results.cellChosen.connect(self.show_cell)
        self.topLossesButton = QPushButton("Top losses")
        self.topLossesButton.setObjectName("topLossesButton")
        self.topLossesButton.setToolTip(f"The {TOP_LOSSES} photos with the highest loss, whatever their cell: "
                                        "the wrong ones, then the least confident right answers")
        self.topLossesButton.setEnabled(False)
        self.topLossesButton.clicked.connect(self.show_top_losses)
        self.galleryLabel = QLabel("Photos appear here.")
        self.galleryLabel.setWordWrap(True)
        self.galleryList = Gallery()
        self.galleryList.photoChosen.connect(self._explain)
        self.galleryList.photoOpened.connect(lambda p: open_large(p.path, self._caption(p), self))
        self.galleryList.decisionFailed.connect(lambda text: self._error("Decision not recorded", text))
        self.galleryHint = QLabel("")
        self.galleryHint.setObjectName("galleryHintLabel")
        self.galleryHint.setWordWrap(True)
        self.camView = CamView(lambda: self.model_evaluated if self.result is not None
                               else self.evalModelCombo.currentData(),
                               tta=lambda: self.tta_evaluated if self.result is not None else self.evalTtaCheck.isChecked())
        self.camView.openButton.setToolTip("Open the whole photo in a window")
        self.featureMapView = FeatureMapView(self.camView.model_path)  # the same model, the same photo
        self.explainTabs = ExplainTabs(self.camView, self.featureMapView)
        gallery_head = QHBoxLayout()
        gallery_head.addWidget(self.galleryLabel, 1)
        gallery_head.addWidget(self.topLossesButton)
        middle = QWidget()
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addLayout(gallery_head)
        mid.addWidget(self.galleryList, 1)
        mid.addWidget(self.galleryHint)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("evalSplitter")
        split.setChildrenCollapsible(False)
        for w, stretch in ((self.results, 3), (middle, 4), (self.explainTabs, 3)):
            split.addWidget(w)
            split.setStretchFactor(split.count() - 1, stretch)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(run)
        layout.addWidget(split, 1)
        self.evalModelCombo.refresh(weights_dir)

    # -- choosing ----------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.busy():
            self.evalModelCombo.refresh(self.weights_dir)  # runs trained since the page was last seen

    def select_run(self, run_dir: str) -> bool:
        """List and choose ``run_dir`` (a run just trained); False if it is not selected now (no weights
        yet, or an evaluation is running: then it is selected when that ends)."""
        if self.busy():
            self._pending_select = run_dir
            return False
        self.evalModelCombo.refresh(self.weights_dir, select=run_dir)
        return self.evalModelCombo.currentData() == run_dir

    def choose_ensemble(self, paths: list) -> str | None:
        """Evaluate the runs ``paths`` as one model (as the Ensemble… dialog does): None, or the refusal shown."""
        return self.modelRow.choose_ensemble([str(p) for p in paths])

    # a folder dropped here is the photos to evaluate on (never the training data); a photo gets its Grad-CAM
    def dragEnterEvent(self, event) -> None:
        accept_local_drag(event)

    def dropEvent(self, event) -> None:
        paths = local_paths(event)
        folders = [p for p in paths if p.is_dir()]
        photos = [p for p in paths if p.is_file()]
        if folders or photos:
            event.acceptProposedAction()
        if folders:
            self.evalDataEdit.setText(str(folders[0]))
        elif photos:
            self.explainTabs.show_photo(photos[0], "dropped photo")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Labelled photos to evaluate on", self.evalDataEdit.text())
        if folder:
            self.evalDataEdit.setText(folder)

    def _error(self, title: str, text: str) -> None:
        """The window's readable, non-blocking message (and status line) when there is one."""
        show_error(self, title, text, KIND)

    def busy(self) -> bool:
        return self.job is not None and self.job.is_running()

    # -- running -----------------------------------------------------------------------
    def start(self) -> None:
        model = self.evalModelCombo.currentData()
        if self.busy() or not model:
            if not model:
                self._error("No model", "Train a model first, or choose the ImageNet baseline.")
            return
        data = self.evalDataEdit.text().strip() or None
        self.result, self.model_evaluated, self.tta_evaluated = None, model, self.evalTtaCheck.isChecked()
        self.galleryList.show_photos([], [])
        self.galleryList.set_book(None)
        self.galleryHint.setText("")
        self.explainTabs.clear()
        self.results.clear("Loading the model…")
        self._set_busy(True)
        self.job = EvalJob(model, data, self._lm, self.tta_evaluated)
        self.job.loaded.connect(self._loaded)
        self.job.started.connect(self._started)
        self.job.source.connect(self._source)
        self.job.progress.connect(lambda d, t: self.evalProgress.setValue(d))
        self.job.finishedWith.connect(self._finished)
        self.job.failed.connect(self._failed)
        self.job.done.connect(self._done)
        self.job.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.stop()
            self.cancelButton.setEnabled(False)

    def _set_busy(self, busy: bool) -> None:
        self.evaluateButton.setEnabled(not busy)
        self.cancelButton.setEnabled(busy)
        self.modelRow.set_busy(busy)
        self.evalTtaCheck.setEnabled(not busy)
        self.topLossesButton.setEnabled(not busy and self.result is not None)

    def _loaded(self, lm) -> None:
        self._lm = lm

    def _started(self, total: int, description: str) -> None:
        self._description = description + (" with TTA (each photo averaged with its mirror image)"
                                           if self.tta_evaluated else "")
        self.evalProgress.setRange(0, max(total, 1))
        self.evalProgress.setFormat("%v / %m photos")
        self.evalProgress.setValue(0)
        self.results.clear(f"Evaluating {description}…")

    def _source(self, root, classes: list) -> None:
        """The folder of the photos: its corrections file takes the gallery's decisions."""
        book = DecisionBook(root, classes) if root is not None else None
        self.galleryList.set_book(book)
        self.galleryHint.setText(keys_hint(classes).replace("catdog-corrections.csv", str(book.file)) if book else
                                 "These photos come from several folders: decisions are made on the Data page.")

    def _failed(self, message: str) -> None:
        self.results.clear(f"Nothing evaluated: {message}")
        self._error("Evaluation failed", message)

    def _finished(self, result, ignored: list) -> None:
        self.result = result
        skipped = result.failures + ignored
        extra = f" · skipped {len(skipped)} (unreadable or gone)" if skipped else ""
        extra += " · <b>cancelled</b>: only the photos done so far" if result.cancelled else ""
        if result.photos:
            report = result.report()
            self.results.show_report(report, self._description, extra)
            status = getattr(self.window(), "statusLine", None)
            if status is not None and not result.cancelled:  # the evaluation worked: its old error is out of date
                status.succeeded(KIND, f"Evaluated {model_name(self.model_evaluated)} on {report.total} photos: "
                                       f"accuracy {report.accuracy:.1%}")
            # after the numbers are painted (no long freeze), unless a cell was chosen meanwhile
            QTimer.singleShot(0, lambda: None if self.galleryList.photos else self.show_top_losses())
        else:
            self.results.clear(f"No photo evaluated{extra}.")

    def _done(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.wait()
        self._set_busy(False)
        if self._pending_select is not None:
            self.select_run(self._pending_select)
            self._pending_select = None
        self.evaluationReady.emit(len(self.result.photos) if self.result is not None else 0)

    # -- looking at photos -------------------------------------------------------------------
    def show_cell(self, true: int, predicted: int) -> None:
        if self.result is None:
            return
        classes = self.result.classes
        photos = self.result.cell(true, predicted)
        what = "correct" if true == predicted else "wrong"
        self.galleryLabel.setText(f"<b>{len(photos)}</b> {classes[true]} photo(s) predicted "
                                  f"<b>{classes[predicted]}</b> ({what}), the worst first")
        self.galleryList.show_photos(photos, classes)

    def show_top_losses(self) -> None:
        if self.result is None:
            return
        photos = self.result.by_loss()[:TOP_LOSSES]
        self.galleryLabel.setText(top_losses_caption(photos, len(self.result.photos)))
        self.confusionMatrix.clearSelection()
        self.galleryList.show_photos(photos, self.result.classes)

    def _caption(self, p) -> str:
        c = self.result.classes
        return f"true class {c[p.true]}, loss {p.loss:.2f}"

    def _explain(self, photo) -> None:
        self.explainTabs.show_photo(photo.path, self._caption(photo))
