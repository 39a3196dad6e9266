"""A training run from start to end, Qt-free: the parts in this package, put together.

``Trainer.run`` plans the photos and their split (``data.py``), has the recorder
(``recorder.py``) make the run folder, whole and resumable, before the photos are decoded
once, builds the state (``state.py``: model, what it trains on, optimizer, schedule; fresh or
from a checkpoint), then alternates ``train_one_epoch`` and ``finish_epoch`` (``loop.py``)
while the recorder alone writes the run folder. It reports through one callback and stops
through one flag. A run is deterministic given its seed: a run stopped or killed at any
moment and resumed continues where its last checkpoint left off (or from scratch, if none
was trained yet) and ends where an uninterrupted run ends.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError
from core.failures import describe_failure
from core.hardware import device_label, resolve_device, resolve_precision, setup_backends
from core.models.registry import get_arch
from core.runs import store
from core.runs.layout import CHECKPOINT_FILE, FROZEN
from core.training import events as ev
from core.training.checkpoint import check_checkpoint, has_trained, not_started
from core.training.config import TrainConfig
from core.training.data import plan_data, prepare_data
from core.training.distributed import SINGLE, World
from core.training.loop import check_finite, finish_epoch, train_one_epoch
from core.training.reading import phase_name, photo_reader
from core.training.recorder import RunRecorder, SilentRecorder
from core.training.run_meta import run_meta
from core.training.state import build_model, build_state

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
    world: World = field(default_factory=World)  # processes under torchrun (distributed.py); rank 0 records

    def stop(self) -> None:
        self.stop_event.set()

    def _emit(self, event: ev.Event) -> None:
        if self.on_event and self.world.is_main:
            self.on_event(event)

    def _recorder(self, make: Callable[[], RunRecorder]) -> RunRecorder:
        """Rank 0 owns the run folder (its lock and files); the other processes write nothing."""
        made = self.world.on_main(make, share=False)
        return made if self.world.is_main else SilentRecorder(self.resume_dir or "")

    def run(self) -> ev.Finished:
        """Train to the end (or until stopped); on an error, record and report it, then raise."""
        self.recorder: RunRecorder | None = None
        try:
            return self._run()
        except InterruptedError:  # stopped while decoding or computing features: "stopped", resumable as it was
            if self.recorder is not None:
                self.recorder.interrupted()
            return self._finish(None, stopped=True)
        except BaseException as exc:
            message = self.world.explain(describe_failure(exc))
            if self.recorder is not None:
                if isinstance(exc, InputError):
                    self.recorder.discard()  # a new run whose photos cannot train leaves no folder behind
                self.recorder.failed(message, traceback.format_exc(limit=8))
            kept = self.recorder is not None and self.recorder.run_dir.is_dir()
            self._emit(ev.Failed(str(self.recorder.run_dir) if kept else None, message))
            if message != describe_failure(exc):  # a peer's failure, told as such
                raise RuntimeError(message) from exc
            raise
        finally:
            if self.recorder is not None:
                self.recorder.close()

    def _stop_here(self) -> None:
        """InterruptedError on every process if the stop flag is set on one (before anything is written)."""
        def check() -> None:
            if self.stop_event.is_set():
                raise InterruptedError("stopped before the run began")
        self.world.together(check)

    def _run(self) -> ev.Finished:
        cfg, world = self.config.validate(), self.world
        if self.resume_dir is not None:  # lock before the long decode: a second resume fails at once
            self.recorder = self._recorder(lambda: RunRecorder.reopen(self.resume_dir))
        recorded = self.checkpoint.get("split") if self.checkpoint else None
        device = world.device(resolve_device(cfg.device))
        precision = resolve_precision(cfg.precision, device)
        setup_backends(device)
        label = device_label(device, precision) + (f" · {world.size} processes" if world.active else "")

        self._emit(ev.Preparing(f"Reading images in {cfg.data}"))
        plan = plan_data(cfg, recorded)
        if plan.corrections_line:
            self._emit(ev.Preparing(plan.corrections_line))
        self._stop_here()
        if self.recorder is None:  # the folder, whole, before the long decode: from here on a kill leaves a run
            first = run_meta(cfg, plan, label, [], {"epoch": None, "val_acc": None}, "running", world.size)
            self.recorder = self._recorder(lambda: RunRecorder.create(cfg.out, cfg.name, cfg.arch, first,
                                                                      not_started(cfg, plan.split, world.size)))
        trained = self.checkpoint if has_trained(self.checkpoint) else None  # not started: from scratch
        origin = Path(self.resume_dir or ".") / CHECKPOINT_FILE
        model = world.together(lambda: build_model(cfg, len(plan.classes), device, trained, self._emit, origin))
        spec = get_arch(cfg.arch)

        def say(line: str) -> None:
            self._emit(ev.Preparing(line))
        read = photo_reader(cfg, model, spec.mean, spec.std, device, precision, say)
        data = prepare_data(cfg, plan, read, progress=lambda d, t: self._emit(ev.Preparing(phase_name(cfg), d, t)),
                            should_stop=self.stop_event.is_set, world=world)
        if data.note:
            say(data.note)
        say(data.index.summary())
        state = world.together(lambda: build_state(cfg, data, model, device, precision, trained, self.extended, origin))
        state.world = world
        world.resumed_progress(state.progress)

        def meta() -> dict:
            return run_meta(cfg, data, label, state.history, state.best, "running", world.size)

        self.recorder.start(meta())
        self._emit(ev.RunStarted(str(self.recorder.run_dir), label, data.num_train, data.num_val,
                                 data.classes, state.steps_per_epoch, cfg.epochs, state.epoch, data.skipped))
        should_stop = world.agreed(self.stop_event.is_set)  # several processes stop at the same batch
        speeds: list[tuple[float, float]] = []  # (training, validation) images/s of this session's epochs
        try:
            while state.epoch < cfg.epochs:
                if not train_one_epoch(state, self._emit, should_stop):
                    world.reduce_progress(state.progress)  # the checkpoint holds the sums of all processes
                    check_finite(state)  # a diverged state is not saved over the last good one
                    self.recorder.stopped(meta(), state.checkpoint())
                    return self._finish(state.best, stopped=True)
                t_val = time.perf_counter()
                row, is_best = finish_epoch(state)
                speeds.append((row["images_per_s"], data.num_val / max(time.perf_counter() - t_val, 1e-9)))
                self.recorder.epoch_done(meta(), state.history, state.model if is_best else None,
                                         state.checkpoint(), finished=state.epoch == cfg.epochs)
                self._emit(ev.EpochEnd(row["epoch"], cfg.epochs, row["train_loss"], row["train_acc"],
                                       row["val_loss"], row["val_acc"], row["lr"], row["images_per_s"],
                                       row["seconds"], is_best))
            return self._finish(state.best, stopped=False)
        finally:
            self._learn_speed(cfg, device, precision, speeds)

    def _learn_speed(self, cfg: TrainConfig, device, precision: str, speeds: list[tuple[float, float]]) -> None:
        """The next time estimate for this architecture, size and batch uses the speed this run had here.

        Not from a frozen start (its epochs train a head on features: not what an estimate times)
        nor from several processes (their speed is not one device's).
        """
        if not speeds or cfg.start == FROZEN or self.world.active:
            return
        from core.planning.duration import learn_from_run

        try:
            learn_from_run(cfg.arch, cfg.image_size, cfg.batch_size, device.type, precision,
                           [s[0] for s in speeds], [s[1] for s in speeds])
        except (OSError, ImportError, ValueError):
            pass  # an estimate is a convenience: never the reason a run fails, nor what hides its error

    def _finish(self, best: dict | None, stopped: bool) -> ev.Finished:
        best = best or {"epoch": None, "val_acc": None}
        run_dir = str(self.recorder.run_dir) if self.recorder is not None else ""
        finished = ev.Finished(run_dir, best["epoch"], best["val_acc"], stopped, best.get("calibration"))
        self._emit(finished)
        return finished


def check_resume_flags(cfg: TrainConfig, given: dict) -> None:
    """A flag given with --resume must agree with the recorded run (except RESUME_MAY_CHANGE)."""
    for name, value in given.items():
        if name in RESUME_MAY_CHANGE or value is None:
            continue
        recorded = getattr(cfg, name, None)
        same = Path(value).expanduser().resolve() == Path(recorded).expanduser().resolve() \
            if name in ("data", "val_dir", "out", "corrections") and recorded else value == recorded
        if not same and name == "use_corrections":
            raise InputError("--no-corrections: this run was started without it (applying DATA's corrections file when "
                             "present); a resumed run keeps its settings; start a new run instead")
        if not same:
            flag = {"data": "DATA", "val_dir": "--val"}.get(name, "--" + name.replace("_", "-"))
            raise InputError(f"{flag} {value}: this run was trained with {recorded}; a resumed run keeps its "
                             "settings (only --epochs, --device and --precision may change); start a new run instead")


def resume(run_dir: str | Path, on_event: EventFn | None = None, stop_event: threading.Event | None = None,
           device: str | None = None, precision: str | None = None, epochs: int | None = None,
           given: dict | None = None, world: World = SINGLE) -> ev.Finished:
    """Continue a stopped or crashed run from its last.ckpt; ``epochs`` extends it ("train N more").

    Only the hardware and the number of epochs may change (a run started on a GPU can finish
    on a CPU); everything else is part of the run the checkpoint is in the middle of. Under
    torchrun, rank 0 reads the checkpoint and hands it to the others (their machines need
    only the photos, not the run folder).
    """
    run_dir = Path(run_dir).expanduser()
    cfg, ckpt, extended = world.on_main(lambda: _read_resume(run_dir, epochs, given or {}, world.size))
    cfg.device = device or cfg.device
    cfg.precision = precision or cfg.precision
    trainer = Trainer(cfg, on_event, stop_event or threading.Event(), resume_dir=run_dir, checkpoint=ckpt,
                      extended=extended, world=world)
    return trainer.run()


def _read_resume(run_dir: Path, epochs: int | None, given: dict, world_size: int) -> tuple[TrainConfig, dict, bool]:
    """The run's config and checkpoint, checked against the flags given; True when ``epochs`` extends it."""
    if not run_dir.is_dir():
        raise InputError(f"--resume {run_dir}: no such run folder")
    ckpt = store.load_checkpoint(run_dir)
    cfg = check_checkpoint(ckpt, run_dir / CHECKPOINT_FILE)
    check_resume_flags(cfg, given)
    if not has_trained(ckpt):  # stopped or killed before its first batch: it starts from scratch, as planned
        cfg.epochs = epochs or cfg.epochs
        return cfg, ckpt, False
    done, extended = ckpt["epoch"], False
    if epochs is not None and epochs != cfg.epochs:
        if epochs <= done:
            raise InputError(f"--epochs {epochs}: this run has already trained {done} epoch(s); ask for more")
        cfg.epochs, cfg.schedule_from_epoch, extended = epochs, done, True
    elif done >= cfg.epochs:
        store.load_weights(run_dir)  # a finished run must also have readable weights, or say so
        best = ckpt["best"]
        acc = f"{best['val_acc']:.2%}" if best.get("val_acc") is not None else "n/a"
        raise InputError(f"{run_dir} already finished all {cfg.epochs} epochs (best validation accuracy {acc} at "
                         f"epoch {best.get('epoch')}); to train more: catdog train --resume {run_dir} "
                         f"--epochs {cfg.epochs + 5}")
    trained_by = int(ckpt.get("world_size", 1))
    if trained_by != world_size and not (extended and ckpt["epoch_state"]["step"] == 0):
        raise InputError(f"--resume {run_dir}: this run was trained by {trained_by} process(es), not {world_size}; "
                         "its steps per epoch depend on that, so resume it with as many (to train it further with "
                         "another number after a whole epoch, give --epochs N)")
    return cfg, ckpt, extended
