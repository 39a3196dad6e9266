"""Pixels decoded when a batch asks for them: the fallback when neither RAM nor disk can hold them.

Slower (every epoch decodes again) but it never fails for lack of space, and it looks like
the (N, side, side, 3) uint8 array the rest of the code indexes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from core.data.decode import UnreadableImage, decode_square, decode_workers


class Discard:
    """A write-only sink: decoding into it only finds out which photos are readable."""

    def __setitem__(self, key, value) -> None:
        pass


class DecodedOnDemand:
    def __init__(self, paths: list[Path], side: int, workers: int | None = None) -> None:
        self.paths, self.side = list(paths), side
        self.shape = (len(self.paths), side, side, 3)
        self.dtype = np.dtype(np.uint8)
        self._pool = ThreadPoolExecutor(max_workers=workers or decode_workers(),
                                        thread_name_prefix="catdog-decode")

    def __len__(self) -> int:
        return self.shape[0]

    def _one(self, i: int) -> np.ndarray:
        try:
            return decode_square(self.paths[i], self.side)
        except UnreadableImage:  # listed when the cache was built; never in a split
            return np.zeros((self.side, self.side, 3), np.uint8)

    def __getitem__(self, idx) -> np.ndarray:
        if isinstance(idx, (int, np.integer)):
            return self._one(int(idx))
        indices = np.arange(len(self))[idx] if isinstance(idx, slice) else np.asarray(idx)
        return np.stack(list(self._pool.map(self._one, indices.tolist()))) if len(indices) else \
            np.zeros((0, *self.shape[1:]), np.uint8)
