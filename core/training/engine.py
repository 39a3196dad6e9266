"""The training loop: Qt-free, reporting through one callback, stoppable, resumable.

A run is deterministic given its seed: each epoch's shuffle and each batch's crops come
from generators seeded by (seed, epoch, step). So a run stopped at any batch and resumed
from last.ckpt continues exactly where it left off, and ends where an uninterrupted run
with the same seed ends.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch.nn import functional as F

from core import runs
from core.data.augment import IMAGENET_MEAN, IMAGENET_STD, cache_side, eval_batch
from core.errors import InputError
from core.hardware import autocast, device_label, resolve_device, resolve_precision, setup_backends
from core.inference import batch_probs
from core.models.registry import build_model
from core.training import events as ev
from core.training.batches import EpochBatches
from core.training.config import TrainConfig
from core.training.data import PreparedData, prepare_data
from core.training.optim import make_optimizer, make_scheduler

EventFn = Callable[[ev.Event], None]
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


def _steps_per_epoch(n: int, batch_size: int) -> int:
    """Batches per epoch; a last batch of a single image is dropped (BatchNorm cannot train on one)."""
    steps = math.ceil(n / batch_size)
    return max(1, steps - 1) if n % batch_size == 1 and n > 1 else steps


@dataclass
class _EpochState:
    """Running sums of the epoch in progress (kept in the checkpoint for mid-epoch resume)."""

    step: int = 0
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    train_seconds: float = 0.0


@dataclass
class Trainer:
    config: TrainConfig
    on_event: EventFn | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    resume_dir: Path | None = None

    def stop(self) -> None:
        self.stop_event.set()

    def _emit(self, event: ev.Event) -> None:
        if self.on_event:
            self.on_event(event)

    # -- set-up -----------------------------------------------------------------------
    def run(self) -> ev.Finished:
        """Train to the end (or until stopped); raise on error after reporting Failed."""
        self.run_dir: Path | None = self.resume_dir
        try:
            return self._run()
        except InterruptedError:
            finished = ev.Finished(str(self.run_dir) if self.run_dir else "", None, None, stopped=True)
            self._emit(finished)
            return finished
        except BaseException as exc:
            message = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower():
                message = f"out of memory: try a smaller --batch-size or --image-size ({exc})"
            if self.run_dir is not None and (self.run_dir / runs.META_FILE).exists():
                meta = runs.read_meta(self.run_dir)
                meta.update(status="failed", error=message, traceback=traceback.format_exc(limit=8))
                runs.write_meta(self.run_dir, meta)
            self._emit(ev.Failed(str(self.run_dir) if self.run_dir else None, message))
            raise

    def _run(self) -> ev.Finished:
        cfg = self.config.validate()
        ckpt = runs.load_checkpoint(self.resume_dir) if self.resume_dir else None
        device = resolve_device(cfg.device)
        precision = resolve_precision(cfg.precision, device)
        setup_backends(device)

        self._emit(ev.Preparing(f"Reading images in {cfg.data}"))
        data = prepare_data(cfg, progress=lambda d, t: self._emit(
            ev.Preparing(f"Decoding images at {cache_side(cfg.image_size)} px", d, t)),
            should_stop=self.stop_event.is_set)
        self._emit(ev.Preparing(data.index.summary()))

        torch.manual_seed(cfg.seed)
        model = build_model(cfg.arch, len(data.classes), pretrained=cfg.pretrained and ckpt is None)
        model = model.to(device, memory_format=torch.channels_last)
        steps_per_epoch = _steps_per_epoch(len(data.train_idx), cfg.batch_size)
        optimizer = make_optimizer(cfg, model, device)
        scheduler = make_scheduler(cfg, optimizer, steps_per_epoch)
        scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")

        history: list[dict] = []
        start_epoch, epoch_state, best = 0, _EpochState(), {"epoch": None, "val_acc": None}
        if ckpt is None:
            self.run_dir = runs.new_run_dir(cfg.out, cfg.name, cfg.arch)
        else:
            model.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
            scaler.load_state_dict(ckpt["scaler"])
            history = list(ckpt["history"])
            start_epoch = int(ckpt["epoch"])
            epoch_state = _EpochState(**ckpt["epoch_state"])
            best = dict(ckpt["best"])
        label = device_label(device, precision)
        meta = self._meta(cfg, data, label, history, best, status="running")
        if ckpt is not None:
            previous = runs.read_meta(self.run_dir)
            meta["created"] = previous.get("created", meta["created"])
            meta["resumed"] = previous.get("resumed", 0) + 1
        runs.write_meta(self.run_dir, meta)

        self._emit(ev.RunStarted(str(self.run_dir), label, len(data.train_idx), len(data.val_idx), data.classes,
                                 steps_per_epoch, cfg.epochs, start_epoch, data.skipped))
        ctx = dict(cfg=cfg, data=data, model=model, optimizer=optimizer, scheduler=scheduler, scaler=scaler,
                   device=device, precision=precision, steps=steps_per_epoch)

        for epoch in range(start_epoch, cfg.epochs):
            state = epoch_state if epoch == start_epoch else _EpochState()
            completed = self._train_epoch(epoch, state, ctx)
            if not completed:
                self._checkpoint(ctx, epoch, state, history, best)
                meta.update(self._meta(cfg, data, label, history, best, status="stopped"))
                runs.write_meta(self.run_dir, meta)
                return self._finish(best, stopped=True)
            t_val = time.perf_counter()
            val_loss, val_acc = self.evaluate(model, data, cfg, device, precision)
            row = {
                "epoch": epoch + 1,
                "train_loss": state.loss_sum / max(state.seen, 1),
                "train_acc": state.correct / max(state.seen, 1),
                "val_loss": val_loss,
                "val_acc": val_acc,
                "lr": optimizer.param_groups[0]["lr"],
                "images_per_s": state.seen / max(state.train_seconds, 1e-9),
                "seconds": state.train_seconds + (time.perf_counter() - t_val),
            }
            history.append(row)
            is_best = best["val_acc"] is None or val_acc > best["val_acc"]
            if is_best:
                best = {"epoch": epoch + 1, "val_acc": val_acc}
                runs.save_model(self.run_dir, model, {"arch": cfg.arch, "classes": ",".join(data.classes)})
            runs.write_metrics(self.run_dir, history)
            path = self._checkpoint(ctx, epoch + 1, _EpochState(), history, best)
            status = "finished" if epoch + 1 == cfg.epochs else "running"
            meta.update(self._meta(cfg, data, label, history, best, status=status))
            runs.write_meta(self.run_dir, meta)
            self._emit(ev.EpochEnd(epoch + 1, cfg.epochs, row["train_loss"], row["train_acc"], val_loss, val_acc,
                                   row["lr"], row["images_per_s"], row["seconds"], is_best))
            self._emit(ev.CheckpointSaved(str(path), epoch + 1))
        return self._finish(best, stopped=False)

    def _finish(self, best: dict, stopped: bool) -> ev.Finished:
        finished = ev.Finished(str(self.run_dir), best["epoch"], best["val_acc"], stopped)
        self._emit(finished)
        return finished

    # -- the loop -----------------------------------------------------------------------
    def _train_epoch(self, epoch: int, state: _EpochState, ctx: dict) -> bool:
        """Train one epoch from ``state.step``; False if the stop flag ended it early."""
        cfg, data, model, device = ctx["cfg"], ctx["data"], ctx["model"], ctx["device"]
        optimizer, scheduler, scaler, precision, steps = (ctx["optimizer"], ctx["scheduler"], ctx["scaler"],
                                                          ctx["precision"], ctx["steps"])
        model.train()
        batches = EpochBatches(data.cache.pixels, data.labels, data.train_idx, seed=cfg.seed, epoch=epoch,
                               batch_size=cfg.batch_size, image_size=cfg.image_size, device=device)
        bs = cfg.batch_size
        total_steps = steps * cfg.epochs
        last_emit = 0.0
        loss_acc = torch.zeros((), device=device)
        correct_acc = torch.zeros((), device=device, dtype=torch.long)
        seen_since = 0
        t_last = time.perf_counter()
        for idx, x, y in batches.iterate(state.step, steps):
            if self.stop_event.is_set():
                self._fold(state, loss_acc, correct_acc, seen_since, t_last)
                return False
            logits = train_step(model, optimizer, scaler, x, y, device, precision, cfg.label_smoothing)
            scheduler.step()
            with torch.no_grad():
                logits = logits.float()
                loss_acc += F.cross_entropy(logits, y, reduction="sum")  # plain CE, comparable with val loss
                correct_acc += (logits.argmax(1) == y).sum()
            seen_since += len(idx)
            state.step += 1
            now = time.perf_counter()
            if now - last_emit >= BATCH_EVENT_INTERVAL_S or state.step == steps:
                self._fold(state, loss_acc, correct_acc, seen_since, t_last)
                loss_acc.zero_(); correct_acc.zero_(); seen_since = 0  # noqa: E702
                t_last = time.perf_counter()
                last_emit = t_last
                ips = state.seen / max(state.train_seconds, 1e-9)
                done = epoch * steps + state.step
                eta = (total_steps - done) * bs / max(ips, 1e-9)
                self._emit(ev.BatchEnd(epoch + 1, state.step, steps, done, total_steps, state.loss_sum / state.seen,
                                       state.correct / state.seen, optimizer.param_groups[0]["lr"], ips, eta))
        return True

    @staticmethod
    def _fold(state: _EpochState, loss_acc, correct_acc, seen: int, t_last: float) -> None:
        """Move device-side running sums into the epoch state (one host sync per report)."""
        state.loss_sum += float(loss_acc)
        state.correct += int(correct_acc)
        state.seen += seen
        state.train_seconds += time.perf_counter() - t_last

    @staticmethod
    def evaluate(model, data: PreparedData, cfg: TrainConfig, device, precision) -> tuple[float, float]:
        """Validation loss (plain cross-entropy) and accuracy on centre crops."""
        model.eval()
        loss_sum, correct = 0.0, 0
        bs = cfg.batch_size * 2
        for start in range(0, len(data.val_idx), bs):
            idx = data.val_idx[start:start + bs]
            x = eval_batch(torch.from_numpy(data.cache.pixels[idx]), cfg.image_size)
            probs = batch_probs(model, x, device, precision)
            y = torch.from_numpy(data.labels[idx])
            loss_sum += float(F.nll_loss(torch.log(probs.clamp_min(1e-12)), y, reduction="sum"))
            correct += int((probs.argmax(1) == y).sum())
        model.train()
        n = len(data.val_idx)
        return loss_sum / n, correct / n

    # -- persistence -------------------------------------------------------------------
    def _checkpoint(self, ctx: dict, epoch: int, state: _EpochState, history: list, best: dict) -> Path:
        return runs.save_checkpoint(self.run_dir, {
            "model": ctx["model"].state_dict(),
            "optimizer": ctx["optimizer"].state_dict(),
            "scheduler": ctx["scheduler"].state_dict(),
            "scaler": ctx["scaler"].state_dict(),
            "epoch": epoch,  # epochs fully done; state.step batches of the next one are done too
            "epoch_state": vars(state).copy(),
            "history": history,
            "best": best,
            "config": self.config.to_dict(),
        })

    def _meta(self, cfg: TrainConfig, data: PreparedData, device: str, history, best, status: str) -> dict:
        return {
            "arch": cfg.arch,
            "classes": data.classes,
            "num_classes": len(data.classes),
            "image_size": cfg.image_size,
            "resize": cache_side(cfg.image_size),
            "normalization": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)},
            "config": cfg.to_dict(),
            "data": {"root": str(data.index.root), "layout": data.index.layout,
                     "train_images": int(len(data.train_idx)), "val_images": int(len(data.val_idx)),
                     "per_class": data.index.counts()},
            "skipped": [{"file": f, "reason": r} for f, r in data.skipped],
            "device": device,
            "epochs_done": len(history),
            "metrics": history,
            "best_epoch": best["epoch"],
            "best_val_acc": best["val_acc"],
            "status": status,
            "versions": runs.library_versions(),
            "created": runs.now_iso(),
            "updated": runs.now_iso(),
        }


def resume(run_dir: str | Path, on_event: EventFn | None = None, stop_event: threading.Event | None = None,
           device: str | None = None, precision: str | None = None) -> ev.Finished:
    """Continue a stopped or crashed run from its last.ckpt, with its own config.

    Only the hardware may change (a run started on a GPU can finish on a CPU); epochs, batch
    size and learning rate are part of the schedule the checkpoint is in the middle of.
    """
    run_dir = Path(run_dir).expanduser()
    ckpt = runs.load_checkpoint(run_dir)
    cfg = TrainConfig.from_dict(ckpt["config"])
    cfg.device = device or cfg.device
    cfg.precision = precision or cfg.precision
    if int(ckpt["epoch"]) >= cfg.epochs:
        raise InputError(f"{run_dir} already finished all {cfg.epochs} epochs; nothing to resume")
    trainer = Trainer(cfg, on_event, stop_event or threading.Event(), resume_dir=run_dir)
    return trainer.run()
