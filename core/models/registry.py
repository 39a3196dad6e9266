"""Every architecture the app offers, by key: how to build it and how to describe it.

The torchvision families are torchvision's own builders, so its ImageNet weights load
unchanged; ``lenet`` and ``plain18/34`` are teaching models from the seed notes.
Parameter counts and FLOPs are measured (on the meta device, so it costs no memory or
time), never hard-coded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from torchvision.models import get_model

from core.atomic import write_text_atomic
from core.models.lenet import LeNet
from core.models.plain import plain18, plain34
from core.models.pretrained import build_pretrained
from core.paths import cache_root


@dataclass(frozen=True)
class ArchSpec:
    key: str
    family: str
    description: str
    torchvision_name: str | None = None  # set when torchvision (and its ImageNet weights) provide it

    @property
    def has_pretrained(self) -> bool:
        return self.torchvision_name is not None

    def build(self, num_classes: int = 2, pretrained: bool = False) -> nn.Module:
        if pretrained and not self.has_pretrained:
            raise ValueError(f"{self.key} has no ImageNet weights; train it from scratch")
        if self.torchvision_name is None:
            return _LOCAL_BUILDERS[self.key](num_classes)
        if pretrained:
            return build_pretrained(self.torchvision_name, num_classes)
        return get_model(self.torchvision_name, weights=None, num_classes=num_classes)


_LOCAL_BUILDERS: dict[str, Callable[[int], nn.Module]] = {
    "lenet": LeNet,
    "plain18": plain18,
    "plain34": plain34,
}

_SPECS = [
    ArchSpec("lenet", "LeNet", "The seeds' small CNN: 2 conv layers of 16 channels + 3 fully connected; a baseline to beat."),
    ArchSpec("plain18", "Plain", "ResNet-18's 18 layers with every shortcut removed: the paper's plain baseline."),
    ArchSpec("plain34", "Plain", "34 plain layers, no shortcuts: trains worse than plain-18 (the degradation problem)."),
    ArchSpec("resnet18", "ResNet", "18 layers of basic blocks (two 3x3 convs + identity shortcut); fast, the usual first choice.", "resnet18"),
    ArchSpec("resnet34", "ResNet", "34 layers of basic blocks: deeper than plain-34 yet easier to train, thanks to shortcuts.", "resnet34"),
    ArchSpec("resnet50", "ResNet", "50 layers of bottleneck blocks (1x1 reduce, 3x3, 1x1 expand) + shortcuts.", "resnet50"),
    ArchSpec("resnet101", "ResNet", "101 bottleneck layers: more depth for little extra cost per layer.", "resnet101"),
    ArchSpec("resnet152", "ResNet", "152 bottleneck layers, the paper's deepest ImageNet model; slow on a CPU.", "resnet152"),
    ArchSpec("resnext50_32x4d", "ResNeXt", "ResNet-50 with grouped 3x3 convs (32 paths of width 4): cardinality beats width.", "resnext50_32x4d"),
    ArchSpec("resnext101_32x8d", "ResNeXt", "101 layers, 32 groups of width 8: the largest model here; GPU recommended.", "resnext101_32x8d"),
]

ARCHS: dict[str, ArchSpec] = {spec.key: spec for spec in _SPECS}


class UnknownArchitecture(KeyError):
    def __str__(self) -> str:
        return f"unknown architecture {self.args[0]!r}; choose one of: {', '.join(ARCHS)}"


def get_arch(key: str) -> ArchSpec:
    try:
        return ARCHS[key]
    except KeyError:
        raise UnknownArchitecture(key) from None


def build_model(key: str, num_classes: int = 2, pretrained: bool = False) -> nn.Module:
    return get_arch(key).build(num_classes, pretrained)


def _stats_file() -> Path:
    import torchvision

    return cache_root() / f"arch-stats-torch{torch.__version__}-tv{torchvision.__version__}.json"


@lru_cache(maxsize=None)
def complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float]:
    """(parameter count, forward GFLOPs for one image), measured once per library version.

    Measuring all ten architectures takes ~2 s even on the meta device, which the window
    would pay at every start; the numbers only change with torch/torchvision, so they are
    kept in a small JSON file in the cache folder.
    """
    path, slot = _stats_file(), f"{key}|{num_classes}|{image_size}"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    if slot in stored:
        params, gflops = stored[slot]
        return int(params), float(gflops)
    result = _measure(key, num_classes, image_size)
    stored[slot] = list(result)
    try:
        write_text_atomic(path, json.dumps(stored))
    except OSError:
        pass  # a read-only cache folder only costs the time to measure again
    return result


def _measure(key: str, num_classes: int, image_size: int) -> tuple[int, float]:
    with torch.device("meta"):
        model = build_model(key, num_classes)
        x = torch.empty(1, 3, image_size, image_size)
    params = sum(p.numel() for p in model.parameters())
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return params, counter.get_total_flops() / 1e9


def arch_info(key: str, num_classes: int = 2) -> dict:
    """Everything a learner sees about one architecture, ready for a table or JSON."""
    spec = get_arch(key)
    params, gflops = complexity(key, num_classes)
    return {
        "key": spec.key,
        "family": spec.family,
        "params": params,
        "gflops": round(gflops, 3),
        "pretrained": spec.has_pretrained,
        "description": spec.description,
    }
