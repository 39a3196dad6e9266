"""Where torchvision's ImageNet weights land once downloaded, remembered so the window can tell without torch."""

from __future__ import annotations

import os
from pathlib import Path

from core.utils.json_cache import JsonCache
from core.utils.versions import model_libraries_tag

#: torchvision model name -> [file name, MB], per version of the libraries (a new torchvision may ship new files)
DOWNLOADS = JsonCache(lambda: f"weights-downloads-{model_libraries_tag()}.json")


def torch_hub_dir() -> Path:
    """torch.hub.get_dir()'s own rule (TORCH_HOME, else XDG_CACHE_HOME/torch, then hub), without importing torch."""
    home = os.getenv("TORCH_HOME") or os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(home)) / "hub"


def cached_weights_download(torchvision_name: str) -> tuple[str, float | None] | None:
    """(file name, MB) of a torchvision model's ImageNet weights if known with these libraries, else None."""
    found = DOWNLOADS.get(torchvision_name)
    return (found[0], found[1]) if isinstance(found, list) and len(found) == 2 else None


def remember_weights_download(torchvision_name: str, file_name: str, megabytes: float | None) -> None:
    DOWNLOADS.put(torchvision_name, [file_name, megabytes])
