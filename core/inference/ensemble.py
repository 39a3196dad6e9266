"""Several runs as one model: their calibrated probabilities averaged, photo by photo.

Architectures and image sizes may differ (each member decodes and normalises a photo as it was
trained); the classes may not. ``load_model`` is the one loader for every MODEL argument and
every model box of the window: a run, ``imagenet:ARCH``, or an ensemble of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.calibration.clipping import ProbaBound, proba_bound
from core.errors import InputError
from core.inference.predict import LoadedModel, load_run
from core.runs.ensemble_rules import classes_mismatch, ensemble_title, repeated_member, repeated_message
from core.runs.layout import ensemble_ref, model_refs


@dataclass
class Ensemble:
    members: list[LoadedModel]

    @property
    def classes(self) -> list[str]:
        return self.members[0].classes

    @property
    def name(self) -> str:
        return ensemble_title(len(self.members))

    @property
    def ref(self) -> str:
        return ensemble_ref([str(m.run_dir) for m in self.members])

    @property
    def proba_bound(self) -> ProbaBound:
        return proba_bound([m.calibration for m in self.members])

    def describe(self) -> str:
        return f"{self.name}: " + "; ".join(m.describe().removeprefix("model ") for m in self.members)

    def is_current(self, ref: str | Sequence[str]) -> bool:
        refs = model_refs(ref) if isinstance(ref, str) else [str(r) for r in ref]
        return len(refs) == len(self.members) and all(m.is_current(r) for m, r in zip(self.members, refs))


def check_same_classes(members: Sequence[LoadedModel]) -> None:
    """An ensemble averages probabilities class by class: every member must have the first one's classes."""
    first = members[0]
    for m in members[1:]:
        problem = classes_mismatch(str(m.run_dir), m.classes, str(first.run_dir), first.classes)
        if problem:
            raise InputError(problem)


def load_model(ref: str | Path | Sequence[str | Path], device: str = "auto",
               precision: str = "auto") -> LoadedModel | Ensemble:
    """One model for one reference; an Ensemble for several (or an ``ensemble:`` reference)."""
    refs = model_refs(str(ref)) if isinstance(ref, (str, Path)) else [str(r) for r in ref]
    if not refs:
        raise InputError("no model given")
    twice = repeated_member(refs)
    if twice is not None:
        raise InputError(repeated_message(twice))
    if len(refs) == 1:
        return load_run(refs[0], device, precision)
    members = []
    for r in refs:
        members.append(load_run(r, device, precision))
        check_same_classes(members)  # before the next one loads
    return Ensemble(members)
