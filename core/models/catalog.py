"""One architecture as a learner sees it: the registry's description beside its measured size and cost."""

from __future__ import annotations

from core.models.registry import get_arch
from core.models.stats import cached_complexity, complexity


def arch_info(key: str, num_classes: int = 2, measure: bool = True) -> dict:
    """Everything a learner sees about one architecture, ready for a table or JSON. With
    ``measure=False`` params and gflops are None unless cached (the window, before torch loads)."""
    spec = get_arch(key)
    params, gflops = complexity(key, num_classes) if measure else (cached_complexity(key, num_classes) or (None, None))
    status = spec.imagenet_status(quick=not measure)
    return {
        "key": spec.key,
        "family": spec.family,
        "params": params,
        "gflops": round(gflops, 3) if gflops is not None else None,
        "image_size": spec.image_size,
        "pretrained": spec.has_pretrained,
        "imagenet_installed": status.installed,
        "imagenet_note": status.note,
        "description": spec.description,
    }
