"""Folders: where CatDog Studio keeps derived data it can always rebuild, and a flag's folder checked before any work."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import InputError


def cache_root() -> Path:
    """$CATDOG_CACHE_DIR, else the platform's user cache folder (e.g. ~/.cache/catdog-studio)."""
    env = os.environ.get("CATDOG_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("catdog-studio"))


def check_folder(flag: str, value: str | None, what: str) -> None:
    """InputError unless ``value`` names an existing folder."""
    if value is None:
        return
    p = Path(value).expanduser()
    if not str(value).strip():
        raise InputError(f"{flag}: empty folder name")
    if not p.exists():
        raise InputError(f"{flag}: {what} {value} does not exist")
    if not p.is_dir():
        raise InputError(f"{flag}: {value} is a file, not a {what}")
