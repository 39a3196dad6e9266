"""Stratified, seeded train/validation split: every class keeps the same share."""

from __future__ import annotations


def val_count(n: int, fraction: float) -> int:
    """Validation images taken from a class of n: at least one, never all (classes of 1 stay in training)."""
    if n < 2:
        return 0
    return min(max(round(n * fraction), 1), n - 1)


def stratified_split(labels: list[int], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train indices, val indices); each class with 2+ images gives at least one to val."""
    import torch  # torch's generator fixes which photos a seed picks; imported here so the window opens fast

    g = torch.Generator().manual_seed(seed)
    train: list[int] = []
    val: list[int] = []
    for cls in sorted(set(labels)):
        idx = [i for i, y in enumerate(labels) if y == cls]
        order = [idx[j] for j in torch.randperm(len(idx), generator=g).tolist()]
        n_val = val_count(len(idx), val_fraction)
        val += order[:n_val]
        train += order[n_val:]
    return sorted(train), sorted(val)
