"""Training augmentation and evaluation crops on cached uint8 squares.

Training: random resized crop (scale 0.35-1, aspect 3/4-4/3; 0.25 was worse for short runs) and horizontal flip, the
ImageNet recipe the seeds use. Evaluation: a centre crop of the cached square, which
equals Resize(side) + CenterCrop(image_size). Crop boxes come from an explicit
torch.Generator seeded per batch, so a resumed run sees the very same crops.
Normalisation happens on the device (``to_model_input``), so only uint8 crosses to a GPU.
"""

from __future__ import annotations

import math

import torch
from torchvision.transforms.v2 import functional as TF

from core.data.normalize import IMAGENET_MEAN, IMAGENET_STD

#: cached square side for a given model input size (256 for 224, as in Resize(256)+CenterCrop(224))
CACHE_RATIO = 256 / 224


def cache_side(image_size: int) -> int:
    return int(round(image_size * CACHE_RATIO))


def sample_crop_boxes(n: int, side: int, generator: torch.Generator,
                      scale=(0.35, 1.0), ratio=(3 / 4, 4 / 3)) -> torch.Tensor:
    """(n, 4) int boxes (top, left, height, width) as RandomResizedCrop draws them."""
    area = side * side * torch.empty(n).uniform_(*scale, generator=generator)
    log_r = torch.empty(n).uniform_(math.log(ratio[0]), math.log(ratio[1]), generator=generator)
    aspect = torch.exp(log_r)
    w = torch.sqrt(area * aspect).round().clamp(8, side)
    h = torch.sqrt(area / aspect).round().clamp(8, side)
    top = (torch.rand(n, generator=generator) * (side - h + 1)).floor()
    left = (torch.rand(n, generator=generator) * (side - w + 1)).floor()
    return torch.stack([top, left, h, w], 1).long()


def train_batch(pixels_hwc: torch.Tensor, image_size: int, generator: torch.Generator) -> torch.Tensor:
    """(B, S, S, 3) uint8 -> (B, 3, image_size, image_size) uint8, randomly cropped and flipped."""
    chw = pixels_hwc.permute(0, 3, 1, 2)
    n, side = chw.shape[0], chw.shape[-1]
    boxes = sample_crop_boxes(n, side, generator).tolist()
    flips = (torch.rand(n, generator=generator) < 0.5).tolist()
    out = torch.empty((n, 3, image_size, image_size), dtype=torch.uint8)
    for i, ((top, left, h, w), flip) in enumerate(zip(boxes, flips)):
        crop = TF.resized_crop(chw[i], top, left, h, w, [image_size, image_size], antialias=True)
        out[i] = TF.horizontal_flip(crop) if flip else crop
    return out


def eval_batch(pixels_hwc: torch.Tensor, image_size: int) -> torch.Tensor:
    """(B, S, S, 3) uint8 -> (B, 3, image_size, image_size) uint8 centre crops."""
    chw = pixels_hwc.permute(0, 3, 1, 2)
    return TF.center_crop(chw, [image_size, image_size]).contiguous()


def to_model_input(x_u8: torch.Tensor, device: torch.device, channels_last: bool,
                   mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """uint8 NCHW on the host -> normalised float on ``device``, channels_last if asked."""
    x = x_u8.to(device, non_blocking=True).float().div_(255)
    m = torch.tensor(mean, device=device).view(1, 3, 1, 1)
    s = torch.tensor(std, device=device).view(1, 3, 1, 1)
    x = x.sub_(m).div_(s)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x
