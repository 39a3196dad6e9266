"""``catdog train``: its flags, stopping on Ctrl-C, SIGTERM or SIGHUP, and console output (one line per epoch)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from core.cli.checks import positive_int
from core.cli.progress import ProgressLines
from core.training import events as ev
from core.utils.formatting import format_duration


class ConsoleReporter:
    """Prints engine events; progress live on a terminal, else a line every 10% or 30 s (core.cli.progress)."""

    def __init__(self, stream: TextIO | None = None, resume_command: str = "catdog train --resume") -> None:
        self.out = stream or sys.stdout
        self.resume_command = resume_command
        self.progress = ProgressLines(self.out)
        self._phase_start: dict[str, float] = {}

    def _line(self, text: str) -> None:
        self.progress.clear()
        print(text, file=self.out, flush=True)

    def __call__(self, e: ev.Event) -> None:
        if isinstance(e, ev.Preparing):
            if e.total and e.done == e.total:
                took = time.monotonic() - self._phase_start.pop(e.message, time.monotonic())
                self._line(f"{e.message}: {e.total:,} done" + (f" in {format_duration(took)}" if took >= 1 else ""))
            elif e.total:
                self._phase_start.setdefault(e.message, time.monotonic())
                self.progress.update(e.message, e.done, e.total)
            else:
                self._line(e.message)
        elif isinstance(e, ev.RunStarted):
            start = f", resuming at epoch {e.start_epoch + 1}" if e.start_epoch else ""
            self._line(f"run {e.run_dir} on {e.device}{start}")
            self._line(f"classes {', '.join(e.classes)}: {e.num_train} train / {e.num_val} validation images, "
                       f"{e.steps_per_epoch} steps per epoch")
            if e.skipped:
                self._line(f"skipped {len(e.skipped)} file(s):")
                for f, reason in e.skipped:
                    self._line(f"  {f}: {reason}")
        elif isinstance(e, ev.BatchEnd):
            self.progress.update(f"epoch {e.epoch}", e.step, e.steps, text=(
                f"epoch {e.epoch} step {e.step}/{e.steps}  loss {e.loss:.4f}  acc {e.acc:.2%}  "
                f"{e.images_per_s:.1f} img/s  ETA {format_duration(e.eta_s)}"), final=False)
        elif isinstance(e, ev.EpochEnd):
            mark = "  *best" if e.is_best else ""
            self._line(f"epoch {e.epoch:>3}/{e.epochs}  train loss {e.train_loss:.4f} acc {e.train_acc:.2%}  "
                       f"val loss {e.val_loss:.4f} acc {e.val_acc:.2%}  lr {e.lr:.2e}  "
                       f"{e.images_per_s:.1f} img/s  {e.seconds:.1f}s{mark}")
        elif isinstance(e, ev.Finished):
            if e.stopped:
                self._line(f"stopped; resume with: {self.resume_command} {e.run_dir}" if e.run_dir else "stopped")
            else:
                acc = f"{e.best_val_acc:.2%}" if e.best_val_acc is not None else "n/a"
                self._line(f"done: {e.run_dir}  best validation accuracy {acc} (epoch {e.best_epoch})")
                if e.calibration:
                    from core.calibration.temperature import describe

                    self._line(describe(e.calibration))
        # ev.Failed is not printed: the command line reports the exception itself, once.


#: command-line flag (argparse dest) -> TrainConfig field
FLAG_FIELDS = {
    "data": "data", "arch": "arch", "epochs": "epochs", "batch_size": "batch_size", "lr": "lr",
    "image_size": "image_size", "val_split": "val_split", "val": "val_dir", "weights": "weights",
    "freeze": "freeze", "optimizer": "optimizer", "weight_decay": "weight_decay", "schedule": "schedule",
    "label_smoothing": "label_smoothing", "device": "device", "precision": "precision", "seed": "seed",
    "out": "out", "name": "name", "cache_mb": "cache_mb", "corrections": "corrections",
    "use_corrections": "use_corrections", "augment": "augment", "mixup": "mixup", "cutmix": "cutmix",
}


def add_train_parser(sub) -> None:
    """``catdog train``: every default is TrainConfig's (flags left out stay None, so --resume sees what was given)."""
    from core.data.augment_choices import AUGMENTS
    from core.data.corrections import FILE_NAME
    from core.hardware import DEVICES, PRECISIONS
    from core.models.registry import ARCHS
    from core.training.config import OPTIMIZERS, SCHEDULES, TrainConfig

    d = TrainConfig()
    p = sub.add_parser("train", help="train a model on a folder of photos; writes a run folder",
                       description="Train on DATA (cat.N.jpg/dog.N.jpg files or one sub-folder per class).")
    p.add_argument("data", nargs="?", metavar="DATA", help="training folder")
    p.add_argument("--arch", choices=list(ARCHS), metavar="ARCH",
                   help=f"architecture (default {d.arch}): {', '.join(ARCHS)}")
    p.add_argument("--epochs", type=positive_int, help=f"default {d.epochs}; with --resume: extend the run to N")
    p.add_argument("--batch-size", type=positive_int, help=f"default {d.batch_size}")
    p.add_argument("--lr", type=float, help=f"peak learning rate (default {d.lr:g})")
    p.add_argument("--image-size", type=positive_int,
                   help="input size in px (default: the architecture's own, 224 for most; see catdog archs)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--val-split", type=float, help=f"validation share, stratified (default {d.val_split})")
    g.add_argument("--val", metavar="DIR", help="a separate validation folder")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--corrections", metavar="FILE",
                   help=f"decisions to apply (path,action,label rows; default: DATA/{FILE_NAME} when present); "
                        "the photos are never changed")
    g.add_argument("--no-corrections", dest="use_corrections", action="store_false", default=None,
                   help=f"ignore DATA/{FILE_NAME}: train on the folder's labels as they are")
    p.add_argument("--weights", choices=("imagenet", "none"),
                   help="imagenet: start from ImageNet weights (installed for efficientnet_lite0/1/2, downloaded "
                        f"once for the ResNet families); none: from scratch (default {d.weights})")
    p.add_argument("--pretrained", dest="weights", action="store_const", const="imagenet",
                   help="the same as --weights imagenet")
    p.add_argument("--freeze", action="store_true", default=None,
                   help="with --weights imagenet: train only a new head on the frozen backbone's features "
                        "(computed once; the fastest road to a good model on a CPU)")
    frozen = "refused with --freeze, whose head trains on the centre crop and its mirror only"
    p.add_argument("--augment", metavar="POLICY",  # checked by TrainConfig: a wrong one is one line, not a usage
                   help=f"training augmentation, one of {', '.join(AUGMENTS)} (default {d.augment}; {frozen}): "
                        + "; ".join(f"{k}: {v}" for k, v in AUGMENTS.items()).replace("%", "%%"))
    p.add_argument("--mixup", type=float, metavar="ALPHA",
                   help=f"MixUp: blend pairs of photos and their labels, weight ~ Beta(ALPHA, ALPHA); 0.2 is usual "
                        f"(default {d.mixup:g}: off; {frozen})")
    p.add_argument("--cutmix", type=float, metavar="ALPHA",
                   help=f"CutMix: paste a box of one photo into another, labels by area, ~ Beta(ALPHA, ALPHA); 1.0 is "
                        f"usual (default {d.cutmix:g}: off; with --mixup too, one of them per batch; {frozen})")
    p.add_argument("--optimizer", choices=OPTIMIZERS, help=f"default {d.optimizer}")
    p.add_argument("--weight-decay", type=float, help="default 0.05 for adamw, 5e-4 for sgd, 0 for adam")
    p.add_argument("--schedule", choices=SCHEDULES, help=f"default {d.schedule}")
    p.add_argument("--label-smoothing", type=float, help=f"default {d.label_smoothing}")
    p.add_argument("--device", choices=DEVICES, help=f"default {d.device}")
    p.add_argument("--precision", choices=PRECISIONS, help=f"default {d.precision}")
    p.add_argument("--seed", type=int, help=f"default {d.seed}")
    p.add_argument("--out", help=f"folder for run folders (default {d.out})")
    p.add_argument("--name", help="run folder name (default ARCH-DATE-TIME)")
    p.add_argument("--cache-mb", type=int, help="RAM for decoded pixels; beyond it a disk cache")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a stopped or crashed run (--epochs N: extend it)")
    p.set_defaults(func=cmd_train)


#: what stops a run like Ctrl-C: SIGTERM (kill, timeout, docker stop, a logout) and SIGHUP (its terminal closed)
STOP_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


def _detach_from_terminal() -> None:
    """After SIGHUP the terminal is gone: its output goes nowhere rather than failing (EIO) and failing the run."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.isatty(fd):
                os.dup2(devnull, fd)
    os.close(devnull)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event, quiet: bool = False, launched: bool = False) -> Iterator[list[int]]:
    """The first of STOP_SIGNALS: stop after the current batch (at once while decoding or computing features)
    and save the run; a second one aborts at once.

    Yields the list of signals caught, the first of which gives the exit status (128 + its number, as a
    shell reports it). ``launched``: under torchrun, which passes its own Ctrl-C or SIGTERM on to every
    process (that the terminal already signalled), so a second one does not abort the save; torchrun
    kills processes that do not end in time. ``quiet``: say nothing (not rank 0).
    """
    caught: list[int] = []

    def handler(signum, frame) -> None:
        if caught and not launched:
            raise KeyboardInterrupt
        caught.append(signum)
        stop.set()
        if signum == getattr(signal, "SIGHUP", None):
            _detach_from_terminal()
        if not quiet and len(caught) == 1:
            name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            again = "" if launched else f" ({name} again to abort at once)"
            with contextlib.suppress(OSError):
                print(f"\nstopping after this batch and saving the run…{again}", file=sys.stderr, flush=True)

    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield caught
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def cmd_train(args: argparse.Namespace) -> int:
    from core.cli.checks import check_train_args
    from core.errors import InputError
    from core.training.config import TrainConfig

    if not (args.resume and os.environ.get("RANK", "0") not in ("", "0")):  # under torchrun rank 0 reads the run
        check_train_args(args)  # every flag, before any photo is read
    if not args.resume and not args.data:
        raise InputError("DATA is required: the folder of training photos (or use --resume RUN_DIR)")
    given = {field: getattr(args, flag) for flag, field in FLAG_FIELDS.items() if getattr(args, flag) is not None}
    cfg = None
    if not args.resume:
        from core.data.corrections import apply_corrections, training_corrections
        from core.data.discover import discover

        cfg = TrainConfig(**given).validate()  # every flag first, then the folder
        index = discover(cfg.data)  # no photos or one class, a wrong corrections file: said before PyTorch loads
        fixes = training_corrections(index.root, index.classes, cfg.corrections, cfg.use_corrections)
        n_photos = len(apply_corrections(index.samples, fixes)[0] if fixes else index.samples)
        if cfg.val_dir:
            n_photos += len(discover(cfg.val_dir).samples)
    from core.training.distributed import launched
    from core.training.engine import Trainer, resume

    stop = threading.Event()
    with launched() as world:  # under torchrun: this process's place among several; else a world of one
        reporter = ConsoleReporter(resume_command=world.resume_command()) if world.is_main else None
        with stop_on_signals(stop, quiet=not world.is_main, launched=world.active) as caught:
            if args.resume:
                result = resume(args.resume, reporter, stop, device=given.get("device"),
                                precision=given.get("precision"), epochs=given.get("epochs"), given=given,
                                world=world)
            else:
                if world.is_main:
                    from core.planning.run_memory import print_estimate

                    print_estimate(cfg, n_photos)  # before any photo is read: will the run fit?
                result = Trainer(cfg, reporter, stop, world=world).run()
    return 0 if not result.stopped else 128 + (caught[0] if caught else signal.SIGINT)
