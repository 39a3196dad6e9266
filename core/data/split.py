"""Stratified, seeded train/validation split: every class keeps the same share."""

from __future__ import annotations

import torch


def stratified_split(labels: list[int], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(train indices, val indices); each class with 2+ images gives at least one to val."""
    g = torch.Generator().manual_seed(seed)
    train: list[int] = []
    val: list[int] = []
    for cls in sorted(set(labels)):
        idx = [i for i, y in enumerate(labels) if y == cls]
        order = [idx[j] for j in torch.randperm(len(idx), generator=g).tolist()]
        n_val = round(len(idx) * val_fraction)
        if len(idx) >= 2:
            n_val = min(max(n_val, 1), len(idx) - 1)
        else:
            n_val = 0
        val += order[:n_val]
        train += order[n_val:]
    return sorted(train), sorted(val)
