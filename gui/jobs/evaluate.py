"""Evaluation and Grad-CAM off the GUI thread, on the queue-drained job base of gui/jobs/base.py.

Torch and the model code load inside ``work()``, on the worker thread. The Grad-CAM job
keeps a model of its own (never the evaluation's): its hooks must not see another
thread's forward passes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from gui.jobs.base import Job

#: the Grad-CAM view's photo is decoded at this size (the model's own input is often only 128 px)
CAM_PX = 640


def same_model(lm, model_path: str) -> bool:
    """A loaded model (or ensemble) may serve again only while it is the one ``model_path`` names and its runs'
    weights are unchanged (not retrained since)."""
    return lm is not None and lm.is_current(model_path)


class EvalJob(Job):
    """Loads the model (a run or an ensemble), finds the labelled photos, classifies them batch by batch
    (each averaged with its mirror image when ``tta``).

    It sends no thumbnails: the gallery decodes one only for the photos it paints (gui/widgets/thumbs.py)."""

    loaded = Signal(object)  # LoadedModel or Ensemble
    started = Signal(int, str)  # photos to evaluate, where they come from
    source = Signal(object, list)  # the labelled folder they are in (None: several) and its class names
    progress = Signal(int, int)
    finishedWith = Signal(object, list)  # EvalResult, ignored [(path, reason)]

    def __init__(self, model_path: str, data: str | None, model=None, tta: bool = False) -> None:
        super().__init__()
        self.model_path, self.data, self.model, self.tta = model_path, data, model, tta

    def work(self) -> None:
        from core.inference.ensemble import load_model
        from core.inference.eval_sets import eval_set
        from core.inference.evaluate import evaluate

        lm = self.model if same_model(self.model, self.model_path) else load_model(self.model_path)
        self.post("loaded", lm)
        chosen = eval_set(self.model_path, lm.classes, self.data)
        self.post("source", chosen.root, chosen.classes)
        self.post("started", len(chosen.samples), chosen.description)
        result = evaluate(lm, chosen.samples, tta=self.tta, batch_size=32, progress=lambda d, t: self.post("progress", d, t),
                          should_stop=self.stop_event.is_set)
        self.post("finishedWith", result, chosen.ignored)


class CamJob(Job):
    """Grad-CAM of every class of one photo at one stage (None: the last convolutional stage).

    An ensemble has no single network: its ``member``-th run (0: the first) is explained."""

    ready = Signal(object, list, object)  # PhotoCam, stage names, the LoadedModel it used

    def __init__(self, model_path: str, photo: Path, stage: str | None, model=None, member: int = 0,
                 tta: bool = False) -> None:
        super().__init__()
        self.model_path, self.photo, self.stage, self.model = model_path, Path(photo), stage, model
        self.member, self.tta = member, tta

    def work(self) -> None:
        from core.data.decode import decode_square
        from core.explain.photos import display_crop, explain_pixels
        from core.explain.stages import conv_stages, short_name
        from core.inference.predict import load_run
        from core.runs.layout import model_refs

        refs = model_refs(self.model_path)  # one run, or an ensemble's runs
        ref = refs[min(max(self.member, 0), len(refs) - 1)]
        lm = self.model if same_model(self.model, ref) else load_run(ref)
        stages = [short_name(s, lm.model) for s in conv_stages(lm.model, lm.image_size)]
        pixels = decode_square(self.photo, lm.side)[None]
        cam = explain_pixels(lm, [self.photo], pixels, self.stage if self.stage in stages else None, self.tta)[0]
        cam.rgb = display_crop(lm, self.photo, CAM_PX)  # the same region, sharp at the view's size
        self.post("ready", cam, stages, lm)
