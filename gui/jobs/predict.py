"""Classifying photos on a worker thread, with the thumbnails the Predict page's table shows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal

from gui.jobs.base import Job
from gui.jobs.evaluate import same_model

# core.inference.predict (torch) is imported in work(): gui.jobs.preload has imported it by then.


class PredictJob(Job):
    """Loads a run and classifies files batch by batch, with thumbnails for the table."""

    batchReady = Signal(list, list)  # predictions, thumbnails (uint8 HxWx3 arrays)
    progress = Signal(int, int)
    loaded = Signal(object)  # the LoadedModel
    finishedWith = Signal(list, list)  # all predictions, failures [(path, reason)]

    THUMB = 96  # logical pixels of the largest thumbnail zoom (gui.pages.predict.table.MAX_THUMB)
    # table rows per delivery: 32 rows with thumbnails took the GUI thread 40-50 ms on a busy laptop CPU,
    # 8 fit the drain's 12 ms slice (gui.jobs.base.Job.DRAIN_BUDGET_S)
    ROWS_PER_POST = 8

    def __init__(self, model_path: str, paths: list[Path], model=None, screen_ratio: float = 1.0) -> None:
        super().__init__()
        self.thumb_px = round(self.THUMB * screen_ratio)  # device pixels: sharp at 200% scaling
        self.model_path = model_path
        self.paths = paths
        self.model = model

    def work(self) -> None:
        from core.inference.predict import load_run, predict_files

        lm = self.model if same_model(self.model, self.model_path) else load_run(self.model_path)
        self.post("loaded", lm)

        def on_batch(preds, pixels: np.ndarray) -> None:
            step = max(1, pixels.shape[1] // self.thumb_px)
            thumbs = [np.ascontiguousarray(p[::step, ::step]) for p in pixels]
            for i in range(0, len(preds), self.ROWS_PER_POST):  # the window adds them a slice per tick
                self.post("batchReady", preds[i:i + self.ROWS_PER_POST], thumbs[i:i + self.ROWS_PER_POST])

        preds, failures = predict_files(lm, self.paths, batch_size=32,
                                        progress=lambda d, t: self.post("progress", d, t),
                                        should_stop=self.stop_event.is_set, on_batch=on_batch)
        self.post("finishedWith", preds, failures)
