"""Batched forward passes for evaluation and prediction (inference_mode, autocast).

``catdog predict``, ``catdog eval``, the window and Grad-CAM give ``batch_probs`` with the run's
temperature (core/calibration), so a photo gets the same probabilities wherever it is classified.
Validation in the training loop keeps the raw ``batch_logits``: the temperature is fitted on them,
and metrics.csv's val_loss is the uncalibrated one (meta.json's calibration holds both).
"""

from __future__ import annotations

import torch

from core.data.augment import to_model_input
from core.data.normalize import IMAGENET_MEAN, IMAGENET_STD
from core.hardware import autocast


@torch.inference_mode()
def batch_logits(model: torch.nn.Module, batch_u8: torch.Tensor, device: torch.device, precision: str,
                 mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """Float32 logits (on the CPU) for a (B, 3, H, W) uint8 batch: what a temperature is fitted on."""
    x = to_model_input(batch_u8, device, channels_last=True, mean=mean, std=std)
    with autocast(device, precision):
        return model(x).float().cpu()


@torch.inference_mode()
def batch_probs(model: torch.nn.Module, batch_u8: torch.Tensor, device: torch.device, precision: str,
                tta: bool = False, mean=IMAGENET_MEAN, std=IMAGENET_STD, temperature: float = 1.0) -> torch.Tensor:
    """Float32 class probabilities (on the CPU) for a (B, 3, H, W) uint8 batch: softmax(logits / temperature).

    With ``tta`` the probabilities are averaged with those of the mirrored image.
    """
    x = to_model_input(batch_u8, device, channels_last=True, mean=mean, std=std)
    with autocast(device, precision):
        probs = torch.softmax(model(x).float() / temperature, 1)
        if tta:
            probs = (probs + torch.softmax(model(torch.flip(x, dims=[3])).float() / temperature, 1)) / 2
    return probs.cpu()
