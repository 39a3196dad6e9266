"""ImageNet weights for the torchvision families, through torchvision's weights API.

Weights live where torchvision itself caches them (``$TORCH_HOME/hub/checkpoints``), so a
file a learner already downloaded for the course notes is found and reused. Offline with
no cached file, the error says which file, how big, which folder, and the way on.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import torch
from torch import nn
from torchvision.models import get_model, get_model_weights

from core.models.weights_errors import PretrainedWeightsUnavailable

__all__ = ["PretrainedWeightsUnavailable", "weights_file", "weights_megabytes", "build_pretrained",
           "build_imagenet_classifier"]


def default_weights(torchvision_name: str):
    """torchvision's recommended ImageNet weights enum member for a builder name."""
    return get_model_weights(torchvision_name).DEFAULT


def weights_file(torchvision_name: str) -> Path:
    """Where torchvision caches (and so looks for) the weights file of this model."""
    url = default_weights(torchvision_name).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(urlparse(url).path)


def weights_megabytes(torchvision_name: str) -> float | None:
    """Download size in MB, as torchvision's weights metadata states it."""
    return default_weights(torchvision_name).meta.get("_file_size")


def load_imagenet_state_dict(torchvision_name: str, progress: bool = False) -> dict[str, torch.Tensor]:
    """Read the cached ImageNet state dict, downloading it first if it is missing."""
    weights = default_weights(torchvision_name)
    path = weights_file(torchvision_name)
    try:
        # Same cache path and download code torchvision uses; never unpickles code.
        return weights.get_state_dict(progress=progress, weights_only=True, map_location="cpu")
    except Exception as exc:  # network down, proxy, partial file, bad pickle
        size = weights_megabytes(torchvision_name)
        size_text = f", {size:.0f} MB" if size else ""
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}" if str(exc) else type(exc).__name__
        raise PretrainedWeightsUnavailable(
            f"ImageNet weights for {torchvision_name} are not on this computer and could not be downloaded "
            f"({reason}). Put {path.name} ({weights.url}{size_text}) in {path.parent}, or choose "
            f"efficientnet_lite0, whose ImageNet weights are installed, or train from scratch") from None


def build_imagenet_classifier(torchvision_name: str, **kwargs) -> nn.Module:
    """The 1000-class ImageNet model with its weights (``kwargs``: builder arguments, e.g. GoogLeNet's)."""
    model = get_model(torchvision_name, weights=None, **kwargs)
    state = load_imagenet_state_dict(torchvision_name)
    if kwargs.get("aux_logits") is False:  # GoogLeNet's file holds the auxiliary classifiers we leave out
        state = {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}
    model.load_state_dict(state)
    return model


def build_pretrained(torchvision_name: str, num_classes: int) -> nn.Module:
    """torchvision model with ImageNet weights and a fresh classifier for num_classes."""
    from core.models.heads import replace_head

    model = build_imagenet_classifier(torchvision_name)
    replace_head(model, num_classes)
    return model
