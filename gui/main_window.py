"""The main window: six pages (Data, Train, Predict, Evaluate, Runs, Explore) wired to core through jobs.

Long work runs on worker threads (gui/jobs/); the pages ask for it through signals and the window
starts training and prediction. Closing stops every live job (gui.jobs.base.shutdown).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget

from core.errors import InputError
from core.models.registry import ARCHS
from core.runs.layout import SCRATCH
from core.runs.meta import read_meta
from core.training import events as ev
from gui.jobs import base as jobs
from gui.jobs.predict import PredictJob
from gui.jobs.preload import Preloader
from gui.jobs.train import TrainJob
from gui.pages.data.page import DataPage
from gui.pages.evaluate.page import EvaluatePage
from gui.pages.explore.page import ExplorerPage
from gui.pages.predict.flow import PredictionFlow
from gui.pages.predict.page import PredictPage
from gui.pages.predict.submission_dialog import ExportDialog
from gui.pages.runs.page import RunsPage
from gui.pages.runs.resume_dialog import ResumeDialog
from gui.pages.train.estimator import RunEstimator
from gui.pages.train.page import TrainPage
from gui.pages.train.weights_prompt import INSTALLED_ALTERNATIVE, ask_missing_weights
from gui.window import settings as window_settings
from gui.window.close_guard import ask_to_stop
from gui.window.drop_overlay import DropOverlay
from gui.window.drop_routing import PageDropRouter
from gui.window.gc_freeze import freeze_once
from gui.window.icon import app_icon
from gui.window.menus import TRAINING_BUSY, build_menus, set_training
from gui.window.status import StatusLine
from gui.window.tooltips import apply_tooltips


class MainWindow(PageDropRouter, PredictionFlow, QMainWindow):
    trainingFinished = Signal(str)  # the run folder
    predictionsReady = Signal(int)  # rows shown
    evaluationReady = Signal(int)  # photos evaluated

    def __init__(self, weights_dir: str | Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("CatDog Studio")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "CatDog Studio", "CatDog Studio")
        self.weights_dir = str(weights_dir or self.settings.value("weightsDir", str(Path.cwd() / "weights")))
        self.train_job: TrainJob | None = None
        self.predict_job: PredictJob | None = None
        self.loaded_model = None
        self.last_error: str | None = None
        self.export_dialog: ExportDialog | None = None
        self._finished_run: str | None = None  # set by the Finished event, emitted when the job is done
        self._finished_stopped = False  # that run was stopped early (it can be resumed)
        self._quitting = False  # the user chose "stop, save and quit"

        self.dataPage = DataPage()
        self.trainPage = TrainPage()
        self.predictPage = PredictPage()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("pages")
        self.tabs.addTab(self.dataPage, "1 · Data")
        self.tabs.addTab(self.trainPage, "2 · Train")
        self.tabs.addTab(self.predictPage, "3 · Predict")
        self.evaluatePage = EvaluatePage(self.weights_dir)
        self.tabs.addTab(self.evaluatePage, "4 · Evaluate")
        self.explorerPage = ExplorerPage()
        self.setCentralWidget(self.tabs)
        self.dropOverlay = DropOverlay(self)
        for name in ("dataPathEdit",):
            setattr(self, name, getattr(self.dataPage, name))
        for name in ("archCombo", "epochsSpin", "batchSizeSpin", "imageSizeSpin", "trainButton", "stopButton",
                     "trainProgress", "lossPlot", "accuracyPlot"):
            setattr(self, name, getattr(self.trainPage, name))
        for name in ("modelCombo", "dropZone", "predictionsTable", "exportCsvButton"):
            setattr(self, name, getattr(self.predictPage, name))

        self.deviceLabel = QLabel("loading PyTorch…")
        self.deviceLabel.setObjectName("deviceLabel")
        self.preloader = Preloader(self)
        self.preloader.ready.connect(self._libraries_loaded)
        self.preloader.failed.connect(lambda msg: self.show_error("PyTorch", msg))
        self.preloader.start()
        self.statusLine = StatusLine(f"Runs are saved in {self.weights_dir}")
        self.statusBar().addWidget(self.statusLine, 1)
        self.statusBar().addPermanentWidget(self.deviceLabel)

        self.dataPage.error.connect(lambda msg: self.statusLine.error(msg, "data"))
        self.dataPage.datasetChanged.connect(self.trainPage.set_dataset)
        self.trainPage.val_share = self.dataPage.val_split  # the learning-rate finder splits as training will
        self.dataPage.datasetChanged.connect(lambda index: self.statusLine.clear_error("data", "train")
                                             if index is not None else None)
        self.trainPage.startRequested.connect(self.start_training)
        self.trainPage.stopRequested.connect(self.stop_training)
        self.trainPage.resumeRequested.connect(self.resume_training)
        self.predictPage.predictRequested.connect(self.predict_paths)
        self.predictPage.reclassifyRequested.connect(self.reclassify)
        self.predictPage.cancelRequested.connect(self.cancel_prediction)
        self.predictPage.exportRequested.connect(self.export_csv)
        self.evaluatePage.evaluationReady.connect(self.evaluationReady)
        self.estimator = RunEstimator(self.trainPage, self.dataPage,
                                      busy=lambda: self.train_job is not None and self.train_job.is_running(),
                                      loaded=lambda: self.preloader.is_done() and self.preloader.result[0] == "ready",
                                      parent=self)
        self.trainingFinished.connect(lambda _run: self.estimator.schedule())  # the run taught it its speed
        self.trainingFinished.connect(self._select_new_run)
        self._restore_settings()
        self.runsPage = RunsPage(self)  # after the settings: it lists the runs folder they name
        self.runsPage.runsChanged.connect(lambda: self.predictPage.refresh_models(self.weights_dir))
        self.tabs.addTab(self.runsPage, "5 · Runs")
        self.tabs.addTab(self.explorerPage, "6 · Explore")
        self.actions_by_name = build_menus(self)  # after the last page: View has one item per page
        self.exportModelAction = self.actions_by_name["exportModelAction"]
        apply_tooltips(self)
        self.predictPage.refresh_models(self.weights_dir)
        self.estimator.schedule()
        freeze_once("window")  # start-up objects live as long as the app: out of the collector's sight
        # and so do the model libraries the first prediction loads (timm's, safetensors, Pillow's plugins):
        # 60,000 objects that made each full collection a 30-46 ms freeze while 12,500 rows arrived
        self.predictionsReady.connect(lambda rows: freeze_once("model"))

    def _libraries_loaded(self, device_text: str) -> None:
        self.deviceLabel.setText(device_text)
        self.trainPage.refresh_arch_stats()
        self.estimator.schedule()
        freeze_once("torch")  # torch's import-time objects live as long as the app too

    # -- messages --------------------------------------------------------------------
    def show_error(self, title: str, text: str, source: str = "general") -> None:
        """A readable, non-blocking message box; the app keeps running. The status line keeps
        the error until its cause (``source``: data, train, predict, export) is put right."""
        self.last_error = text
        self.statusLine.error(text, source)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- training --------------------------------------------------------------------
    def start_training(self) -> None:
        if self.train_job is not None and self.train_job.is_running():
            return self.statusLine.error(TRAINING_BUSY, "busy")  # Ctrl+T while training: never silent
        folder = self.dataPage.folder()
        if not folder:
            self.tabs.setCurrentWidget(self.dataPage)
            return self.show_error("No training photos", "Choose the folder of training photos on the Data page first.",
                                   "train")
        self.dataPage.set_folder(folder)
        if self.dataPage.index is None:
            return self.show_error("Cannot train on this folder", self.dataPage.error_message, "data")
        config = self.trainPage.config(folder, self.dataPage.val_split(), self.weights_dir)
        try:
            config.validate()
        except InputError as exc:
            return self.show_error("Cannot start training", str(exc), "train")
        if not self.preloader.is_done():  # Start pressed in the first seconds: go as soon as torch is in
            self.statusLine.info("PyTorch is still loading: training starts as soon as it is ready")
            self.preloader.ready.connect(self.start_training, Qt.ConnectionType.UniqueConnection)  # once
            return
        spec = ARCHS[config.arch]
        if config.weights == "imagenet" and not spec.imagenet_status().installed:
            self.weights_prompt = ask_missing_weights(self, spec, self._weights_choice)
            return
        self._save_settings()
        self.statusLine.clear_error()
        self._start_job(TrainJob(config))

    def _weights_choice(self, choice: str) -> None:
        """The user's answer to the missing-weights prompt: then start as they chose."""
        if choice == "installed":
            self.trainPage.set_arch(INSTALLED_ALTERNATIVE)
        elif choice == "scratch":
            self.trainPage.set_start(SCRATCH)
        config = self.trainPage.config(self.dataPage.folder(), self.dataPage.val_split(), self.weights_dir)
        self._save_settings()
        self.statusLine.clear_error()
        self._start_job(TrainJob(config))

    def resume_training(self) -> None:
        if self.train_job is not None and self.train_job.is_running():
            return
        self.resume_dialog = ResumeDialog(self.weights_dir, self)
        self.resume_dialog.accepted.connect(lambda: self.resume_run(*self.resume_dialog.choice()))
        self.resume_dialog.open()

    def resume_run(self, run_dir: str, epochs: int | None = None) -> None:
        """Continue a run: its settings in the form, its past epochs on the curves, then train."""
        try:
            meta = read_meta(Path(run_dir))
        except InputError as exc:
            return self.show_error("Cannot resume", str(exc), "train")
        self.trainPage.show_run_settings(meta, epochs)
        self._start_job(TrainJob(resume_dir=run_dir, epochs=epochs))
        self.trainPage.show_past_run(meta)

    def _start_job(self, job: TrainJob) -> None:
        self.trainPage.clear_log()
        self.trainPage.set_running(True)
        set_training(self, True)
        self.tabs.setCurrentWidget(self.trainPage)
        self.train_job = job
        self.train_job.event.connect(self._on_train_event)
        self.train_job.failed.connect(self._training_failed)
        self.train_job.done.connect(self._training_done)
        self.train_job.start()

    def _training_failed(self, message: str) -> None:
        self.show_error("Training failed", message, "train")

    def stop_training(self) -> None:
        if self.train_job is not None:
            self.train_job.stop()
            self.trainPage.set_stopping()

    def _on_train_event(self, e) -> None:
        self.trainPage.on_event(e)
        if isinstance(e, ev.RunStarted):
            self.dataPage.set_decoded(e.skipped)
        elif isinstance(e, ev.Finished):
            self._finished_run = e.run_dir
            self._finished_stopped = e.stopped
            self.statusLine.info(f"Run saved in {e.run_dir}" if e.run_dir else "Stopped")

    def _training_done(self) -> None:
        self.trainPage.set_running(False)
        set_training(self, False)
        job, self.train_job = self.train_job, None
        if job is not None:
            job.wait()
        run_dir, self._finished_run = self._finished_run, None
        if run_dir is not None:
            self.trainingFinished.emit(run_dir)

    def _select_new_run(self, run_dir: str) -> None:
        """The run just trained becomes the model of Predict and Evaluate, and the status line says so."""
        if not run_dir:
            return
        self.predictPage.refresh_models(select=run_dir)
        on = [page for page, chosen in (("Predict", self.predictPage.model_path() == run_dir),
                                        ("Evaluate", self.evaluatePage.select_run(run_dir))) if chosen]
        ended = "stopped (Resume run… continues it)" if self._finished_stopped else "finished"
        where = f"selected on {' and '.join(on)}" if on else "no weights saved yet, so no page selects it"
        if self.evaluatePage.busy():
            where += " (on Evaluate once its evaluation ends)"
        self.statusLine.info(f"Run {Path(run_dir).name} {ended}: {where}")

    def set_weights_dir(self, folder: str) -> None:
        """Where new runs are saved and where the model list looks (File > Open runs folder…)."""
        self.weights_dir = str(folder)
        self.settings.setValue("weightsDir", self.weights_dir)
        self.predictPage.refresh_models(self.weights_dir)
        self.runsPage.refresh()
        self.statusLine.info(f"Runs are saved in {self.weights_dir}")

    # -- settings and shutdown ---------------------------------------------------------------
    def _stop_and_quit(self) -> None:
        self._quitting = True
        self.stop_training()
        self.train_job.done.connect(self.close)

    def _restore_settings(self) -> None:
        window_settings.restore(self)

    def _save_settings(self) -> None:
        window_settings.save(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before stopping a training run; hide at once, stop every job, wait only for a checkpoint or an
        export (gui.jobs.base.shutdown abandons the rest: closing never waits on an import)."""
        if self.train_job is not None and self.train_job.is_running() and not self._quitting:
            event.ignore()
            self.close_box = ask_to_stop(self, self.trainPage.run_name or "A run", self._stop_and_quit)
            return
        self._save_settings()
        self.preloader.stop_polling()
        self.estimator.close()  # before the jobs deliver their last results: they must not start a measurement
        self.hide()  # gone from the screen now, even while a checkpoint or an export is finished below
        jobs.shutdown()  # every page's jobs stopped; a run's checkpoint and an export are waited for
        super().closeEvent(event)
