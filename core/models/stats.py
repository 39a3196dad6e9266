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

from typing import TYPE_CHECKING

from core.errors import InputError
from core.utils.json_cache import JsonCache
from core.utils.versions import model_libraries_tag

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


#: measured (parameters, FLOPs) per "arch|classes|size", one file per version of the libraries that build the nets
STATS = JsonCache(lambda: f"arch-stats-v3-{model_libraries_tag()}.json", indent=None)


def image_size_range(key: str) -> tuple[int, int]:
    """The smallest and largest image size the app accepts for this architecture."""
    from core.models.registry import get_arch

    return max(MIN_IMAGE_SIZE, int(getattr(get_arch(key), "min_image_size", MIN_IMAGE_SIZE))), MAX_IMAGE_SIZE


def check_image_size(key: str, image_size: int) -> None:
    """InputError unless ``image_size`` is within what the app (and this architecture) accepts."""
    lowest, highest = image_size_range(key)
    if not lowest <= image_size <= highest:
        raise InputError(f"--image-size {image_size}: {key} takes {lowest} to {highest} px")


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
    found = _MEASURED.get((key, num_classes, image_size)) or STATS.get(f"{key}|{num_classes}|{image_size}")
    if not (isinstance(found, (list, tuple)) and len(found) == 2):
        return None
    return int(found[0]), int(found[1]) / 1e9


def complexity_flops(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, int]:
    """(parameter count, forward FLOPs for one image as an integer), measured once per library version."""
    memo = (key, num_classes, image_size)
    if memo in _MEASURED:
        return _MEASURED[memo]
    found = STATS.get(f"{key}|{num_classes}|{image_size}")
    if isinstance(found, list) and len(found) == 2:
        result = int(found[0]), int(found[1])
    else:
        result = _measure(key, num_classes, image_size)
        STATS.put(f"{key}|{num_classes}|{image_size}", list(result))
    _MEASURED[memo] = result
    return result


def complexity(key: str, num_classes: int = 2, image_size: int = 224) -> tuple[int, float]:
    """(parameter count, forward GFLOPs for one image), as ``catdog archs`` shows them."""
    params, flops = complexity_flops(key, num_classes, image_size)
    return params, flops / 1e9


complexity.cache_clear = _MEASURED.clear  # forget this process's answers (the file stays)
