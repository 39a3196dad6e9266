"""What each layer sees (``featureMapView``): the chosen photo's strongest channels per stage, and the first
layer's filters, beside Grad-CAM in the Evaluate page's right column (``ExplainTabs``).

One job computes every stage at once (one forward pass), so choosing another stage only repaints.
The work starts only while the view is shown: a photo chosen while the Grad-CAM tab is in front is
computed when this tab is opened. As in CamView, one job at a time, a newer photo replaces a waiting
one, and a result for a photo no longer chosen is dropped. The grid is drawn at the size the view
has (labels stay legible at any size) in the palette's colours (readable in the dark theme).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPalette, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from core.explain.feature_grid import (
    FILTERS_ENTRY,
    filters_picture,
    filters_title,
    stage_picture,
    stage_title,
    tile_to_fit,
)
from gui.jobs.evaluate import same_model
from gui.jobs.features import FeatureJob
from gui.widgets.model_combo import members_of

HINT = "Feature maps: choose a photo to see what each layer of the model picks out in it."


class FeatureMapView(QWidget):
    featuresReady = Signal(str)  # the photo whose feature maps are shown
    failed = Signal(str)

    def __init__(self, model_path: Callable[[], str | None], name: str = "featureMapView", parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.model_path = model_path
        self.job: FeatureJob | None = None
        self._wanted: tuple[str, Path, str] | None = None  # (model, photo, caption) chosen and not yet asked for
        self._asked: tuple[str, Path] | None = None  # the (model, photo) last asked for: only its result is shown
        self._generation = 0  # counts clear()s: a job started before one reports to nobody
        self._lm = None
        self.features = None
        self.filters = None
        self.caption = ""
        self.title = QLabel(HINT)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.featureStageCombo = QComboBox()
        self.featureStageCombo.setObjectName("featureStageCombo")
        self.featureStageCombo.setMinimumContentsLength(10)
        self.featureStageCombo.setToolTip("Early stages answer to edges and colours, late ones to parts of the "
                                          "animal; the first entry shows the first layer's filters themselves")
        self.featureStageCombo.currentIndexChanged.connect(lambda _: self._paint())
        self.image = QLabel()
        self.image.setObjectName(name + "Image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(160, 160)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show:"))
        row.addWidget(self.featureStageCombo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.image, 1)
        layout.addLayout(row)

    def show_photo(self, path: Path, caption: str = "") -> None:
        """Show what each layer sees in ``path`` (computed now if the view is shown, else when it is)."""
        model = self.model_path()
        if not model:
            return
        if self.features is not None and self.features.path != Path(path):
            self._forget_photo()  # its maps do not describe this one (the stage chosen stays)
        self._wanted = (model, Path(path), caption)
        self.title.setText(f"Feature maps of {escape(Path(path).name)}: computing…")
        if self.isVisible():
            self._start_next()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._start_next()

    def _start_next(self) -> None:
        if self._wanted is None or (self.job is not None and self.job.is_running()):
            return
        model, path, caption = self._wanted
        self._wanted, self._asked = None, (model, path)
        refs = members_of(model)
        if not same_model(self._lm, refs[0] if refs else model):
            self._lm = None  # another model, or this run retrained since
        self.job = FeatureJob(model, path, self._lm)
        gen = self._generation
        self.job.ready.connect(lambda features, filters, lm: self._show(features, filters, lm, caption, gen, model))
        self.job.failed.connect(lambda message: self._failed(message, gen))
        self.job.done.connect(self._start_next)
        self.job.start()

    def _failed(self, message: str, gen: int) -> None:
        if gen == self._generation:
            self.title.setText(f"No feature maps: {escape(message)}")
            self.failed.emit(message)

    def _show(self, features, filters, lm, caption: str, gen: int, model: str) -> None:
        self._lm = lm
        if gen != self._generation or self._wanted is not None or self._asked != (model, Path(features.path)):
            return  # another photo was chosen (or none) while this one was computed
        self.features, self.filters, self.caption = features, filters, caption
        keep = self.featureStageCombo.currentText()
        entries = [FILTERS_ENTRY] + [s.stage for s in features.stages]
        self.featureStageCombo.blockSignals(True)
        self.featureStageCombo.clear()
        self.featureStageCombo.addItems(entries)
        # a stage chosen before stays chosen; else the first stage (the filters are the same for every photo)
        self.featureStageCombo.setCurrentIndex(entries.index(keep) if keep in entries else min(1, len(entries) - 1))
        self.featureStageCombo.blockSignals(False)
        self._paint()
        self.featuresReady.emit(str(features.path))

    def _paint(self) -> None:
        k = self.featureStageCombo.currentIndex()
        if self.features is None or k < 0:
            return
        pal = self.palette()
        bg, fg = (pal.color(QPalette.ColorRole.Base).getRgb()[:3], pal.color(QPalette.ColorRole.Text).getRgb()[:3])
        w, h = max(self.image.width(), 160), max(self.image.height(), 160)
        extra = f" · {escape(self.caption)}" if self.caption else ""
        if k == 0:
            n, text = len(self.filters.tiles), filters_title(self.filters)
            picture = filters_picture(self.filters, None, bg, fg, tile_to_fit(n, w, h))
        else:
            maps = self.features.stages[k - 1]
            text = stage_title(maps, self.features.path.name)
            picture = stage_picture(maps, None, bg, fg, tile_to_fit(len(maps.channels), w, h))
        self.title.setText(f"<b>{escape(self.features.path.name)}</b>{extra}<br>{escape(text)}")
        rgb = np.ascontiguousarray(np.asarray(picture))
        image = QImage(rgb.data, rgb.shape[1], rgb.shape[0], 3 * rgb.shape[1], QImage.Format.Format_RGB888)
        self.image.setPixmap(QPixmap.fromImage(image.copy()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._paint()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:  # the theme changed: redraw in its colours
            self._paint()

    def _forget_photo(self) -> None:
        self.features = None
        self.image.clear()

    def clear(self) -> None:
        """Nothing chosen (another model may have other layers): no maps, no stages."""
        self._forget_photo()
        self._wanted, self._asked = None, None
        self._generation += 1
        self.featureStageCombo.blockSignals(True)
        self.featureStageCombo.clear()
        self.featureStageCombo.blockSignals(False)
        self.title.setText(HINT)


class ExplainTabs(QTabWidget):
    """The Evaluate page's right column: Grad-CAM and Feature maps of the same chosen photo."""

    def __init__(self, cam_view: QWidget, feature_view: FeatureMapView, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("explainTabs")
        self.views = (cam_view, feature_view)
        self.addTab(cam_view, "Grad-CAM")
        self.addTab(feature_view, "Feature maps")
        self.setTabToolTip(0, "Where the model looks for each class")
        self.setTabToolTip(1, "What each layer picks out of the photo, and the first layer's filters")

    def show_photo(self, path: Path, caption: str = "") -> None:
        for view in self.views:
            view.show_photo(path, caption)

    def clear(self) -> None:
        for view in self.views:
            view.clear()
