"""Grad-CAM (Selvaraju et al., 2017) with hooks on the real model: no copy, no extra dependency.

One forward pass records the chosen stage's feature map A (a forward hook that hands the
rest of the network a clone, so in-place activations after the stage cannot change A); one
gradient per class gives d score / dA. The class's map is ReLU(sum_c mean(dA_c) * A_c),
upsampled to the input and scaled to [0, 1]. ``torch.autograd.grad`` touches no parameter
gradients, so a model shared with prediction is left exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from core.explain.stages import resolve_stage, short_name


@dataclass
class CamResult:
    probs: np.ndarray  # (B, classes)
    maps: np.ndarray  # (B, classes, H, W) float32 in [0, 1], at the input size
    stage: str  # the stage's short name


def grad_cam(model: torch.nn.Module, x: torch.Tensor, stage: str | None = None, precision: str = "fp32",
             temperature: float = 1.0) -> CamResult:
    """Grad-CAM maps of every class for a normalised float batch ``x`` (B, 3, H, W).

    ``precision`` "bf16"/"fp16" runs the forward pass under autocast, as prediction does (faster on
    CPUs with AMX and on GPUs); the maps are computed in float32 either way.
    """
    from core.hardware import autocast

    name = resolve_stage(model, stage, x.shape[-1])
    module = dict(model.named_modules())[name]
    captured: list[torch.Tensor] = []

    def keep(_m, _inputs, out):
        captured.append(out)
        return out.clone()

    handle = module.register_forward_hook(keep)
    try:
        with torch.inference_mode(False), torch.enable_grad():
            x = x.detach().clone().requires_grad_(True)
            with autocast(x.device, precision):
                logits = model(x).float()
            acts = captured[-1]
            n = logits.shape[1]
            maps = []
            for k in range(n):
                (grads,) = torch.autograd.grad(logits[:, k].sum(), acts, retain_graph=k < n - 1)
                weights = grads.float().mean((2, 3), keepdim=True)
                maps.append(F.relu((weights * acts.float()).sum(1)))
            cams = torch.stack(maps, 1).detach()  # (B, n, h, w)
    finally:
        handle.remove()
    cams = F.interpolate(cams, size=x.shape[-2:], mode="bilinear", align_corners=False)
    peak = cams.flatten(2).amax(2).clamp_min(1e-12)[..., None, None]
    return CamResult(torch.softmax(logits.detach() / temperature, 1).cpu().numpy(), (cams / peak).cpu().numpy(),
                     short_name(name, model))
