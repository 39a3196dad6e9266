"""Turn a TrainConfig into cached, split training and validation pixels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.data.augment import cache_side
from core.data.cache import PixelCache, build_cache
from core.data.discover import DatasetIndex, discover
from core.data.split import stratified_split
from core.errors import InputError
from core.training.config import TrainConfig


@dataclass
class PreparedData:
    index: DatasetIndex
    cache: PixelCache
    labels: np.ndarray  # (N,) int64, aligned with cache.pixels
    train_idx: np.ndarray
    val_idx: np.ndarray
    classes: list[str]

    @property
    def skipped(self) -> list[tuple[str, str]]:
        found = [(str(p), r) for p, r in self.cache.failures]
        return found + [(str(p), r) for p, r in self.index.ignored]


def prepare_data(cfg: TrainConfig, progress: Callable[[int, int], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> PreparedData:
    index = discover(cfg.data)
    samples = list(index.samples)
    if cfg.val_dir:
        val_index = discover(cfg.val_dir)
        if val_index.classes != index.classes:
            raise InputError(f"--val {cfg.val_dir}: classes {val_index.classes} differ from the training "
                             f"classes {index.classes}")
        index.ignored += val_index.ignored
        n_train = len(samples)
        samples += val_index.samples
        train_idx, val_idx = list(range(n_train)), list(range(n_train, len(samples)))
    else:
        train_idx, val_idx = stratified_split([s.label for s in samples], cfg.val_split, cfg.seed)

    budget = None if cfg.cache_mb is None else cfg.cache_mb << 20
    cache = build_cache([s.path for s in samples], cache_side(cfg.image_size), budget,
                        progress=progress, should_stop=should_stop)
    labels = np.array([s.label for s in samples], np.int64)
    keep = cache.ok
    train = np.array([i for i in train_idx if keep[i]], np.int64)
    val = np.array([i for i in val_idx if keep[i]], np.int64)
    if len(train) == 0:
        raise InputError(f"none of the training images in {Path(cfg.data)} could be read")
    if len(val) == 0:
        raise InputError("no readable validation images: use more images, a larger --val-split or --val DIR")
    return PreparedData(index, cache, labels, train, val, index.classes)
