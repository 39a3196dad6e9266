"""The runs folder as a table: one row per run, read from meta.json and metrics.csv only.

Listing must stay instant with many runs (the Runs page lists 50 in well under a second), so
nothing here loads weights or checkpoints, and nothing imports torch: the window lists runs
before PyTorch has loaded. Every list of runs in the app (the Runs page, ``catdog runs``, the
model and resume choosers) comes from ``list_rows``, newest first.
A run whose meta.json says "running" is running only while its training lock is held by a
live process; otherwise it was interrupted (a crash, a kill) and is shown as "stopped",
which is what it is: resumable from its last checkpoint.
"""

from __future__ import annotations

import csv
import json
import math
import os
import socket
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from core.errors import InputError
from core.runs.layout import (
    CHECKPOINT_FILE,
    DAMAGED,
    LOCK_FILE,
    META_FILE,
    METRICS_FILE,
    MODEL_FILE,
    START_LABELS,
    STATUSES,
    looks_like_run,
    start_of,
)
from core.runs.meta import check_fields, read_meta, try_read_meta
from core.utils.processes import pid_alive


@dataclass
class RunRow:
    name: str
    path: str
    arch: str
    start: str  # one of core.runs.layout.START_MODES
    image_size: int
    epochs: int  # done
    epochs_planned: int
    best_val_acc: float | None
    best_epoch: int | None
    status: str  # one of STATUSES, or DAMAGED
    created: str  # ISO 8601, as meta.json has it
    bytes: int  # size on disk of the folder's files
    resumable: bool  # has last.ckpt
    has_model: bool  # has model.safetensors
    reason: str | None = None  # why the run is DAMAGED: the one-line error loading it would give

    @property
    def start_label(self) -> str:
        return START_LABELS.get(self.start, self.start)

    @property
    def created_label(self) -> str:
        """The local date and time to the minute, for tables."""
        try:
            return datetime.fromisoformat(self.created).astimezone().strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return self.created or "?"

    @property
    def label(self) -> str:
        """How a chooser names the run: 'resnet18-1  (resnet18, 128px, val 91.2%)'."""
        acc = f"{self.best_val_acc:.1%}" if self.best_val_acc is not None else "n/a"
        return f"{self.name}  ({self.arch}, {self.image_size}px, val {acc})"

    def to_dict(self) -> dict:
        return asdict(self)


def lock_owner_alive(run_dir: str | Path) -> bool:
    """True while a live process (this one included) holds the run's training lock."""
    try:
        owner = json.loads((Path(run_dir) / LOCK_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True  # a lock being written right now, or unreadable: do not treat the run as idle
    if not isinstance(owner, dict):
        return True
    if owner.get("host") not in (None, socket.gethostname()):
        return True  # another machine's process: we cannot tell, so it counts as training
    pid = owner.get("pid")
    return isinstance(pid, int) and pid_alive(pid)


def folder_bytes(folder: Path) -> int:
    """Sum of file sizes under ``folder`` (stat only; links are not followed)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                try:
                    if e.is_file(follow_symlinks=False):
                        total += e.stat(follow_symlinks=False).st_size
                    elif e.is_dir(follow_symlinks=False):
                        total += folder_bytes(Path(e.path))
                except OSError:
                    continue
    except OSError:
        pass
    return total


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _float(value) -> float | None:
    try:
        number = None if value is None else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is None or math.isfinite(number) else None


def read_row(run_dir: str | Path) -> RunRow | None:
    """One run's row from its meta.json, or None when the folder is not a run.

    A folder with any of a run's files is a run: one whose meta.json is missing, unreadable or
    holds values no model could load with is listed as DAMAGED with the reason, never left out.
    """
    d = Path(run_dir)
    meta: dict = {}
    reason = None
    try:
        meta = read_meta(d)
        if "arch" not in meta:
            raise InputError(f"{d / META_FILE}: \"arch\" is missing: not a CatDog Studio run")
        check_fields(meta, d / META_FILE)
    except InputError as exc:
        if not looks_like_run(d):
            return None
        reason = str(exc) if (d / META_FILE).exists() else f"{d / META_FILE} is missing: the run cannot be loaded"
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    status = str(meta.get("status", "stopped"))
    if reason is not None:
        status = DAMAGED
    elif lock_owner_alive(d):
        status = "running"
    elif status not in STATUSES or status == "running":
        status = "stopped"  # interrupted: its lock's owner is gone
    start = start_of(meta)
    created = meta.get("created")
    if not isinstance(created, str):
        created = datetime.fromtimestamp(_mtime(d)).astimezone().isoformat(timespec="seconds")
    arch = meta.get("arch")
    return RunRow(name=d.name, path=str(d), arch=arch if isinstance(arch, str) else "?", start=str(start),
                  image_size=_int(meta.get("image_size")), epochs=_int(meta.get("epochs_done")),
                  epochs_planned=_int(config.get("epochs")), best_val_acc=_float(meta.get("best_val_acc")),
                  best_epoch=meta.get("best_epoch") if isinstance(meta.get("best_epoch"), int) else None,
                  status=status, created=created, bytes=folder_bytes(d),
                  resumable=(d / CHECKPOINT_FILE).is_file(), has_model=(d / MODEL_FILE).is_file(), reason=reason)


def _mtime(d: Path) -> float:
    for p in (d / META_FILE, d):
        try:
            return p.stat().st_mtime
        except OSError:
            continue
    return 0.0


def list_rows(runs_dir: str | Path) -> list[RunRow]:
    """Every run under ``runs_dir``, newest first; hidden folders (a delete in progress) are skipped."""
    root = Path(runs_dir).expanduser()
    if not root.is_dir():
        return []
    rows = []
    for d in root.iterdir():
        if d.name.startswith(".") or not d.is_dir():
            continue
        row = read_row(d)
        if row is not None:
            rows.append(row)
    return sorted(rows, key=lambda r: (r.created, r.name), reverse=True)


def list_runs(runs_dir: str | Path, resumable: bool = False) -> list[RunRow]:
    """The runs a chooser offers, newest first: those with weights, or (``resumable``) with a checkpoint;
    never a damaged one."""
    return [r for r in list_rows(runs_dir) if r.reason is None and (r.resumable if resumable else r.has_model)]


def check_runs_dir(runs_dir: str | Path) -> Path:
    root = Path(runs_dir).expanduser()
    if not root.is_dir():
        raise InputError(f"{runs_dir}: no such runs folder")
    return root


def check_run(run_dir: str | Path) -> RunRow:
    """The row of a run given on the command line, or a one-line error naming it."""
    d = Path(run_dir).expanduser()
    if d.is_file() and d.name == MODEL_FILE:
        d = d.parent
    if not d.is_dir():
        raise InputError(f"{run_dir}: no such run folder")
    row = read_row(d)
    if row is None:
        raise InputError(f"{run_dir} is not a run folder: its {META_FILE} is missing or unreadable")
    if row.reason is not None:
        raise InputError(row.reason)
    return row


def read_history(run_dir: str | Path) -> list[dict]:
    """Per-epoch metrics (epoch, train_loss, train_acc, val_loss, val_acc, ...) as floats.

    From metrics.csv; from meta.json's copy when the CSV is missing, unreadable or holds no
    usable row. Rows that do not parse are left out rather than failing the whole run.
    """
    d = Path(run_dir)
    try:
        with open(d / METRICS_FILE, encoding="utf-8", newline="") as f:
            history = _clean_rows(list(csv.DictReader(f)))
    except (OSError, UnicodeDecodeError, csv.Error):
        history = []
    if not history:
        meta = try_read_meta(d)
        history = _clean_rows(meta.get("metrics")) if meta is not None else []
    return history


def _clean_rows(rows) -> list[dict]:
    history = []
    for r in rows if isinstance(rows, list) else []:
        if not isinstance(r, dict):
            continue
        clean = {k: _float(v) for k, v in r.items() if isinstance(k, str)}
        if clean.get("epoch") is None or not math.isfinite(clean["epoch"]):
            continue
        clean["epoch"] = int(clean["epoch"])
        history.append(clean)
    return history
