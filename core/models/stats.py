"""Parameter counts and FLOPs, measured (never hard-coded) and cached on disk.

Measuring runs on the meta device, so it costs no memory; still, all architectures take a
few seconds, which the window would pay at every start. The numbers only change with the
libraries' versions, so they are kept in a small JSON file in the cache folder.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from core.atomic import write_text_atomic
from core.paths import cache_root


def _stats_file() -> Path:
    import torchvision

    return cache_root() / f"arch-stats-torch{torch.__version__}-tv{torchvision.__version__}.json"


@lru_cache(maxsize=None)
def complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float]:
    """(parameter count, forward GFLOPs for one image), measured once per library version."""
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
    from core.models.registry import build_model

    with torch.device("meta"):
        model = build_model(key, num_classes)
        x = torch.empty(1, 3, image_size, image_size)
    params = sum(p.numel() for p in model.parameters())
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return params, counter.get_total_flops() / 1e9
