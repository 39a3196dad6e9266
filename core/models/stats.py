"""Parameter counts and FLOPs, measured (never hard-coded) and cached on disk.

Measuring runs on the meta device, so it costs no memory; still, all architectures take a
few seconds, which the window would pay at every start. The numbers only change with the
libraries' versions, so they are kept in a small JSON file in the cache folder.
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path

from core.atomic import write_text_atomic
from core.paths import cache_root


def _stats_file() -> Path:
    # versions from package metadata: a cached number is read without importing torch (the window's start)
    torch_v, tv_v = metadata.version("torch"), metadata.version("torchvision")
    return cache_root() / f"arch-stats-torch{torch_v}-tv{tv_v}.json"


def _stored() -> dict:
    try:
        return json.loads(_stats_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def torch_hub_dir() -> Path:
    """torch.hub.get_dir()'s own rule (TORCH_HOME, else XDG_CACHE_HOME/torch, then hub), without importing torch."""
    home = os.getenv("TORCH_HOME") or os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub"


def cached_weights_download(torchvision_name: str) -> tuple[str, float | None] | None:
    """(file name, MB) of a torchvision model's ImageNet weights if known with these libraries, else None."""
    found = _stored().get(f"weights|{torchvision_name}")
    return (found[0], found[1]) if found else None


def remember_weights_download(torchvision_name: str, file_name: str, megabytes: float | None) -> None:
    _store(f"weights|{torchvision_name}", [file_name, megabytes])


def _store(slot: str, value: list) -> None:
    stored = _stored()
    stored[slot] = value
    try:
        write_text_atomic(_stats_file(), json.dumps(stored))
    except OSError:
        pass  # a read-only cache folder only costs the time to measure again


def cached_complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float] | None:
    """The stored numbers, or None if they were never measured with these libraries (never imports torch)."""
    found = _MEASURED.get((key, num_classes, image_size)) or _stored().get(f"{key}|{num_classes}|{image_size}")
    return (int(found[0]), float(found[1])) if found else None


_MEASURED: dict[tuple[str, int, int], tuple[int, float]] = {}  # this process's answers


def complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float]:
    """(parameter count, forward GFLOPs for one image), measured once per library version."""
    memo = (key, num_classes, image_size)
    if memo in _MEASURED:
        return _MEASURED[memo]
    slot = f"{key}|{num_classes}|{image_size}"
    stored = _stored()
    if slot in stored:
        result = int(stored[slot][0]), float(stored[slot][1])
    else:
        result = _measure(key, num_classes, image_size)
        _store(slot, list(result))
    _MEASURED[memo] = result
    return result


def _measure(key: str, num_classes: int, image_size: int) -> tuple[int, float]:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from core.models.registry import build_model

    with torch.device("meta"):
        model = build_model(key, num_classes)
        x = torch.empty(1, 3, image_size, image_size)
    params = sum(p.numel() for p in model.parameters())
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return params, counter.get_total_flops() / 1e9
