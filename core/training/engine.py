"""A training run from start to end, Qt-free: the parts in this package, put together.

``Trainer.run`` reads the photos once (``data.py``), builds the state (``state.py``: model,
what it trains on, optimizer, schedule; fresh or from a checkpoint), then alternates
``train_one_epoch`` and ``finish_epoch`` (``loop.py``) while the recorder (``recorder.py``)
alone writes the run folder. It reports through one callback and stops through one flag.
A run is deterministic given its seed: a run stopped at any batch and resumed continues
exactly where it left off and ends where an uninterrupted run ends.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core import runs
from core.data.augment import cache_side
from core.errors import InputError
from core.failures import describe_failure
from core.hardware import device_label, resolve_device, resolve_precision, setup_backends
from core.training import events as ev
from core.training.config import TrainConfig
from core.training.data import prepare_data
from core.training.loop import finish_epoch, train_one_epoch
from core.training.meta import run_meta
from core.training.recorder import RunRecorder
from core.training.state import build_state

EventFn = Callable[[ev.Event], None]
#: flags that may differ when a run is resumed: the hardware, and how many epochs in all
RESUME_MAY_CHANGE = ("epochs", "device", "precision", "cache_mb")


@dataclass
class Trainer:
    config: TrainConfig
    on_event: EventFn | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    resume_dir: Path | None = None
    checkpoint: dict | None = None  # of resume_dir, read once by ``resume``
    extended: bool = False  # resuming with more epochs than the run had: a new schedule for them

    def stop(self) -> None:
        self.stop_event.set()

    def _emit(self, event: ev.Event) -> None:
        if self.on_event:
            self.on_event(event)

    def run(self) -> ev.Finished:
        """Train to the end (or until stopped); on an error, record and report it, then raise."""
        self.recorder: RunRecorder | None = None
        try:
            return self._run()
        except InterruptedError:  # stopped while decoding or computing features: nothing to save yet
            return self._finish(None, stopped=True)
        except BaseException as exc:
            message = describe_failure(exc)
            if self.recorder is not None:
                self.recorder.failed(message, traceback.format_exc(limit=8))
            self._emit(ev.Failed(str(self.recorder.run_dir) if self.recorder else None, message))
            raise
        finally:
            if self.recorder is not None:
                self.recorder.close()

    def _run(self) -> ev.Finished:
        cfg = self.config.validate()
        if self.resume_dir is not None:  # lock before the long decode: a second resume fails at once
            self.recorder = RunRecorder.reopen(self.resume_dir)
        recorded = self.checkpoint.get("split") if self.checkpoint else None
        device = resolve_device(cfg.device)
        precision = resolve_precision(cfg.precision, device)
        setup_backends(device)

        self._emit(ev.Preparing(f"Reading images in {cfg.data}"))
        data = prepare_data(cfg, progress=lambda d, t: self._emit(
            ev.Preparing(f"Decoding images at {cache_side(cfg.image_size)} px", d, t)),
            should_stop=self.stop_event.is_set, recorded=recorded)
        if data.note:
            self._emit(ev.Preparing(data.note))
        self._emit(ev.Preparing(data.index.summary()))
        state = build_state(cfg, data, device, precision, self.checkpoint, self.extended, self._emit,
                            self.stop_event.is_set)
        if self.recorder is None:
            self.recorder = RunRecorder.create(cfg.out, cfg.name, cfg.arch)
        label = device_label(device, precision)

        def meta() -> dict:
            return run_meta(cfg, data, label, state.history, state.best, "running")

        self.recorder.start(meta())
        self._emit(ev.RunStarted(str(self.recorder.run_dir), label, len(data.train_idx), len(data.val_idx),
                                 data.classes, state.steps_per_epoch, cfg.epochs, state.epoch, data.skipped))
        while state.epoch < cfg.epochs:
            if not train_one_epoch(state, self._emit, self.stop_event.is_set):
                self.recorder.stopped(meta(), state.checkpoint())
                return self._finish(state.best, stopped=True)
            row, is_best = finish_epoch(state)
            self.recorder.epoch_done(meta(), state.history, state.model if is_best else None, state.checkpoint(),
                                     finished=state.epoch == cfg.epochs)
            self._emit(ev.EpochEnd(row["epoch"], cfg.epochs, row["train_loss"], row["train_acc"], row["val_loss"],
                                   row["val_acc"], row["lr"], row["images_per_s"], row["seconds"], is_best))
        return self._finish(state.best, stopped=False)

    def _finish(self, best: dict | None, stopped: bool) -> ev.Finished:
        best = best or {"epoch": None, "val_acc": None}
        run_dir = str(self.recorder.run_dir) if self.recorder is not None else ""
        finished = ev.Finished(run_dir, best["epoch"], best["val_acc"], stopped)
        self._emit(finished)
        return finished


def check_resume_flags(cfg: TrainConfig, given: dict) -> None:
    """A flag given with --resume must agree with the recorded run (except RESUME_MAY_CHANGE)."""
    for name, value in given.items():
        if name in RESUME_MAY_CHANGE or value is None:
            continue
        recorded = getattr(cfg, name, None)
        same = Path(value).expanduser().resolve() == Path(recorded).expanduser().resolve() \
            if name in ("data", "val_dir", "out") and recorded else value == recorded
        if not same:
            flag = {"data": "DATA", "val_dir": "--val"}.get(name, "--" + name.replace("_", "-"))
            raise InputError(f"{flag} {value}: this run was trained with {recorded}; a resumed run keeps its "
                             "settings (only --epochs, --device and --precision may change); start a new run instead")


def resume(run_dir: str | Path, on_event: EventFn | None = None, stop_event: threading.Event | None = None,
           device: str | None = None, precision: str | None = None, epochs: int | None = None,
           given: dict | None = None) -> ev.Finished:
    """Continue a stopped or crashed run from its last.ckpt; ``epochs`` extends it ("train N more").

    Only the hardware and the number of epochs may change (a run started on a GPU can finish
    on a CPU); everything else is part of the run the checkpoint is in the middle of.
    """
    run_dir = Path(run_dir).expanduser()
    if not run_dir.is_dir():
        raise InputError(f"--resume {run_dir}: no such run folder")
    ckpt = runs.load_checkpoint(run_dir)
    cfg = TrainConfig.from_dict(ckpt["config"])
    check_resume_flags(cfg, given or {})
    done, extended = int(ckpt["epoch"]), False
    if epochs is not None and epochs != cfg.epochs:
        if epochs <= done:
            raise InputError(f"--epochs {epochs}: this run has already trained {done} epoch(s); ask for more")
        cfg.epochs, cfg.schedule_from_epoch, extended = epochs, done, True
    elif done >= cfg.epochs:
        runs.load_weights(run_dir)  # a finished run must also have readable weights, or say so
        best = ckpt["best"]
        acc = f"{best['val_acc']:.2%}" if best.get("val_acc") is not None else "n/a"
        raise InputError(f"{run_dir} already finished all {cfg.epochs} epochs (best validation accuracy {acc} at "
                         f"epoch {best.get('epoch')}); to train more: catdog train --resume {run_dir} "
                         f"--epochs {cfg.epochs + 5}")
    cfg.device = device or cfg.device
    cfg.precision = precision or cfg.precision
    trainer = Trainer(cfg, on_event, stop_event or threading.Event(), resume_dir=run_dir, checkpoint=ckpt,
                      extended=extended)
    return trainer.run()
