"""The versions of the libraries behind a result: written into every run, and part of every cache key."""

from __future__ import annotations

import functools
import platform
from importlib import metadata


@functools.cache
def model_libraries_tag() -> str:
    """The libraries that build the models (torchvision's and timm's nets, torch's ops), for cache keys.

    From package metadata, so that a cached number is read without importing torch (the window's
    start); asked once per process: ``metadata.version`` scans every installed distribution.
    """
    return "-".join(f"{name}{metadata.version(name)}" for name in ("torch", "torchvision", "timm"))


def library_versions() -> dict[str, str]:
    """What a run's meta.json records: the app and every library that shaped its numbers."""
    import numpy
    import PIL
    import safetensors
    import torch
    import torchvision

    from core import __version__

    return {
        "catdog": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "safetensors": safetensors.__version__,
    }
