"""The run folder on disk: its file names, the run-name rule, statuses and start modes, in one place.

``weights/<run>/`` holds model.safetensors (best epoch), meta.json (everything needed to
rebuild and explain the model), metrics.csv (one row per epoch), last.ckpt (what --resume
needs) and, while it trains, .lock. Readers and writers of those files are core.runs.meta and
core.runs.store; this module holds only facts and imports no torch, so the window can list
runs before PyTorch has loaded.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from core.errors import InputError

MODEL_FILE = "model.safetensors"
META_FILE = "meta.json"
METRICS_FILE = "metrics.csv"
CHECKPOINT_FILE = "last.ckpt"
LOCK_FILE = ".lock"
CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "scaler", "epoch", "epoch_state", "history", "best", "config")
METRIC_FIELDS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "images_per_s", "seconds"]
IMAGENET_PREFIX = "imagenet:"  # a model given as imagenet:ARCH is the ImageNet classifier, no run folder
ENSEMBLE_PREFIX = "ensemble:"  # several models as one reference (the window's model boxes): ensemble:["a", "b"]


def ensemble_ref(models: list[str]) -> str:
    """One reference for several models (one model: itself), as the window's model boxes hold it."""
    models = [str(m) for m in models]
    return models[0] if len(models) == 1 else ENSEMBLE_PREFIX + json.dumps(models)


def model_refs(ref: str) -> list[str]:
    """The models a reference names: an ensemble's members, or the one model."""
    if not str(ref).startswith(ENSEMBLE_PREFIX):
        return [str(ref)]
    try:
        members = json.loads(str(ref)[len(ENSEMBLE_PREFIX):])
    except ValueError:
        members = None
    if not (isinstance(members, list) and members and all(isinstance(m, str) for m in members)):
        raise InputError(f"{ref}: not an ensemble of models (ensemble:[\"RUN\", \"RUN\"])")
    return members


def looks_like_run(folder: Path) -> bool:
    """A folder the app made for a run: it holds meta.json, the weights or a checkpoint (damaged or not)."""
    return any((Path(folder) / name).exists() for name in (META_FILE, MODEL_FILE, CHECKPOINT_FILE))

STATUSES = ("running", "finished", "stopped", "failed")  # what meta.json's "status" may say
DAMAGED = "damaged"  # never written: how a listing shows a run folder whose meta.json cannot be used

#: how a run begins: random weights, or ImageNet weights with the backbone frozen or fine-tuned
Start = Literal["scratch", "imagenet-frozen", "imagenet-finetune"]
SCRATCH: Start = "scratch"
FROZEN: Start = "imagenet-frozen"
FINETUNE: Start = "imagenet-finetune"
START_MODES: tuple[Start, ...] = (FROZEN, FINETUNE, SCRATCH)
START_LABELS = {SCRATCH: "scratch", FROZEN: "ImageNet, frozen", FINETUNE: "ImageNet, fine-tune"}


def start_mode(weights: str | None, freeze: bool | None) -> Start:
    """The start of a run from its two settings (a frozen backbone needs ImageNet weights)."""
    if weights != "imagenet":
        return SCRATCH
    return FROZEN if freeze else FINETUNE


def start_of(meta: dict) -> Start:
    """A run's start as its meta.json says it; runs written before "start" existed tell it by their config."""
    if meta.get("start") in START_MODES:
        return meta["start"]
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    if config.get("freeze"):
        return FROZEN
    return start_mode(config.get("weights"), config.get("freeze"))


RUN_NAME = re.compile(r"[\w.\-]+")
MAX_NAME = 120


def check_run_name(name: str, flag: str | None = None) -> str:
    """``name`` if it can name a run folder, else a one-line error (naming ``flag`` when given)."""
    say = f"{flag} {name!r}" if flag else repr(name)
    if not name:
        raise InputError(f"{flag}: empty run name" if flag else "the new name is empty")
    if name.startswith("."):
        raise InputError(f"{say}: a run name cannot start with '.' (such folders are hidden)")
    if not RUN_NAME.fullmatch(name):
        raise InputError(f"{say}: use letters, digits, '.', '_' and '-' only")
    if len(name) > MAX_NAME:
        raise InputError(f"{say}: at most {MAX_NAME} characters")
    return name


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def new_run_dir(out: str | Path, name: str | None, arch: str) -> Path:
    """A fresh folder under ``out``; an existing name gets -2, -3, ... appended."""
    out = Path(out).expanduser()
    base = check_run_name(name, "--name") if name else f"{arch}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    candidate, n = out / base, 1
    while candidate.exists():
        n += 1
        candidate = out / f"{base}-{n}"
    try:
        candidate.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"cannot create run folder {candidate}: {exc.strerror or exc}") from None
    return candidate


def run_dir_of(model_path: str | Path) -> Path:
    """A run folder from either the folder or its model.safetensors."""
    p = Path(model_path).expanduser()
    run = p.parent if p.is_file() else p
    if not run.is_dir():
        raise InputError(f"model {p} does not exist: give a run folder or its {MODEL_FILE}")
    return run
