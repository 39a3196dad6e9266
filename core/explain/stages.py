"""The convolutional stages of any model, found from its structure rather than a per-architecture table.

A stage is a top-level child that contains a convolution (ResNet's conv1 and layer1-4,
LeNet's conv1/conv2, GoogLeNet's inception blocks); when a model keeps nearly all of its
convolutions in one container (timm EfficientNet's ``blocks``, VGG's ``features``), that
container's conv-holding children are the stages. A one-child wrapper (the ImageNet cat/dog
reader) is looked through. Only stages that really run in the forward pass and give a
feature map (N, C, H, W) are kept, in the order they run. ``catdog features`` shows the same stages
(feature_stages), filled out from the leaf layers for a network with fewer than three (LeNet).
"""

from __future__ import annotations

import weakref

import torch
from torch import nn

from core.errors import InputError


def _has_conv(module: nn.Module) -> bool:
    return any(isinstance(m, nn.Conv2d) for m in module.modules())


def _unwrap(model: nn.Module) -> tuple[str, nn.Module]:
    prefix = ""
    while len(kids := list(model.named_children())) == 1:
        name, model = kids[0]
        prefix += name + "."
    return prefix, model


def candidate_stages(model: nn.Module) -> list[str]:
    """Dotted module names that may be stages, before the forward-pass check."""
    prefix, core = _unwrap(model)
    tops = [(n, m) for n, m in core.named_children() if _has_conv(m)]
    names: list[str] = []
    for n, m in tops:
        kids = [f"{n}.{k}" for k, c in m.named_children() if _has_conv(c)]
        names += kids if len(tops) <= 3 and len(kids) >= 3 else [n]
    return [prefix + n for n in names]


_found: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its stages (one dry run each)
_found_features: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> feature_stages' answer


def _giving_maps(model: nn.Module, names: list[str], image_size: int) -> list[str]:
    """Those of ``names`` whose output is a 4-D feature map in one dry forward pass, in the order they run."""
    modules = dict(model.named_modules())
    fired: list[str] = []
    hooks = [modules[n].register_forward_hook(
        lambda m, i, out, n=n: fired.append(n) if isinstance(out, torch.Tensor) and out.dim() == 4
        and n not in fired else None) for n in names]
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    try:
        with torch.inference_mode():
            model(torch.zeros(1, 3, image_size, image_size, device=device))
    finally:
        for h in hooks:
            h.remove()
    return fired


def conv_stages(model: nn.Module, image_size: int = 64) -> list[str]:
    """The stages that give a 4-D feature map in a forward pass, first to last; the last is Grad-CAM's default."""
    if model not in _found:
        _found[model] = _giving_maps(model, candidate_stages(model), image_size)
    return list(_found[model])


def feature_stages(model: nn.Module, image_size: int = 64, at_least: int = 3) -> list[str]:
    """The stages whose feature maps ``catdog features`` shows: Grad-CAM's, or, for a model with fewer than
    ``at_least`` of them (LeNet's two convolutions), every leaf layer that gives a feature map (its
    convolutions and pooling), so a small network still shows how its picture changes layer by layer."""
    stages = conv_stages(model, image_size)
    if len(stages) >= at_least:
        return stages
    if model not in _found_features:
        leaves = [n for n, m in model.named_modules() if n and next(m.children(), None) is None]
        _found_features[model] = _giving_maps(model, leaves, image_size)
    leaves = _found_features[model]
    return list(leaves) if len(leaves) > len(stages) else stages


def short_name(stage: str, model: nn.Module) -> str:
    """The stage name without a wrapper's prefix (``imagenet.layer4`` -> ``layer4``)."""
    prefix, _ = _unwrap(model)
    return stage[len(prefix):] if stage.startswith(prefix) else stage


def resolve_stage(model: nn.Module, stage: str | None, image_size: int = 64, stages: list[str] | None = None) -> str:
    """The full module name of ``stage`` (short or full) among ``stages`` (default: conv_stages), or the last
    stage when None; InputError if unknown."""
    stages = conv_stages(model, image_size) if stages is None else stages
    if not stages:
        raise InputError("this model has no convolutional stage to explain")
    if stage is None:
        return stages[-1]
    for s in stages:
        if stage in (s, short_name(s, model)):
            return s
    raise InputError(f"stage {stage!r}: no such stage; choose one of {', '.join(short_name(s, model) for s in stages)}")
