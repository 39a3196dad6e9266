"""What each layer sees: the first convolution's filters, and each stage's strongest channels for one photo.

The photo goes in exactly as prediction feeds it (the evaluation crop, the run's normalisation,
its precision); one forward pass with a hook on every stage keeps, per stage, only the ``top``
channels with the highest mean activation (a copy taken in the hook, so an in-place layer later
in the network cannot change it). Stages are core.explain.stages.feature_stages: Grad-CAM's, or
every layer that gives a feature map in a network with fewer than three stages. Pictures of these
numbers: core/explain/feature_grid.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from core.errors import InputError

TOP_CHANNELS = 16  # activation maps shown per stage: the strongest by mean activation


@dataclass
class Filters:
    """The first convolution's kernels as pictures: RGB when it reads 3 channels, else grey (the channels' mean)."""

    layer: str  # its module name
    tiles: np.ndarray  # (out_channels, k, k, 3) uint8, each filter scaled to its own range
    shape: tuple[int, ...]  # the weight's (out, in, kh, kw)

    @property
    def rgb(self) -> bool:
        return self.shape[1] == 3


@dataclass
class StageMaps:
    stage: str  # short name
    channels: list[int]  # the channels shown, strongest first
    maps: np.ndarray  # (len(channels), h, w) float32, each scaled to [0, 1]
    means: list[float]  # each shown channel's mean activation
    total: int  # channels in the stage


@dataclass
class PhotoFeatures:
    path: Path
    stages: list[StageMaps]  # in the order they run


def first_conv(model: nn.Module) -> tuple[str, nn.Conv2d]:
    """The first nn.Conv2d in the model's structure (the one the photo meets first in every catalog network)."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return name, module
    raise InputError("this model has no convolution: there are no filters to show")


def _scaled(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``a`` min-max scaled to [0, 1] over ``axes`` (a flat part becomes 0)."""
    lo, hi = a.min(axes, keepdims=True), a.max(axes, keepdims=True)
    return (a - lo) / np.where(hi - lo > 1e-12, hi - lo, 1.0)


def first_filters(model: nn.Module) -> Filters:
    """The first convolution's kernels, each normalised on its own so its pattern shows whatever its scale."""
    from core.explain.stages import short_name

    name, conv = first_conv(model)
    w = conv.weight.detach().float().cpu().numpy()  # (out, in/groups, kh, kw)
    if w.shape[1] == 3:
        tiles = _scaled(w, (1, 2, 3)).transpose(0, 2, 3, 1)  # (out, kh, kw, 3)
    else:
        grey = _scaled(w.mean(1), (1, 2))
        tiles = np.repeat(grey[..., None], 3, axis=3)
    return Filters(short_name(name, model), (tiles * 255).round().astype(np.uint8), tuple(w.shape))


def stage_maps(model: nn.Module, x: torch.Tensor, stages: Sequence[str], names: Sequence[str],
               top: int = TOP_CHANNELS, precision: str = "fp32") -> list[StageMaps]:
    """For a one-photo batch ``x``: the ``top`` strongest channels of each of ``stages`` (full module names;
    ``names`` are what to call them), in one forward pass."""
    from core.hardware import autocast

    modules = dict(model.named_modules())
    kept: dict[str, StageMaps] = {}

    def keep(stage: str, name: str):
        def hook(_m, _inputs, out):
            if stage in kept or not (isinstance(out, torch.Tensor) and out.dim() == 4):
                return
            a = out[0].detach().float()  # (C, h, w), read here, before any later in-place layer can change it
            means = a.mean((1, 2))
            order = torch.argsort(means, descending=True)[:top].tolist()
            maps = a[order].cpu().numpy()
            kept[stage] = StageMaps(name, order, _scaled(maps, (1, 2)).astype(np.float32),
                                    [float(means[c]) for c in order], int(a.shape[0]))
        return hook

    hooks = [modules[s].register_forward_hook(keep(s, n)) for s, n in zip(stages, names)]
    try:
        with torch.inference_mode(), autocast(x.device, precision):
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return [kept[s] for s in stages if s in kept]


def photo_features(lm, photo: str | Path, stage: str | None = None, top: int = TOP_CHANNELS) -> PhotoFeatures:
    """The strongest channels of every stage (or only ``stage``, short or full name) for one photo file,
    preprocessed as prediction does. A photo that cannot be read, or an unknown stage, is an InputError."""
    from core.data.decode import UnreadableImage, decode_square
    from core.explain.photos import model_input
    from core.explain.stages import feature_stages, resolve_stage, short_name

    stages = feature_stages(lm.model, lm.image_size)
    if stage is not None:
        stages = [resolve_stage(lm.model, stage, lm.image_size, stages)]
    path = Path(photo)
    try:
        pixels = decode_square(path, lm.side)[None]
    except UnreadableImage as exc:
        raise InputError(f"{photo}: {exc}") from None
    _, x = model_input(lm, pixels)
    names = [short_name(s, lm.model) for s in stages]
    return PhotoFeatures(path, stage_maps(lm.model, x, stages, names, top, lm.precision))
