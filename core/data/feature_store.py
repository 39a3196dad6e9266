"""Pooled features on disk, per backbone and photo: a second frozen run on the same photos starts in seconds.

A frozen backbone gives a photo the same features every time, so they are kept in the user's cache
folder, one sub-folder per backbone (architecture, image size, device kind, precision, library
versions), in chunks written while a run computes them: a run stopped or killed keeps what it had
computed. A photo is known by its path, size and modification time, so an edited or replaced photo
is computed again; an unreadable one is never remembered (what failed today, a permission or a drive,
may work tomorrow). The folder stays under a size cap; the chunks used longest ago go first. Losing
any of it only costs computing again, so a damaged chunk is skipped and a failed write is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.utils.atomic import atomic_path, remove_stale_temp_files, write_text_atomic

#: photos decoded and sent through the backbone together, each as is and mirrored: 16 views per batch run as
#: fast as 64 on a 2-core CPU (Lite0: 183 vs 178 images/s) and hold a quarter of the memory (165 vs 664 MB)
PHOTOS_PER_BATCH = 8
#: photos decoded together by every core, then sent through in batches: on a CPU, decoding beside the
#: network's threads made both wait for each other (three times slower on 2 cores)
DECODE_CHUNK = 4 * PHOTOS_PER_BATCH
#: the feature cache's size on disk, unless $CATDOG_FEATURE_CACHE_MB says otherwise (25,000 photos of
#: EfficientNet-Lite0 take 256 MB)
DEFAULT_CAP_MB = 2048


def cap_bytes() -> int:
    try:
        return max(int(os.environ.get("CATDOG_FEATURE_CACHE_MB", DEFAULT_CAP_MB)), 0) << 20
    except ValueError:
        return DEFAULT_CAP_MB << 20


def photo_key(path: str | Path) -> str:
    """The photo's path (as given: two links to one file are two photos), size and modification time."""
    try:
        st = os.stat(path)
    except OSError:
        try:
            st = os.lstat(path)  # a broken link: its failure is remembered until the link changes
        except OSError:
            return hashlib.sha1(f"missing|{os.path.abspath(path)}".encode("utf-8", "surrogateescape")).hexdigest()[:24]
    text = f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}"
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


class FeatureStore:
    """One backbone's folder of chunks: ``NAME.npy`` (rows, 2, D) float32 and ``NAME.json`` (its keys, written last)."""


    def __init__(self, folder: Path, cap: int | None = None) -> None:
        self.folder = Path(folder)
        self.cap = cap_bytes() if cap is None else cap

    def _chunks(self) -> list[tuple[Path, dict]]:
        found = []
        for index_file in self.folder.glob("*.json"):
            try:
                index = json.loads(index_file.read_text(encoding="utf-8"))
                if isinstance(index.get("keys"), list):
                    found.append((index_file.with_suffix(".npy"), index))
            except (OSError, ValueError, AttributeError):
                continue
        return found

    def load(self, keys: Sequence[str], make_out: Callable[[int], np.ndarray]) -> set[int]:
        """Copy the known features of ``keys`` into ``make_out(D)`` ((len(keys), 2, D), made once, when the first
        chunk is found); returns the positions filled."""
        wanted: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            wanted.setdefault(key, []).append(i)
        out: np.ndarray | None = None
        filled: set[int] = set()
        for data_file, index in self._chunks():
            rows, where = [], []
            for row, key in enumerate(index["keys"]):
                for i in wanted.get(key, ()):
                    if i not in filled:
                        rows.append(row)
                        where.append(i)
            if not rows:
                continue
            try:
                stored = np.load(data_file, mmap_mode="r")
                if stored.ndim != 3 or stored.shape[:2] != (len(index["keys"]), 2) or \
                        (out is not None and stored.shape[2] != out.shape[2]):
                    continue
                if out is None:
                    out = make_out(int(stored.shape[2]))
                out[np.array(where)] = stored[np.array(rows)]
                del stored
                os.utime(data_file)  # used now: trimmed last
            except (OSError, ValueError):
                continue
            filled.update(where)
        return filled

    def add(self, keys: Sequence[str], feats: np.ndarray) -> bool:
        """Keep ``feats`` ((n, 2, D), one row per key); False if the disk said no (the cache is a convenience)."""
        if not len(keys):
            return True
        name = uuid.uuid4().hex[:16]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_stale_temp_files(self.folder)
            with atomic_path(self.folder / f"{name}.npy") as tmp:
                with open(tmp, "wb") as f:
                    np.save(f, np.ascontiguousarray(feats, np.float32))
            write_text_atomic(self.folder / f"{name}.json", json.dumps({"keys": list(keys)}))
        except OSError:
            with contextlib.suppress(OSError):
                (self.folder / f"{name}.npy").unlink(missing_ok=True)
            return False
        self.trim(keep={name})
        return True

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.folder.glob("*.npy") if f.is_file())

    def trim(self, keep: set[str] = frozenset()) -> None:
        """Remove the chunks used longest ago while the cache's folder (all backbones) is over the cap."""
        root = self.folder.parent
        chunks = []
        for f in root.glob("*/*.npy"):
            with contextlib.suppress(OSError):
                st = f.stat()
                chunks.append((st.st_mtime, st.st_size, f))
        total = sum(size for _, size, _ in chunks)
        for _, size, f in sorted(chunks):
            if total <= self.cap:
                break
            if f.stem in keep and f.parent == self.folder:
                continue
            with contextlib.suppress(OSError):
                f.with_suffix(".json").unlink(missing_ok=True)  # the index first: a chunk without one is unused
                f.unlink()
                total -= size
