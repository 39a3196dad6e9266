"""Classifying photos on a worker thread: the folders are searched there too, then batch by batch.

Rows carry no pixels: the table decodes a thumbnail only for the rows it paints (gui/widgets/thumbs.py),
so 12,500 predictions hold their paths and probabilities, not 345 MB of thumbnails.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from core.data.discover import collect_images
from gui.jobs.base import Job
from gui.jobs.evaluate import same_model

# core.inference.predict (torch) is imported in work(): gui.jobs.preload has imported it by then.


class PredictJob(Job):
    """Finds the photos in the dropped paths, loads the model (a run, or an ensemble of runs) and classifies them
    batch by batch, each photo averaged with its mirror image when ``tta``."""

    collected = Signal(list)  # the photo files found (none: nothing is classified)
    batchReady = Signal(list)  # predictions
    progress = Signal(int, int)
    loaded = Signal(object)  # the LoadedModel or Ensemble
    finishedWith = Signal(list, list)  # all predictions, failures [(path, reason)]

    def __init__(self, model_path: str, paths: list[Path], model=None, tta: bool = False) -> None:
        super().__init__()
        self.model_path, self.tta = model_path, tta
        self.paths = paths
        self.model = model
        self.cancelled_while_finding = False  # stopped before any photo was classified: the table stays

    def work(self) -> None:
        from core.inference.ensemble import load_model
        from core.inference.predict import predict_files

        files = list(dict.fromkeys(collect_images(self.paths)))  # a folder of 12,500 photos: not on the GUI thread
        if self.stop_event.is_set():  # cancelled while finding them: the table the user had stays
            self.cancelled_while_finding = True
            return
        self.post("collected", files)
        if not files:
            return
        lm = self.model if same_model(self.model, self.model_path) else load_model(self.model_path)
        self.post("loaded", lm)
        preds, failures = predict_files(lm, files, tta=self.tta, batch_size=32,
                                        progress=lambda d, t: self.post("progress", d, t),
                                        should_stop=self.stop_event.is_set,
                                        on_batch=lambda batch, _pixels: self.post("batchReady", batch))
        self.post("finishedWith", preds, failures)
