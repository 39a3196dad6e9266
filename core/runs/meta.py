"""meta.json, a run's description: the one writer and the readers, strict or lenient.

``read_meta`` is for a run the user named (a damaged file is a one-line error naming it);
``try_read_meta`` is for listings, where one bad folder must not hide the others.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import InputError
from core.runs.layout import META_FILE
from core.utils.atomic import write_text_atomic


def write_meta(run_dir: Path, meta: dict) -> None:
    write_text_atomic(run_dir / META_FILE, json.dumps(meta, indent=2, default=str) + "\n")


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


def try_read_meta(run_dir: Path) -> dict | None:
    """The run's meta.json as a dict, or None when it is missing, unreadable or not a run's description."""
    try:
        return read_meta(run_dir)
    except InputError:
        return None
