"""A run's weights, checkpoint and metrics on disk: written atomically, read safely.

Checkpoints load with ``weights_only=True``, so a run folder from anyone can never execute
code; torch and safetensors load only when a file is read or written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import InputError
from core.runs.layout import CHECKPOINT_FILE, CHECKPOINT_KEYS, METRIC_FIELDS, METRICS_FILE, MODEL_FILE
from core.utils.atomic import atomic_path, write_text_atomic

if TYPE_CHECKING:
    import torch


def save_model(run_dir: Path, model: torch.nn.Module, metadata: dict[str, str] | None = None) -> Path:
    from safetensors.torch import save_file

    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    path = run_dir / MODEL_FILE
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata or {})
    return path


def load_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_model_file(run_dir)[0]


def load_model_file(run_dir: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The weights and the record save_model wrote beside them (arch, classes; {} for older runs).

    Weights that are not all finite are refused: NaN or inf is what a diverged training leaves,
    and such a model answers every photo with the same confident class, or with NaN.
    """
    path = Path(run_dir) / MODEL_FILE
    if not path.is_file():
        raise InputError(f"{run_dir} has no {MODEL_FILE} yet (no epoch finished); resume or retrain it")
    import torch
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            stored = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        why = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise InputError(f"cannot read weights {path}: {why}") from None
    for key, t in tensors.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            kind = "NaN" if bool(torch.isnan(t).any()) else "infinite"
            raise InputError(f"{path} holds {kind} weights (the training diverged) in {key!r}: "
                             "train it again, e.g. with a lower --lr")
    return tensors, dict(stored)


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
