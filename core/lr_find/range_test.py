"""The learning-rate range test: a few dozen training steps at exponentially growing rates, nothing saved.

The model, the photos (pixels or a frozen backbone's features) and the batch source come from
the very functions a training run uses (``core.training``: plan_data, build_model, photo_reader,
prepare_data, build_state), so the test sees what training with the same settings would see,
for every start (scratch, fine-tune, frozen). Then step k trains at
``start_lr * (end_lr / start_lr) ** (k / (steps - 1))`` (every parameter group at its own
``lr_scale`` of it, as the optimizer of the config would), until the last step, the stop flag,
or the smoothed loss diverging. No run folder, checkpoint or meta.json is written: only the
caches a run would also fill (pixels, features) may be.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core.errors import InputError
from core.lr_find import rules
from core.training import events as ev
from core.training.config import TrainConfig

DEFAULT_STEPS, DEFAULT_START_LR, DEFAULT_END_LR = 100, 1e-7, 10.0


@dataclass
class LrStep:
    """One step of the test, reported as it happens."""

    step: int  # 1-based
    steps: int  # planned
    lr: float
    loss: float  # smoothed
    raw_loss: float


@dataclass
class LrFindResult:
    lrs: list[float]
    losses: list[float]  # smoothed, one per lr
    suggested_lr: float | None  # None only when stopped by the user or with no point at all
    rule: str | None  # rules.VALLEY or rules.STEEPEST
    index: int | None  # of the suggestion in ``lrs``
    planned_steps: int
    diverged: bool  # ended early because the loss exploded
    stopped: bool  # ended early by the stop flag
    seconds: float
    device: str
    num_train: int

    def to_json(self) -> dict:
        """What ``catdog lr-find --json`` prints, and nothing else."""
        return {"suggested_lr": self.suggested_lr, "rule": self.rule, "lrs": self.lrs, "losses": self.losses}


def lr_at(step: int, steps: int, start_lr: float, end_lr: float) -> float:
    """The rate of step ``step`` (0-based): exponential from ``start_lr`` (first) to ``end_lr`` (last)."""
    return start_lr * (end_lr / start_lr) ** (step / max(steps - 1, 1))


def check_range(steps: int, start_lr: float, end_lr: float) -> None:
    if steps < 2:
        raise InputError(f"--steps {steps}: a range test needs at least 2 steps")
    if not (math.isfinite(start_lr) and start_lr > 0):
        raise InputError(f"--start-lr {start_lr:g}: must be a positive number")
    if not (math.isfinite(end_lr) and end_lr > start_lr):
        raise InputError(f"--end-lr {end_lr:g}: must be larger than --start-lr {start_lr:g}")


def find_lr(cfg: TrainConfig, steps: int = DEFAULT_STEPS, start_lr: float = DEFAULT_START_LR,
            end_lr: float = DEFAULT_END_LR, on_event: Callable[[object], None] | None = None,
            stop_event: threading.Event | None = None) -> LrFindResult:
    """Run the range test for ``cfg`` (its lr, epochs, schedule, out and name play no part).

    ``on_event`` gets core.training.events.Preparing while the photos are read, then an LrStep
    per step; ``stop_event`` ends the test at the next step (or while reading) with ``stopped``.
    """
    check_range(steps, start_lr, end_lr)
    stop = stop_event or threading.Event()
    emit = on_event or (lambda e: None)
    t0 = time.perf_counter()
    try:
        state, device = _prepare(cfg.validate(), emit, stop)
    except InterruptedError:
        return LrFindResult([], [], None, None, None, steps, False, True, time.perf_counter() - t0, "", 0)
    lrs, losses, ended = _sweep(state, steps, start_lr, end_lr, emit, stop)
    if not lrs and ended == "diverged":
        raise InputError(f"--start-lr {start_lr:g}: the loss was not a finite number from the first step; "
                         "try a lower --start-lr (or another --precision)")
    stopped = ended == "stopped"
    lr, rule, index = (None, None, None) if stopped or not lrs else rules.suggest(lrs, losses, steps)
    return LrFindResult(lrs, losses, lr, rule, index, steps, ended == "diverged", stopped,
                        time.perf_counter() - t0, device, len(state.data.train_idx))


def _prepare(cfg: TrainConfig, emit, stop: threading.Event):
    """The training state a new run of ``cfg`` would start from, built by the engine's own functions."""
    from core.hardware import device_label, resolve_device, resolve_precision, setup_backends
    from core.models.registry import get_arch
    from core.training.data import plan_data, prepare_data
    from core.training.reading import phase_name, photo_reader
    from core.training.state import build_model, build_state

    device = resolve_device(cfg.device)
    precision = resolve_precision(cfg.precision, device)
    setup_backends(device)
    emit(ev.Preparing(f"Reading images in {cfg.data}"))
    plan = plan_data(cfg)
    if stop.is_set():
        raise InterruptedError("stopped before the photos were read")
    model = build_model(cfg, len(plan.classes), device, None, emit)
    spec = get_arch(cfg.arch)

    def say(line: str) -> None:
        emit(ev.Preparing(line))
    read = photo_reader(cfg, model, spec.mean, spec.std, device, precision, say)
    data = prepare_data(cfg, plan, read, progress=lambda d, t: emit(ev.Preparing(phase_name(cfg), d, t)),
                        should_stop=stop.is_set)
    say(data.index.summary())
    state = build_state(cfg, data, model, device, precision)
    return state, device_label(device, precision)


def _endless_batches(state) -> Iterator[tuple]:
    """The training batches of epoch 0, 1, 2...: as many as the test wants, whatever the folder's size."""
    epoch = 0
    while True:
        yield from state.source.batches(epoch).iterate(0, state.steps_per_epoch)
        epoch += 1


def _sweep(state, steps: int, start_lr: float, end_lr: float, emit, stop: threading.Event):
    """(lrs, smoothed losses, how it ended: "done", "diverged" or "stopped")."""
    import torch
    from torch.nn import functional as F

    from core.training.loop import train_step

    source, optimizer = state.source, state.optimizer
    # the phase the peak lr governs: when fine-tuning, the whole network (backbone at its lr scale), not the first
    # epoch's new head alone, whose rate would be far too high for the backbone
    source.begin_epoch(getattr(source, "head_only_until", 0))
    smoother, best = rules.Smoother(), math.inf
    lrs: list[float] = []
    losses: list[float] = []
    for step, (_, x, y) in zip(range(steps), _endless_batches(state)):
        if stop.is_set():
            return lrs, losses, "stopped"
        lr = lr_at(step, steps, start_lr, end_lr)
        for group in optimizer.param_groups:  # the config's optimizer; each group at its share of the rate
            group["lr"] = lr * group.get("lr_scale", 1.0)
        logits = train_step(source.module, optimizer, state.scaler, x, y, state.device, state.precision,
                            state.cfg.label_smoothing)
        with torch.no_grad():
            loss = float(F.cross_entropy(logits.float(), y))  # plain cross-entropy, as training's curves show
        if not math.isfinite(loss):
            return lrs, losses, "diverged"
        smoothed = smoother.add(loss)
        best = min(best, smoothed)
        lrs.append(lr)
        losses.append(smoothed)
        emit(LrStep(step + 1, steps, lr, smoothed, loss))
        if rules.diverged(smoothed, best):
            return lrs, losses, "diverged"
    return lrs, losses, "done"
