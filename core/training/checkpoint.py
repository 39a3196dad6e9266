"""What a run's last.ckpt may hold, read back: a trained state, or "not started", each field checked.

A run folder is written whole with a *not-started* checkpoint before its photos are even
decoded (recorder.py): its config and split, no weights. ``--resume`` starts such a run from
scratch, with its seed and its split, so a kill at any moment of the first epoch leaves a run
that resumes and ends exactly where an uninterrupted one ends. A checkpoint whose fields are
damaged is one line naming the file and the field, not a ValueError deep in the training.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.runs.split_record import check_record
from core.training.config import TrainConfig
from core.training.state import EpochProgress

#: the field that marks a checkpoint written before the first batch (absent from older checkpoints: trained)
STARTED = "started"


def not_started(cfg: TrainConfig, split: dict, world_size: int) -> dict:
    """The checkpoint of a run that has trained nothing yet: every key load_checkpoint asks for, no weights."""
    return {"model": {}, "optimizer": {}, "scheduler": {}, "scaler": {}, "epoch": 0,
            "epoch_state": vars(EpochProgress()), "history": [], "best": {"epoch": None, "val_acc": None},
            "config": cfg.to_dict(), "split": split, "world_size": world_size, STARTED: False}


def has_trained(ckpt: dict | None) -> bool:
    """True for a checkpoint with weights to continue from (False: none, or not started)."""
    return ckpt is not None and ckpt.get(STARTED, True) is not False


def _number(value: object, whole: bool = False) -> bool:
    kinds = (int,) if whole else (int, float)
    return isinstance(value, kinds) and not isinstance(value, bool)


def check_checkpoint(ckpt: dict, path: Path) -> TrainConfig:
    """The run's config, once every field --resume uses has the type and range it was written with."""
    where = f"cannot resume from {path}"

    def bad(field: str, why: str) -> InputError:
        return InputError(f'{where}: "{field}" {why}')

    started = ckpt.get(STARTED, True)
    if not isinstance(started, bool):
        raise bad(STARTED, f"is {started!r}, not true or false")
    cfg = TrainConfig.from_record(ckpt["config"], where)
    epoch = ckpt["epoch"]
    if not _number(epoch, whole=True) or not 0 <= epoch:
        raise bad("epoch", f"is {str(repr(epoch))[:40]}, not a number of epochs done")
    state = ckpt["epoch_state"]
    names = set(vars(EpochProgress()))
    if not isinstance(state, dict) or set(state) != names:
        raise bad("epoch_state", f"must hold {', '.join(sorted(names))}")
    for name in ("step", "correct", "seen"):
        if not _number(state[name], whole=True) or state[name] < 0:
            raise bad(f"epoch_state.{name}", f"is {str(repr(state[name]))[:40]}, not a count")
    for name in ("loss_sum", "train_seconds"):
        if not _number(state[name]):
            raise bad(f"epoch_state.{name}", f"is {str(repr(state[name]))[:40]}, not a number")
    history = ckpt["history"]
    if not isinstance(history, list) or not all(isinstance(row, dict) for row in history):
        raise bad("history", "must be a list of one row per epoch")
    if len(history) != epoch:
        raise bad("history", f"has {len(history)} row(s) for {epoch} epoch(s) done")
    best = ckpt["best"]
    if not isinstance(best, dict) or not (best.get("epoch") is None or _number(best["epoch"], whole=True)) \
            or not all(best.get(k) is None or _number(best[k]) for k in ("val_acc", "val_loss")):
        raise bad("best", f"is {str(best)[:60]!r}, not the best epoch and its validation scores")
    size = ckpt.get("world_size", 1)
    if not _number(size, whole=True) or size < 1:
        raise bad("world_size", f"is {size!r}, not a number of processes")
    if ckpt.get("split") is not None or not started:
        check_record(ckpt.get("split"), path)
    if started:
        for name in ("model", "optimizer", "scheduler", "scaler"):
            if not isinstance(ckpt[name], dict):
                raise bad(name, f"is a {type(ckpt[name]).__name__}, not a state dict")
    return cfg
