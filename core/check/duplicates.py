"""Near-duplicate photos: the same picture cropped, resized or re-encoded has nearly the same features.

Features are centred on the folder's mean (what every photo shares, "a photo of a pet", would
otherwise make them all alike) and compared by cosine, a block of rows at a time so that 25,000
photos never need a 25,000 x 25,000 matrix. Pairs above the threshold are joined into groups.
"""

from __future__ import annotations

import numpy as np

#: cosine of centred Lite0 features above which two photos are the same picture: the shared photos' known pairs
#: score 0.99, and the burst shots and crops of one scene found down to 0.90 are one picture too
THRESHOLD = 0.9
BLOCK = 2048


def normalised(feats: np.ndarray, mean: np.ndarray) -> np.ndarray:
    x = np.asarray(feats, np.float32) - mean
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)


def similar_pairs(a: np.ndarray, b: np.ndarray | None = None, threshold: float = THRESHOLD
                  ) -> list[tuple[int, int, float]]:
    """(i, j, cosine) with cosine >= threshold: within ``a`` (i < j), or between ``a`` and ``b``."""
    pairs: list[tuple[int, int, float]] = []
    other = a if b is None else b
    for start in range(0, len(a), BLOCK):
        sims = a[start:start + BLOCK] @ other.T
        if b is None:  # each pair once, never a photo with itself
            sims = np.triu(sims, k=1 - start) if start == 0 else _upper(sims, start)
        for i, j in zip(*np.nonzero(sims >= threshold)):
            pairs.append((start + int(i), int(j), float(sims[i, j])))
    return pairs


def _upper(sims: np.ndarray, start: int) -> np.ndarray:
    rows = np.arange(sims.shape[0])[:, None] + start
    return np.where(np.arange(sims.shape[1])[None, :] > rows, sims, -1.0)


def groups(n: int, pairs: list[tuple[int, int, float]]) -> list[tuple[list[int], float]]:
    """Connected groups of photos (union-find), each with its lowest pair similarity, most similar first."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, j, _ in pairs:
        parent[root(i)] = root(j)
    members: dict[int, list[int]] = {}
    lowest: dict[int, float] = {}
    for i, _, s in pairs:
        r = root(i)
        lowest[r] = min(lowest.get(r, 1.0), s)
    for i in range(n):
        r = root(i)
        if r in lowest:
            members.setdefault(r, []).append(i)
    return sorted(((m, lowest[r]) for r, m in members.items()), key=lambda g: -g[1])
