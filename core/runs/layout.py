"""The run folder on disk, exactly as DESIGN.md fixes it.

``weights/<run>/`` holds model.safetensors (best epoch), meta.json (everything needed to
rebuild and explain the model), metrics.csv (one row per epoch) and last.ckpt (what
--resume needs). Every file is written atomically; checkpoints load with
``weights_only=True``, so a run folder from anyone can never execute code.
"""

from __future__ import annotations

import csv
import io
import json
import platform
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import InputError
from core.utils.atomic import atomic_path, write_text_atomic

if TYPE_CHECKING:  # torch loads lazily: the window lists runs before PyTorch is imported
    import torch

MODEL_FILE = "model.safetensors"
META_FILE = "meta.json"
METRICS_FILE = "metrics.csv"
CHECKPOINT_FILE = "last.ckpt"
CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "scaler", "epoch", "epoch_state", "history", "best", "config")
IMAGENET_PREFIX = "imagenet:"  # a model given as imagenet:ARCH is the ImageNet classifier, no run folder
METRIC_FIELDS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "images_per_s", "seconds"]


def library_versions() -> dict[str, str]:
    import numpy
    import PIL
    import safetensors
    import torch
    import torchvision

    import core

    return {
        "catdog": core.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "safetensors": safetensors.__version__,
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def new_run_dir(out: str | Path, name: str | None, arch: str) -> Path:
    """A fresh folder under ``out``; an existing name gets -2, -3, ... appended."""
    out = Path(out).expanduser()
    base = name or f"{arch}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    if not re.fullmatch(r"[\w.\-]+", base):
        raise InputError(f"--name {base!r}: use letters, digits, '.', '_' and '-' only")
    candidate, n = out / base, 1
    while candidate.exists():
        n += 1
        candidate = out / f"{base}-{n}"
    try:
        candidate.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"cannot create run folder {candidate}: {exc.strerror or exc}") from None
    return candidate


def save_model(run_dir: Path, model: torch.nn.Module, metadata: dict[str, str] | None = None) -> Path:
    from safetensors.torch import save_file

    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    path = run_dir / MODEL_FILE
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata or {})
    return path


def write_meta(run_dir: Path, meta: dict) -> None:
    write_text_atomic(run_dir / META_FILE, json.dumps(meta, indent=2, default=str) + "\n")


def write_metrics(run_dir: Path, history: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=METRIC_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    write_text_atomic(run_dir / METRICS_FILE, buf.getvalue())


def save_checkpoint(run_dir: Path, state: dict) -> Path:
    import torch

    path = run_dir / CHECKPOINT_FILE
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        # a file object, not a path: torch then writes through Python calls, which let other threads in.
        # Given a path it held the GIL for the whole write (50-80 ms for resnet18's 134 MB), and the
        # window froze at every epoch end (measured with a thread ticking every ms: longest gap 6-9 ms now)
        torch.save(state, f)
    return path


def load_checkpoint(run_dir: Path) -> dict:
    """The resumable state, checked for every key --resume needs; one-line errors naming the file."""
    path = Path(run_dir) / CHECKPOINT_FILE
    if not path.is_file():
        raise InputError(f"{run_dir} has no {CHECKPOINT_FILE}: it is not a resumable run folder")
    import torch

    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, not a checkpoint, or a pickle that wants to run code: never retried unsafely
        kind = "holds objects other than tensors" if "weights_only" in str(exc) else "is damaged or incomplete"
        raise InputError(f"cannot resume from {path}: the file {kind} ({type(exc).__name__})") from None
    missing = [k for k in CHECKPOINT_KEYS if not isinstance(ckpt, dict) or k not in ckpt]
    if missing:
        raise InputError(f"cannot resume from {path}: it has no {', '.join(missing)} (not a CatDog Studio checkpoint)")
    return ckpt


def run_dir_of(model_path: str | Path) -> Path:
    """A run folder from either the folder or its model.safetensors."""
    p = Path(model_path).expanduser()
    run = p.parent if p.is_file() else p
    if not run.is_dir():
        raise InputError(f"model {p} does not exist: give a run folder or its {MODEL_FILE}")
    return run


def read_meta(run_dir: Path) -> dict:
    path = Path(run_dir) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{run_dir} is not a run folder: {META_FILE} is missing") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(meta, dict):
        raise InputError(f"cannot read {path}: it holds a {type(meta).__name__}, not a run's description")
    return meta


def load_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    path = Path(run_dir) / MODEL_FILE
    if not path.is_file():
        raise InputError(f"{run_dir} has no {MODEL_FILE} yet (no epoch finished); resume or retrain it")
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except Exception as exc:
        raise InputError(f"cannot read weights {path}: {str(exc).splitlines()[0][:160]}") from None


@dataclass
class RunInfo:
    path: Path
    arch: str
    created: float
    best_val_acc: float | None
    status: str
    image_size: int
    epochs_done: int = 0
    epochs: int = 0  # planned

    @property
    def label(self) -> str:
        acc = f"{self.best_val_acc:.1%}" if self.best_val_acc is not None else "n/a"
        return f"{self.path.name}  ({self.arch}, {self.image_size}px, val {acc})"


def list_runs(weights_dir: str | Path, resumable: bool = False) -> list[RunInfo]:
    """Runs with usable weights (or, ``resumable``: with a checkpoint), newest first; reads meta.json only."""
    root = Path(weights_dir).expanduser()
    found: list[RunInfo] = []
    if not root.is_dir():
        return found
    needed = CHECKPOINT_FILE if resumable else MODEL_FILE
    for d in root.iterdir():
        if not (d / needed).is_file() or not (d / META_FILE).is_file():
            continue
        try:
            meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict):
            continue
        found.append(RunInfo(d, meta.get("arch", "?"), (d / needed).stat().st_mtime, meta.get("best_val_acc"),
                             meta.get("status", "?"), meta.get("image_size", 0), meta.get("epochs_done", 0),
                             (meta.get("config") or {}).get("epochs", 0)))
    return sorted(found, key=lambda r: r.created, reverse=True)
