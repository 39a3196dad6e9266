"""Rename and delete run folders, safely: never while the run trains.

Each operation takes the run's training lock first (the same .lock a training holds), so a
training cannot start in the middle of it, and refuses when a live process holds it. A
rename is one ``os.rename`` of the folder; a delete first renames the folder to a hidden
name (the run leaves every listing at once, in one step) and only then removes its files.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from core.errors import InputError
from core.runs.layout import LOCK_FILE, META_FILE, check_run_name, looks_like_run
from core.runs.lock import RunLock
from core.runs.table import lock_owner_alive


def _run_folder(run_dir: str | Path) -> Path:
    d = Path(run_dir).expanduser()
    if not d.is_dir() or not looks_like_run(d):  # a damaged run (meta.json lost) can still be renamed or deleted
        raise InputError(f"{d} is not a run folder (no {META_FILE}, weights or checkpoint in it)")
    return d


def _take_lock(d: Path, doing: str) -> RunLock:
    """The run's lock, held for the operation; refused while a training (even in this process) holds it."""
    if lock_owner_alive(d):
        raise InputError(f"cannot {doing} {d.name}: it is training now; stop it first")
    lock = RunLock(d)
    lock.acquire()  # a stale lock of a dead process is taken over; a racing training makes this fail
    return lock


def rename_run(run_dir: str | Path, new_name: str) -> Path:
    """Rename the run folder in place; returns the new path."""
    d = _run_folder(run_dir)
    name = check_run_name(new_name.strip())
    if name == d.name:
        return d
    target = d.parent / name
    if target.exists() or target.is_symlink():
        raise InputError(f"cannot rename {d.name} to {name}: {target} already exists")
    lock = _take_lock(d, "rename")
    try:
        os.rename(d, target)
    except OSError as exc:
        lock.release()
        raise InputError(f"cannot rename {d.name} to {name}: {exc.strerror or exc}") from None
    (target / LOCK_FILE).unlink(missing_ok=True)  # the lock moved with the folder
    return target


def delete_run(run_dir: str | Path) -> None:
    """Delete the run folder and everything in it."""
    d = _run_folder(run_dir)
    lock = _take_lock(d, "delete")
    trash = d.parent / f".deleting-{d.name}-{os.getpid()}"
    try:
        os.rename(d, trash)
    except OSError as exc:
        lock.release()
        raise InputError(f"cannot delete {d.name}: {exc.strerror or exc}") from None
    errors = _remove_tree(trash)
    if errors:
        raise InputError(f"deleted {d.name} only in part; {len(errors)} file(s) remain in {trash} ({errors[0]})")


def _remove_tree(path: Path) -> list[str]:
    """Remove what can be removed; the files that could not be, with why."""
    errors: list[str] = []

    def note(_fn, p, exc) -> None:
        errors.append(f"{p}: {exc[1] if isinstance(exc, tuple) else exc}")

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=note)
    else:
        shutil.rmtree(path, onerror=note)
    return errors
