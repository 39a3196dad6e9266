"""ImageNet weights for the torchvision families, through torchvision's weights API.

Weights live where torchvision itself caches them (``$TORCH_HOME/hub/checkpoints``), so a
file a learner already downloaded for the course notes is found and reused. Offline with
no cached file, the error names the exact file and folder to put it in.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn
from torchvision.models import get_model, get_model_weights


class PretrainedWeightsUnavailable(RuntimeError):
    """The ImageNet weights are neither cached nor downloadable right now."""


def default_weights(torchvision_name: str):
    """torchvision's recommended ImageNet weights enum member for a builder name."""
    return get_model_weights(torchvision_name).DEFAULT


def weights_file(torchvision_name: str) -> Path:
    """Where torchvision caches (and so looks for) the weights file of this model."""
    url = default_weights(torchvision_name).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(urlparse(url).path)


def load_imagenet_state_dict(torchvision_name: str, progress: bool = False) -> dict[str, torch.Tensor]:
    """Read the cached ImageNet state dict, downloading it first if it is missing."""
    weights = default_weights(torchvision_name)
    path = weights_file(torchvision_name)
    try:
        # Same cache path and download code torchvision uses; never unpickles code.
        return weights.get_state_dict(progress=progress, weights_only=True, map_location="cpu")
    except Exception as exc:  # network down, proxy, partial file, bad pickle
        raise PretrainedWeightsUnavailable(
            f"ImageNet weights for {torchvision_name} are not available: {path.name} is not in "
            f"{path.parent} and downloading it failed ({type(exc).__name__}: {exc}). "
            f"Copy {path.name} into {path.parent} (or set TORCH_HOME) and try again."
        ) from exc


def build_pretrained(torchvision_name: str, num_classes: int) -> nn.Module:
    """torchvision model with ImageNet weights and a fresh classifier for num_classes."""
    state = load_imagenet_state_dict(torchvision_name)
    model = get_model(torchvision_name, weights=None)
    model.load_state_dict(state)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
