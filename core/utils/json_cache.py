"""One small JSON object in the cache folder: read whole, one key merged in, written atomically.

Model stats, timed speeds, simulated memory and known weight downloads are all numbers the app can
measure again, so a missing, damaged or read-only file only costs measuring again: reads give ``{}``
and a failed write is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from core.utils.atomic import write_text_atomic
from core.utils.paths import cache_root


class JsonCache:
    def __init__(self, name: str | Callable[[], str], indent: int | None = 1) -> None:
        self._name = name  # a callable when the name holds something known only later (library versions)
        self._indent = indent

    @property
    def path(self) -> Path:
        """In the cache folder as it is now ($CATDOG_CACHE_DIR may change between calls, as in tests)."""
        return cache_root() / (self._name() if callable(self._name) else self._name)

    def read(self) -> dict:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return stored if isinstance(stored, dict) else {}

    def get(self, key: str, default=None):
        return self.read().get(key, default)

    def put(self, key: str, value) -> None:
        """Merge one entry into the file; an unchanged value writes nothing."""
        stored = self.read()
        if stored.get(key) == value:
            return
        stored[key] = value
        try:
            write_text_atomic(self.path, json.dumps(stored, indent=self._indent))
        except OSError:
            pass  # a read-only cache folder only costs measuring again
