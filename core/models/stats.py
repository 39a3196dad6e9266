"""Parameter counts and FLOPs, measured (never hard-coded) and cached on disk.

Measuring runs on the meta device, so it costs no memory; still, all architectures take a
few seconds, which the window would pay at every start. The numbers only change with the
libraries' versions, so they are kept in a small JSON file in the cache folder.

FLOPs come from torch.utils.flop_counter's own formulas, but not from a plain
``FlopCounterMode``: that one tracks modules with *global* hooks, which fire in every
thread (a training run beside the explorer would feed them) and attach autograd hooks
there. ``ThreadLocalFlopCounter`` keeps the counting (a thread-local dispatch mode) and
swaps the tracker for one driven by hooks on this model's own modules. The model runs in
eval mode: in training mode BatchNorm refuses a 1x1 map from a single image (ResNet at 32 px).
"""

from __future__ import annotations

import functools
import json
import os
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import InputError
from core.utils.atomic import write_text_atomic
from core.utils.paths import cache_root

if TYPE_CHECKING:
    from torch import nn

#: the smallest and largest --image-size the app accepts (core.training.config says the same)
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 16, 1024


class _LocalTracker:
    """Stands in for torch's ModuleTracker: ``parents`` are the labels the caller pushes."""

    def __init__(self) -> None:
        self.parents: set[str] = {"Global"}

    def __enter__(self) -> _LocalTracker:
        return self

    def __exit__(self, *exc) -> None:
        return None


def thread_local_flop_counter(custom_mapping: dict | None = None):
    """A FlopCounterMode that counts only this thread's ops and installs no global hook.

    ``counter.mod_tracker.parents`` is a set of labels: FLOPs counted while a label is in it
    also go to ``counter.flop_counts[label]`` (explore pushes one label per stage).
    """
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False, custom_mapping=custom_mapping)
    counter.mod_tracker = _LocalTracker()
    return counter


@functools.cache
def library_versions() -> str:
    """The libraries that build the models (torchvision's and timm's nets, torch's ops), for cache keys.

    From package metadata, so that a cached number is read without importing torch (the window's
    start); asked once per process: ``metadata.version`` scans every installed distribution.
    """
    return "-".join(f"{name}{metadata.version(name)}" for name in ("torch", "torchvision", "timm"))


def _stats_file() -> Path:
    return cache_root() / f"arch-stats-v3-{library_versions()}.json"


def _stored() -> dict:
    try:
        stored = json.loads(_stats_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _store(slot: str, value: list) -> None:
    stored = _stored()
    if stored.get(slot) == value:
        return  # known already: no rewrite of the file
    stored[slot] = value
    try:
        write_text_atomic(_stats_file(), json.dumps(stored))
    except OSError:
        pass  # a read-only cache folder only costs the time to measure again


def torch_hub_dir() -> Path:
    """torch.hub.get_dir()'s own rule (TORCH_HOME, else XDG_CACHE_HOME/torch, then hub), without importing torch."""
    home = os.getenv("TORCH_HOME") or os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub"


def cached_weights_download(torchvision_name: str) -> tuple[str, float | None] | None:
    """(file name, MB) of a torchvision model's ImageNet weights if known with these libraries, else None."""
    found = _stored().get(f"weights|{torchvision_name}")
    return (found[0], found[1]) if isinstance(found, list) and len(found) == 2 else None


def remember_weights_download(torchvision_name: str, file_name: str, megabytes: float | None) -> None:
    _store(f"weights|{torchvision_name}", [file_name, megabytes])


def check_image_size(key: str, image_size: int) -> None:
    """InputError unless ``image_size`` is within what the app (and this architecture) accepts."""
    from core.models.registry import get_arch

    lowest = max(MIN_IMAGE_SIZE, int(getattr(get_arch(key), "min_image_size", MIN_IMAGE_SIZE)))
    if not lowest <= image_size <= MAX_IMAGE_SIZE:
        raise InputError(f"--image-size {image_size}: {key} takes {lowest} to {MAX_IMAGE_SIZE} px")


def build_meta(key: str, num_classes: int = 2) -> nn.Module:
    """The architecture with shapes only (meta device): no memory, no initialisation; eval mode."""
    from core.models.meta import on_meta
    from core.models.registry import build_model

    with on_meta():
        model = build_model(key, num_classes)
    return model.eval()


def run_counted(model: nn.Module, image_size: int, counter, key: str = "") -> object:
    """One forward pass of a 1-image meta batch under ``counter``; a size too small is an InputError."""
    import torch

    from core.models.meta import meta_forward

    x = torch.empty(1, 3, image_size, image_size, device="meta")
    try:
        with counter, torch.no_grad(), meta_forward():
            return model(x)
    except (RuntimeError, ValueError) as exc:
        lowest = smallest_working_size(model, image_size)
        hint = f"the smallest size it takes is {lowest} px" if lowest else f"no size up to {MAX_IMAGE_SIZE} px works"
        raise InputError(f"--image-size {image_size}: {key or type(model).__name__} cannot run at this size "
                         f"({str(exc).splitlines()[0][:120]}); {hint}") from None


def smallest_working_size(model: nn.Module, failed: int) -> int | None:
    """The smallest input side above ``failed`` that runs (bisection: outputs only shrink with size)."""
    import torch

    from core.models.meta import meta_forward

    def works(side: int) -> bool:
        try:
            with torch.no_grad(), meta_forward():
                model(torch.empty(1, 3, side, side, device="meta"))
            return True
        except (RuntimeError, ValueError):
            return False

    if not works(MAX_IMAGE_SIZE):
        return None
    lo, hi = failed, MAX_IMAGE_SIZE  # lo fails, hi works
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if works(mid) else (mid, hi)
    return hi


def _measure(key: str, num_classes: int, image_size: int) -> tuple[int, int]:
    """(parameter count, forward FLOPs of one image) from the real model."""
    check_image_size(key, image_size)
    model = build_meta(key, num_classes)
    counter = thread_local_flop_counter()
    run_counted(model, image_size, counter, key)
    return sum(p.numel() for p in model.parameters()), int(counter.get_total_flops())


_MEASURED: dict[tuple[str, int, int], tuple[int, int]] = {}  # this process's answers


def cached_complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float] | None:
    """(parameters, GFLOPs) if already measured with these libraries, else None (never imports torch)."""
    found = _MEASURED.get((key, num_classes, image_size)) or _stored().get(f"{key}|{num_classes}|{image_size}")
    if not (isinstance(found, (list, tuple)) and len(found) == 2):
        return None
    return int(found[0]), int(found[1]) / 1e9


def complexity_flops(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, int]:
    """(parameter count, forward FLOPs for one image as an integer), measured once per library version."""
    memo = (key, num_classes, image_size)
    if memo in _MEASURED:
        return _MEASURED[memo]
    found = _stored().get(f"{key}|{num_classes}|{image_size}")
    if isinstance(found, list) and len(found) == 2:
        result = int(found[0]), int(found[1])
    else:
        result = _measure(key, num_classes, image_size)
        _store(f"{key}|{num_classes}|{image_size}", list(result))
    _MEASURED[memo] = result
    return result


def complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float]:
    """(parameter count, forward GFLOPs for one image), as ``catdog archs`` shows them."""
    params, flops = complexity_flops(key, num_classes, image_size)
    return params, flops / 1e9


complexity.cache_clear = _MEASURED.clear  # forget this process's answers (the file stays)
