"""Everything one training run holds in memory, built in one place: fresh, or from a checkpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from core.errors import InputError
from core.models.registry import ArchSpec, get_arch
from core.training import events as ev
from core.training.batches import steps_per_epoch as count_steps
from core.training.config import TrainConfig
from core.training.data import PreparedData
from core.training.distributed import World
from core.training.optim import make_optimizer, make_scheduler
from core.training.sources import FeatureSource, PixelSource


@dataclass
class EpochProgress:
    """Running sums of the epoch in progress (kept in the checkpoint for mid-epoch resume)."""

    step: int = 0
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    train_seconds: float = 0.0


@dataclass
class TrainingState:
    cfg: TrainConfig
    data: PreparedData
    spec: ArchSpec
    model: torch.nn.Module
    source: PixelSource | FeatureSource
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler
    device: torch.device
    precision: str
    steps_per_epoch: int
    epoch: int = 0  # epochs fully done
    progress: EpochProgress = field(default_factory=EpochProgress)  # of epoch ``epoch`` (0-based)
    history: list[dict] = field(default_factory=list)
    best: dict = field(default_factory=lambda: {"epoch": None, "val_acc": None})
    world: World = field(default_factory=World)  # the processes training this run together (distributed.py)

    def checkpoint(self) -> dict:
        """What --resume needs to continue at the very next batch."""
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch,
            "epoch_state": vars(self.progress).copy(),
            "history": self.history,
            "best": self.best,
            "config": self.cfg.to_dict(),
            "split": self.data.split,  # the photos and split, so a resume trains on the same ones
            "world_size": self.world.size,  # a mid-run resume needs as many processes (its steps depend on it)
        }


def _restorer(ckpt: dict | None, origin: object) -> Callable[[str, Callable[[dict], object]], None]:
    """``restore(field, load)``: a checkpoint state that does not fit this run is one line naming the file."""
    def restore(field: str, load: Callable[[dict], object]) -> None:
        try:
            load(ckpt[field])
        except (RuntimeError, ValueError, KeyError, TypeError, IndexError) as exc:
            why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            raise InputError(f'cannot resume from {origin}: "{field}" does not fit this run ({why})') from None
    return restore


def build_model(cfg: TrainConfig, num_classes: int, device: torch.device, ckpt: dict | None = None,
                emit: Callable[[ev.Event], None] = lambda e: None, origin: object = "last.ckpt") -> torch.nn.Module:
    """The network with ImageNet, scratch or checkpoint weights, on ``device``: made before the photos are read,
    since a frozen start reads them through its backbone."""
    torch.manual_seed(cfg.seed)
    spec = get_arch(cfg.arch)
    if ckpt is None and cfg.weights == "imagenet":
        emit(ev.Preparing(f"Loading the ImageNet weights of {cfg.arch}"))
    model = spec.build(num_classes, weights=cfg.weights if ckpt is None else "none")
    if ckpt is not None:
        _restorer(ckpt, origin)("model", model.load_state_dict)
    return model.to(device, memory_format=torch.channels_last)


def build_state(cfg: TrainConfig, data: PreparedData, model: torch.nn.Module, device: torch.device, precision: str,
                ckpt: dict | None = None, extended: bool = False, origin: object = "last.ckpt") -> TrainingState:
    """What ``model`` trains on, its optimizer and schedule (fresh, or from the checkpoint it was built from).

    ``extended``: the checkpoint's run gets more epochs ("train N more"), so its finished schedule
    is not restored; a new one covers the added epochs. ``origin``: the checkpoint's file, named
    when one of its states does not fit this run.
    """
    restore = _restorer(ckpt, origin)
    spec = get_arch(cfg.arch)
    if cfg.freeze:
        source = FeatureSource(model, data, cfg, device)
    else:
        source = PixelSource(model, data, cfg, device, precision, spec.mean, spec.std)
    steps = count_steps(len(data.train_idx), cfg.batch_size)
    optimizer = make_optimizer(cfg, source.module, device, getattr(source, "backbone", None))
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    if ckpt is not None and extended:  # a new schedule from the restored optimizer: it sets the rates
        restore("optimizer", optimizer.load_state_dict)
        scheduler = make_scheduler(cfg, optimizer, steps)
    else:  # the order that restores the exact rate of the next step: schedule, optimizer, schedule state
        scheduler = make_scheduler(cfg, optimizer, steps)
        if ckpt is not None:
            restore("optimizer", optimizer.load_state_dict)
            restore("scheduler", scheduler.load_state_dict)
    state = TrainingState(cfg, data, spec, model, source, optimizer, scheduler, scaler, device, precision, steps)
    if ckpt is not None:
        restore("scaler", scaler.load_state_dict)
        state.epoch = int(ckpt["epoch"])
        state.progress = EpochProgress(**ckpt["epoch_state"])
        state.history = list(ckpt["history"])
        state.best = dict(ckpt["best"])
    return state
