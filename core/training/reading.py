"""How a run reads its photos, once: decoded pixels for the runs that train the network, the frozen
backbone's pooled features for frozen starts (no pixel cache at all). Each says its choice in one line."""

from __future__ import annotations

from collections.abc import Callable

import torch

from core.data.augment import cache_side
from core.data.cache import build_cache
from core.training.config import TrainConfig
from core.training.data import ReadPhotos
from core.training.features import store_for, stream_features


def phase_name(cfg: TrainConfig) -> str:
    """What the progress of reading is called (the CLI's and the window's progress line)."""
    return "Computing ImageNet features" if cfg.freeze else f"Decoding images at {cache_side(cfg.image_size)} px"


def photo_reader(cfg: TrainConfig, model: torch.nn.Module, mean, std, device: torch.device, precision: str,
                 say: Callable[[str], None]) -> ReadPhotos:
    """``read(paths, progress, should_stop)`` for this run's start."""
    if cfg.freeze:
        store = store_for(cfg.arch, cfg.image_size, device, precision)

        def features(paths, progress, should_stop):
            return stream_features(model, paths, image_size=cfg.image_size, device=device, precision=precision,
                                   mean=mean, std=std, store=store, progress=progress, should_stop=should_stop,
                                   say=say)
        return features
    budget = None if cfg.cache_mb is None else cfg.cache_mb << 20

    def pixels(paths, progress, should_stop):
        return build_cache(paths, cache_side(cfg.image_size), budget, progress=progress, should_stop=should_stop,
                           say=say)
    return pixels
