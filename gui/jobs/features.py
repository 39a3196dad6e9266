"""What each layer sees, for one photo, off the GUI thread: the first layer's filters and every stage's strongest
channels (core.explain.feature_maps), in one forward pass.

Like the Grad-CAM job it keeps a model of its own: its hooks must not see another thread's forward passes.
An ensemble has no single network: its first run is shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from gui.jobs.base import Job
from gui.jobs.evaluate import same_model


class FeatureJob(Job):
    ready = Signal(object, object, object)  # PhotoFeatures, Filters, the LoadedModel it used

    def __init__(self, model_path: str, photo: Path, model=None) -> None:
        super().__init__()
        self.model_path, self.photo, self.model = model_path, Path(photo), model

    def work(self) -> None:
        from core.explain.feature_maps import first_filters, photo_features
        from core.inference.predict import load_run
        from core.runs.layout import model_refs

        ref = model_refs(self.model_path)[0]  # one run, or an ensemble's first
        lm = self.model if same_model(self.model, ref) else load_run(ref)
        features = photo_features(lm, self.photo)
        self.post("ready", features, first_filters(lm.model), lm)
