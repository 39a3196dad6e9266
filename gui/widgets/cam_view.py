"""Grad-CAM of one photo: the heat map over the photo, per class and per stage, computed off the GUI thread.

Used on the Evaluate page (``camView``) and the Predict page. Changing the class only
repaints (every class's map comes back at once); changing the stage asks again. One job
at a time: a newer request waits and replaces any older waiting one. A result for a photo that is no
longer asked for is dropped, and the Class/Stage boxes are emptied with the photo: they never describe
a photo that is not the one chosen.
An ensemble has no single network: the view explains one of its runs at a time (the first, or the one
chosen in the Run box that appears for an ensemble) and its title names that run.
Closing the window stops and abandons a Grad-CAM in progress (gui.jobs.base.shutdown).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core.explain.overlay import blend
from gui.jobs.evaluate import CamJob, same_model
from gui.widgets.model_combo import members_of, run_name
from gui.widgets.sharp_photo import open_large, sharp_pixmap


class CamView(QWidget):
    camReady = Signal(str)  # the photo whose Grad-CAM is shown
    failed = Signal(str)

    def __init__(self, model_path: Callable[[], str | None], name: str = "camView", parent=None,
                 tta: Callable[[], bool] = lambda: False) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.model_path = model_path
        self.tta = tta  # whether the probabilities shown beside the map are averaged with the mirror's (as the rows)
        self.job: CamJob | None = None
        self._pending: tuple | None = None
        self._wanted: Path | None = None  # the photo last asked for: only its Grad-CAM is shown
        self._generation = 0  # counts clear()s: a job started before one reports to nobody
        self._lm = None  # the CAM's own model, reused while the model choice stays the same
        self._members: list[str] = []  # the runs of the model explained (an ensemble has several)
        self.member = 0  # which of them the heat map shown is of
        self.cam = None
        self.caption = ""
        self.title = QLabel("Grad-CAM: choose a photo to see where the model looks.")
        self.title.setWordWrap(True)
        self.memberCombo = QComboBox()
        self.memberCombo.setObjectName(name + "Member")
        self.memberCombo.setToolTip("An ensemble has no single network: Grad-CAM shows where one of its runs looks")
        self.memberCombo.activated.connect(lambda _: self._ask_again())
        self.memberRow = QWidget()
        members = QHBoxLayout(self.memberRow)
        members.setContentsMargins(0, 0, 0, 0)
        members.addWidget(QLabel("Grad-CAM of run:"))
        members.addWidget(self.memberCombo, 1)
        self.memberRow.hide()
        self.image = QLabel()
        self.image.setObjectName(name + "Image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(160, 160)
        self.image.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.classCombo = QComboBox()
        self.classCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.classCombo.setToolTip("Which class's evidence to show")
        self.classCombo.currentIndexChanged.connect(lambda _: self._paint())
        self.stageCombo = QComboBox()
        self.stageCombo.setMinimumContentsLength(8)
        self.stageCombo.setToolTip("The layer Grad-CAM explains: late stages are coarse but about the class, "
                                   "early ones sharp but about edges and colours")
        self.stageCombo.activated.connect(lambda _: self._ask_again())
        self.openButton = QPushButton("Open photo")
        self.openButton.setEnabled(False)
        self.openButton.clicked.connect(self.open_photo)
        row = QHBoxLayout()
        row.addWidget(QLabel("Class:"))
        row.addWidget(self.classCombo, 1)
        row.addWidget(QLabel("Stage:"))
        row.addWidget(self.stageCombo, 1)
        row.addWidget(self.openButton)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.memberRow)
        layout.addWidget(self.image, 1)
        layout.addLayout(row)

    def show_photo(self, path: Path, caption: str = "") -> None:
        """Explain ``path`` with the chosen model at the chosen stage (default: the last one)."""
        model = self.model_path()
        if not model:
            return
        if self.cam is not None and self.cam.path != Path(path):
            self._forget_photo()  # its classes and heat map do not describe this one (the stage stays chosen)
        self._sync_members(model)
        self._wanted = Path(path)
        self._pending = (model, Path(path), self.stageCombo.currentText() or None, caption,
                         max(self.memberCombo.currentIndex(), 0), self.tta())
        self.title.setText(f"Grad-CAM of {Path(path).name}: computing…")
        self._start_next()

    def _ask_again(self) -> None:
        if self.cam is not None:
            self.show_photo(self.cam.path, self.caption)

    def _start_next(self) -> None:
        if self._pending is None or (self.job is not None and self.job.is_running()):
            return
        model, path, stage, caption, member, tta = self._pending
        self._pending = None
        refs = members_of(model)
        if not same_model(self._lm, refs[min(member, len(refs) - 1)] if refs else model):
            self._lm = None  # another model (its stages differ), or this run retrained since
        self.job = CamJob(model, path, stage, self._lm, member, tta)
        gen = self._generation
        self.job.ready.connect(lambda cam, stages, lm: self._show(cam, stages, lm, caption, gen, member))
        self.job.failed.connect(lambda message: self._failed(message, gen))
        self.job.done.connect(self._start_next)
        self.job.start()

    def _failed(self, message: str, gen: int) -> None:
        if gen != self._generation:
            return  # cleared meanwhile: nothing is asked for
        self.title.setText(f"No Grad-CAM: {message}")
        self.failed.emit(message)

    def _sync_members(self, model: str | None) -> None:
        """The Run box lists the runs of ``model``; shown only for an ensemble. A new list starts at its first run."""
        refs = members_of(model)
        if refs != self._members:
            self._members = refs
            self.memberCombo.clear()
            for k, ref in enumerate(refs):
                self.memberCombo.addItem(f"{run_name(ref)} ({k + 1} of {len(refs)})", ref)
        self.memberRow.setVisible(len(refs) > 1)

    def _show(self, cam, stages: list[str], lm, caption: str, gen: int, member: int = 0) -> None:
        if gen != self._generation or Path(cam.path) != self._wanted:
            return  # another photo was chosen (or none) while this one was computed
        classes = lm.classes
        self.stageCombo.blockSignals(True)
        self.stageCombo.clear()
        self.stageCombo.addItems(stages)
        self.stageCombo.setCurrentText(cam.stage)
        self.stageCombo.blockSignals(False)
        same_photo = self.cam is not None and self.cam.path == cam.path
        keep = self.classCombo.currentData() if same_photo else None
        self.classCombo.blockSignals(True)
        self.classCombo.clear()
        for k, name in enumerate(classes):
            note = " (predicted)" if k == cam.predicted else ""
            self.classCombo.addItem(f"{name} {cam.probs[k]:.0%}{note}", k)
        self.classCombo.setCurrentIndex(keep if keep is not None and keep < len(classes) else cam.predicted)
        self.classCombo.blockSignals(False)
        self._lm, self.cam, self.caption, self.member = lm, cam, caption, member
        self.openButton.setEnabled(True)
        self._paint()
        self.camReady.emit(str(cam.path))

    def _paint(self) -> None:
        if self.cam is None or self.classCombo.count() == 0:
            return
        k = self.classCombo.currentData()
        names, p = self._lm.classes, self.cam.predicted
        extra = f" · {self.caption}" if self.caption else ""
        evidence = f"evidence for <b>{names[k]}</b> (red: most) at stage {self.cam.stage}"
        if len(self._members) > 1:  # an ensemble: the map and the probability are one run's, named
            run = escape(run_name(self._members[min(self.member, len(self._members) - 1)]))
            self.title.setText(f"<b>{escape(self.cam.path.name)}</b>: {run} alone predicts <b>{names[p]}</b> "
                               f"{self.cam.probs[p]:.1%}{extra}<br>Grad-CAM of <b>{run}</b> ({self.member + 1} of "
                               f"{len(self._members)} in the ensemble): {evidence}")
        else:
            self.title.setText(f"<b>{self.cam.path.name}</b>: predicted <b>{names[p]}</b> {self.cam.probs[p]:.1%}"
                               f"{extra}<br>{evidence[0].upper()}{evidence[1:]}")
        side = max(64, min(self.image.width(), self.image.height()) - 4)
        self.image.setPixmap(sharp_pixmap(blend(self.cam.rgb, self.cam.maps[k]), side, self.devicePixelRatioF()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._paint()

    def open_photo(self) -> None:
        if self.cam is not None:
            self._dialog = open_large(self.cam.path, self.caption, self)

    def _forget_photo(self) -> None:
        self.cam = None
        self.image.clear()
        self.classCombo.blockSignals(True)
        self.classCombo.clear()
        self.classCombo.blockSignals(False)
        self.openButton.setEnabled(False)

    def clear(self) -> None:
        """Nothing chosen: no heat map, no classes, no stages (another model may have other layers)."""
        self._forget_photo()
        self._sync_members(self.model_path())  # the same runs keep the run chosen; another model starts again
        self._wanted, self._pending = None, None
        self._generation += 1
        self.stageCombo.clear()  # activated, not currentIndexChanged, asks again: no signal to block
        self.title.setText("Grad-CAM: choose a photo to see where the model looks.")
