"""Where CatDog Studio keeps derived data it can always rebuild (pixel caches, model stats)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$CATDOG_CACHE_DIR, else the platform's user cache folder (e.g. ~/.cache/catdog-studio)."""
    env = os.environ.get("CATDOG_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("catdog-studio"))
