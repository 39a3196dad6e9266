"""The course notes' comparisons as one-click experiments: a queue of ordinary training runs.

An experiment is a list of architectures trained one after another on the same photos with
the same settings, each a normal run folder, so its curves can be overlaid and compared.
Every run starts from scratch: the plain nets have no ImageNet weights, and a comparison
of architectures means nothing if some of them start with a head start. The queue only
keeps the plan and the progress; whoever runs it (the window, a script) trains each config.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from core.errors import InputError
from core.training.config import TrainConfig


@dataclass(frozen=True)
class Experiment:
    key: str
    title: str
    archs: tuple[str, ...]
    look_for: str  # one sentence: what the overlaid curves show


EXPERIMENTS: dict[str, Experiment] = {e.key: e for e in (
    Experiment("degradation", "Degradation experiment", ("plain18", "plain34", "resnet18", "resnet34"),
               "Watch the training loss: in the ResNet paper the deeper plain34 ends higher than plain18 "
               "(deeper is worse even on the training photos: the degradation problem), while resnet34, with "
               "shortcuts, ends at or below resnet18; short runs on few photos may show it only weakly."),
    Experiment("blocks", "Blocks and cardinality", ("resnet50", "resnext50_32x4d"),
               "ResNeXt-50 keeps ResNet-50's depth, parameters and FLOPs but splits each bottleneck's 3x3 "
               "conv into 32 grouped paths: compare validation accuracy, where the paper found that more "
               "paths (cardinality) beat one wider path."),
    Experiment("lenet-resnet", "LeNet vs ResNet", ("lenet", "resnet18"),
               "Compare validation accuracy: LeNet's two small conv layers level off early, while ResNet-18's "
               "depth and shortcuts keep it rising for more epochs, at a far higher cost per epoch."),
)}


def get_experiment(key: str) -> Experiment:
    try:
        return EXPERIMENTS[key]
    except KeyError:
        raise InputError(f"unknown experiment {key!r}; choose one of {', '.join(EXPERIMENTS)}") from None


def experiment_configs(key: str, base: TrainConfig, stamp: str | None = None) -> list[TrainConfig]:
    """One config per architecture: ``base``'s settings, from scratch, named ``<key>-<stamp>-<arch>``."""
    exp = get_experiment(key)
    stamp = stamp or datetime.now().strftime("%Y%m%d-%H%M")
    return [replace(base, arch=arch, weights="none", freeze=False, name=f"{exp.key}-{stamp}-{arch}",
                    schedule_from_epoch=0) for arch in exp.archs]


@dataclass
class ExperimentQueue:
    """The plan (configs) and where it stands: which run trains, which are done, whether it was stopped."""

    experiment: Experiment
    configs: list[TrainConfig]
    run_dirs: list[str | None] = field(default_factory=list)  # per config started: its folder once known
    outcomes: list[str] = field(default_factory=list)  # per config ended: finished, stopped or failed
    stopped: bool = False

    @classmethod
    def create(cls, key: str, base: TrainConfig, stamp: str | None = None) -> ExperimentQueue:
        configs = experiment_configs(key, base, stamp)
        for c in configs:
            c.validate()
        return cls(get_experiment(key), configs)

    @property
    def current(self) -> int:
        """Index of the run in progress (or next to start)."""
        return len(self.outcomes)

    @property
    def done(self) -> bool:
        return self.stopped or len(self.outcomes) >= len(self.configs)

    def next_config(self) -> TrainConfig | None:
        """The next config to train, or None when the queue is over; marks it started."""
        if self.done:
            return None
        if len(self.run_dirs) <= self.current:
            self.run_dirs.append(None)
        return self.configs[self.current]

    def run_started(self, run_dir: str) -> None:
        if self.run_dirs:
            self.run_dirs[-1] = run_dir

    def run_ended(self, outcome: str) -> None:
        """``finished``, ``stopped`` or ``failed``: a stopped or failed run ends the whole queue."""
        if self.done:
            return
        self.outcomes.append(outcome)
        if outcome != "finished":
            self.stopped = True

    def stop(self) -> None:
        self.stopped = True

    def progress_text(self) -> str:
        n = len(self.configs)
        if self.stopped:
            return f"{self.experiment.title}: stopped ({self.outcomes.count('finished')} of {n} runs finished)"
        if self.done:
            return f"{self.experiment.title}: all {n} runs done"
        return f"{self.experiment.title}: run {self.current + 1} of {n}, {self.configs[self.current].arch}"
