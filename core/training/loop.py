"""One epoch of training and its validation, as plain functions over a TrainingState.

Stopping has one mechanism: ``should_stop`` is checked before every batch; the caller saves.
Batch reports are throttled (a few per second) and fold the device-side running sums into
the epoch's progress only then, so the loop syncs with an accelerator a few times a second;
a loss that became NaN or infinite there ends the run as failed (TrainingDiverged) before
anything of the diverged epoch is saved.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch
from torch.nn import functional as F

from core.errors import RunFailure
from core.hardware import autocast
from core.training import events as ev
from core.training.state import EpochProgress, TrainingState
from core.training.validation import calibration_of

BATCH_EVENT_INTERVAL_S = 0.25


def train_step(model, optimizer, scaler, x: torch.Tensor, y: torch.Tensor, device: torch.device,
               precision: str, label_smoothing: float) -> torch.Tensor:
    """One optimisation step on a normalised batch; returns the logits (for running metrics)."""
    with autocast(device, precision):
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=label_smoothing)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return logits.detach()


class TrainingDiverged(RunFailure, FloatingPointError):
    """The loss became NaN or infinite: the run fails, and its folder keeps what its last good epoch saved."""


def check_finite(state: TrainingState, what: str = "training loss", value: float | None = None) -> None:
    """TrainingDiverged if ``value`` (default: the epoch's running loss) is not a finite number."""
    value = state.progress.loss_sum if value is None else value
    if math.isfinite(value):
        return
    best = state.best.get("epoch")
    kept = f"model.safetensors keeps epoch {best}, its best" if best else "it has no good epoch to keep"
    raise TrainingDiverged(f"the {what} became {value} in epoch {state.epoch + 1} (by step {state.progress.step} of "
                           f"{state.steps_per_epoch}); {kept}; start a new run with a lower --lr than {state.cfg.lr:g}")


def _fold(p: EpochProgress, loss_acc, correct_acc, seen: int, t_last: float) -> None:
    p.loss_sum += float(loss_acc)
    p.correct += int(correct_acc)
    p.seen += seen
    p.train_seconds += time.perf_counter() - t_last


def train_one_epoch(state: TrainingState, emit: Callable[[ev.Event], None], should_stop: Callable[[], bool],
                    report_every_s: float | None = None) -> bool:
    """Train epoch ``state.epoch`` from ``state.progress.step``; False when ``should_stop`` ended it early."""
    cfg, device, p, steps = state.cfg, state.device, state.progress, state.steps_per_epoch
    interval = BATCH_EVENT_INTERVAL_S if report_every_s is None else report_every_s
    state.source.begin_epoch(state.epoch)
    total_steps = steps * cfg.epochs
    loss_acc = torch.zeros((), device=device)
    correct_acc = torch.zeros((), device=device, dtype=torch.long)
    seen_since, last_emit, t_last = 0, 0.0, time.perf_counter()
    module = state.world.wrap(state.source.module, device)  # itself on one process, DDP on several
    for idx, x, y in state.source.batches(state.epoch).iterate(p.step, steps):
        if should_stop():
            _fold(p, loss_acc, correct_acc, seen_since, t_last)
            return False  # the caller checks the loss (after summing it over processes) and saves
        logits = train_step(module, state.optimizer, state.scaler, x, y, device, state.precision,
                            cfg.label_smoothing)
        state.scheduler.step()
        with torch.no_grad():
            logits = logits.float()
            loss_acc += F.cross_entropy(logits, y, reduction="sum")  # plain CE, comparable with val loss
            correct_acc += (logits.argmax(1) == (y.argmax(1) if y.ndim > 1 else y)).sum()  # MixUp: the larger share
        seen_since += len(idx)
        p.step += 1
        now = time.perf_counter()
        if now - last_emit >= interval or p.step == steps:
            _fold(p, loss_acc, correct_acc, seen_since, t_last)
            if not state.world.active:  # several processes check where their sums agree (finish_epoch, a stop)
                check_finite(state)
            loss_acc.zero_()
            correct_acc.zero_()
            seen_since, t_last = 0, time.perf_counter()
            last_emit = t_last
            ips = p.seen / max(p.train_seconds, 1e-9)
            done = state.epoch * steps + p.step
            emit(ev.BatchEnd(state.epoch + 1, p.step, steps, done, total_steps, p.loss_sum / p.seen,
                             p.correct / p.seen, state.optimizer.param_groups[0]["lr"], ips * state.world.size,
                             (total_steps - done) * cfg.batch_size / max(ips, 1e-9)))
    return True


def improves(val_acc: float, val_loss: float, best: dict) -> bool:
    """Best by validation accuracy; on a tie, the lower validation loss. A few hundred validation photos
    give the same accuracy to many epochs: keeping the first of them kept a frozen head from its third
    epoch of ten (still at the one-cycle's peak learning rate), which cost accuracy on new photos."""
    if best.get("val_acc") is None or val_acc > best["val_acc"]:
        return True
    return val_acc == best["val_acc"] and val_loss < best.get("val_loss", float("inf"))


def finish_epoch(state: TrainingState) -> tuple[dict, bool]:
    """Validate, append the epoch's row to the history; True if it is the best epoch so far."""
    t_val = time.perf_counter()
    world, p = state.world, state.progress
    world.reduce_progress(p)  # several processes: the sums of all, the same on each
    world.sync_buffers(state.model)  # each validates its share with the very model rank 0 saves
    val_loss, val_acc, logits = state.source.evaluate()
    val_loss, val_acc = world.mean(val_loss, val_acc, n=len(state.data.val_idx))
    check_finite(state)
    check_finite(state, "validation loss", val_loss)  # the last step may have left NaN weights
    row = {
        "epoch": state.epoch + 1,
        "train_loss": p.loss_sum / max(p.seen, 1),
        "train_acc": p.correct / max(p.seen, 1),
        "val_loss": val_loss,
        "val_acc": val_acc,
        "lr": state.optimizer.param_groups[0]["lr"],
        "images_per_s": p.seen / max(p.train_seconds, 1e-9),
        "seconds": p.train_seconds + (time.perf_counter() - t_val),
    }
    state.history.append(row)
    is_best = improves(val_acc, val_loss, state.best)
    shares = world.gather((logits.numpy(), state.data.labels[state.data.val_idx]))  # every process takes part
    if is_best:  # the calibration belongs to the weights model.safetensors keeps: the best epoch's
        state.best = {"epoch": state.epoch + 1, "val_acc": val_acc, "val_loss": val_loss,
                      "calibration": calibration_of(shares)}
    state.epoch += 1
    state.progress = EpochProgress()
    return row, is_best
