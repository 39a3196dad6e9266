"""Classifying photos and writing the submission CSV, as the window does it (a MainWindow mixin).

Kept out of gui/main_window.py so that each file reads alone; the methods stay on the window
(``window.predict_paths``, ``window.export_csv``...) because the pages, menus and tests call them there.
"""

from __future__ import annotations

from pathlib import Path

from core.data.discover import IMAGE_SUFFIXES, is_image_name
from gui.jobs.predict import PredictJob
from gui.pages.predict.submission_dialog import ExportDialog


def not_photos(paths: list) -> list[Path]:
    """Files named directly (not found in a folder) that are not photos: they are refused, never classified."""
    return [Path(p) for p in paths if not Path(p).is_dir() and Path(p).exists() and not is_image_name(Path(p))]


def refusal(refused: list[Path]) -> str:
    """One line: which dropped files are not photos, and what a photo is."""
    names = ", ".join(p.name for p in refused[:3]) + ("…" if len(refused) > 3 else "")
    what = f"{names} is not a photo" if len(refused) == 1 else f"{len(refused)} files ({names}) are not photos"
    return f"{what} (photos end in {', '.join(sorted(IMAGE_SUFFIXES))})"


class PredictionFlow:
    """Needs on the host: predictPage, statusLine, settings, predictionsReady, show_error, loaded_model,
    predict_job, export_dialog (set to None in the host's __init__)."""

    # -- prediction ------------------------------------------------------------------
    def predict_paths(self, paths: list, show_page: bool = True) -> None:
        """Classify the photos in ``paths``; they replace the table. What is refused leaves it as it is.

        Folders are searched on the job's thread (12,500 files took 0.2-0.4 s, a frozen window): the table
        is replaced only once photos are found (``_photos_found``)."""
        if self.predict_job is not None and self.predict_job.is_running():
            return self.show_error("Busy", "Photos are still being classified: wait, or press Cancel first.",
                                   "busy")
        model = self.predictPage.model_path()
        if not model:
            return self.show_error("No model", "Train a model first (Train page), or put a run folder in "
                                   f"{self.weights_dir} and press Refresh.", "predict")
        refused = not_photos(paths)
        wanted = [p for p in paths if Path(p) not in refused]
        if not wanted:
            return self._no_photos(refused)
        self.statusLine.clear_error("predict", "export")
        if refused:
            self.statusLine.info(f"Skipped {refusal(refused)}")
        if show_page:
            self.tabs.setCurrentWidget(self.predictPage)
        tta = self.predictPage.tta()
        self.predictPage.set_finding()
        job = PredictJob(model, wanted, self.loaded_model, tta=tta)
        job.collected.connect(lambda files: self._photos_found(files, model, tta, refused))
        job.loaded.connect(lambda lm: self._model_loaded(lm, model))
        job.batchReady.connect(self._prediction_batch)
        job.progress.connect(self._prediction_progress)
        job.finishedWith.connect(self._predictions_done)
        job.failed.connect(self._prediction_failed)
        job.done.connect(self._predict_job_done)
        self.predict_job = job
        job.start()

    def _no_photos(self, refused: list[Path]) -> None:
        why = refusal(refused) if refused else "No image files in what was dropped"
        self.show_error("No photos", f"{why}: nothing classified, the table is kept", "predict")

    def _photos_found(self, files: list[Path], model: str, tta: bool, refused: list[Path]) -> None:
        """The job found the photos: they replace the table (none, or cancelled meanwhile: the table is kept)."""
        if self.predict_job is not None and self.predict_job.stop_event.is_set():
            return
        if files:
            self.predictPage.set_busy(True, len(files), files, model, tta)
        else:
            self._no_photos(refused)

    def reclassify(self, paths: list) -> None:
        """The Model box changed under the rows: the same photos, classified by the model it names now."""
        self.predict_paths(paths, show_page=False)

    def _model_loaded(self, lm, model: str) -> None:
        self.loaded_model = lm
        if self.predictPage.rows_model == model:  # the rows to come are its (not a table kept by a Cancel)
            self.predictPage.rows_bound = lm.proba_bound  # the proba CSV clips as `catdog predict` does

    def _prediction_batch(self, preds: list) -> None:
        self.predictPage.add_predictions(preds, self.loaded_model.classes)

    def _prediction_progress(self, done: int, total: int) -> None:
        self.predictPage.set_progress(done)

    def _prediction_failed(self, message: str) -> None:
        self.show_error("Prediction failed", message, "predict")

    def cancel_prediction(self) -> None:
        if self.predict_job is not None:
            self.predict_job.stop()

    def _predictions_done(self, preds: list, failures: list) -> None:
        cancelled = self.predict_job is not None and self.predict_job.stop_event.is_set()
        self.predictPage.show_summary(preds, failures, self.loaded_model.classes, cancelled)

    def _predict_job_done(self) -> None:
        job, self.predict_job = self.predict_job, None
        if job is not None:
            job.wait()
            if job.cancelled_while_finding:
                self.statusLine.info("Cancelled before any photo was classified: the table is kept")
        self.predictPage.set_busy(False)  # Export is enabled if there is something to export
        self.statusLine.clear_error("busy")  # no longer busy: that message is out of date
        self.predictionsReady.emit(self.predictPage.rows_shown())
        self.predictPage.follow_model()  # the Model box changed while this job ran: its rows go again

    def export_csv(self) -> None:
        page = self.predictPage
        if not page.predictions():
            return
        start = self.settings.value("exportDir", "")
        self.export_dialog = ExportDialog(page.predictionsTable.rows, self,
                                          str(Path(start) / "submission.csv") if start else "",
                                          failures=page.failures, cancelled=page.cancelled, inputs=page.inputs,
                                          bound=page.rows_bound)
        self.export_dialog.accepted.connect(self._exported)
        self.export_dialog.open()

    def _exported(self) -> None:
        path = self.export_dialog.written_path
        self.settings.setValue("exportDir", str(Path(path).parent))
        self.statusLine.info(f"Wrote {len(self.predictPage.predictions())} rows to {path}")
