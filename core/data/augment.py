"""Training augmentation and evaluation crops on cached uint8 squares.

Training: random resized crop (scale 0.35-1, aspect 3/4-4/3; 0.25 was worse for short runs) and horizontal flip, the
ImageNet recipe the seeds use ("basic", the default). Evaluation: a centre crop of the cached square, which
equals Resize(side) + CenterCrop(image_size). ``--augment`` picks the policy (core.data.augment_choices): none (the
evaluation crop), basic, or basic followed by torchvision's TrivialAugmentWide or RandAugment per photo;
``mix_batch`` adds MixUp / CutMix on the normalised batch. Every draw comes from an explicit
torch.Generator seeded per batch, never from the global RNG (which other threads share), so a
resumed run sees the very same pictures, whatever runs beside it.
Normalisation happens on the device (``to_model_input``), so only uint8 crosses to a GPU.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF

from core.data.augment_choices import DEFAULT_AUGMENT
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




@cache
def _policy(name: str):
    from torchvision.transforms import v2

    return {"trivial": v2.TrivialAugmentWide, "randaugment": v2.RandAugment}[name]()


def _apply_policy(name: str, img: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One photo through TrivialAugmentWide or RandAugment, their ``forward`` draw for draw but from ``generator``.

    torchvision's ``forward`` draws from the global RNG, which every thread shares (a preview or a
    time estimate beside a run would change its pictures, and a resumed run would not see the same
    ones); the operations themselves are torchvision's (``_AUGMENTATION_SPACE``,
    ``_apply_image_or_video_transform``, stable since torchvision 0.15).
    """
    t = _policy(name)
    space = t._AUGMENTATION_SPACE
    names = list(space)
    height, width = img.shape[-2:]
    for _ in range(getattr(t, "num_ops", 1)):
        op = names[int(torch.randint(len(names), (), generator=generator))]
        magnitudes_fn, signed = space[op]
        magnitudes = magnitudes_fn(t.num_magnitude_bins, height, width)
        magnitude = 0.0
        if magnitudes is not None:
            k = t.magnitude if name == "randaugment" else int(torch.randint(t.num_magnitude_bins, (), generator=generator))
            magnitude = float(magnitudes[k])
            if signed and bool(torch.rand((), generator=generator) <= 0.5):
                magnitude = -magnitude
        img = t._apply_image_or_video_transform(img, op, magnitude, interpolation=t.interpolation, fill=t._fill)
    return img


def augment_batch(pixels_hwc: torch.Tensor, image_size: int, generator: torch.Generator,
                  policy: str = DEFAULT_AUGMENT) -> torch.Tensor:
    """(B, S, S, 3) uint8 -> (B, 3, image_size, image_size) uint8 as ``--augment policy`` trains on them.

    "basic" draws exactly what ``train_batch`` draws (runs from before --augment keep their numbers);
    trivial/randaugment then draw each photo's operations from the same generator (one per photo: a
    batch given to a v2 transform would get one operation for all of its photos).
    """
    if policy == "none":
        return eval_batch(pixels_hwc, image_size)
    out = train_batch(pixels_hwc, image_size, generator)
    if policy == DEFAULT_AUGMENT:
        return out
    return torch.stack([_apply_policy(policy, img, generator) for img in out])


def _beta(alpha: float, generator: torch.Generator) -> float:
    """A draw of Beta(alpha, alpha) from ``generator`` (torch.distributions would use the global RNG)."""
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    return float(np.random.default_rng(seed).beta(alpha, alpha))


def mix_batch(x: torch.Tensor, y: torch.Tensor, num_classes: int, mixup: float, cutmix: float,
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """MixUp (alpha ``mixup``) or CutMix (alpha ``cutmix``) of a float batch: (mixed x, soft targets (B, C)).

    Each photo is mixed with the one before it in the batch, as torchvision's v2.MixUp / v2.CutMix do
    (the same formulas, drawn from ``generator``). Both off (0): the batch and its class indices as they
    are. Both on: one of them per batch, half the time each, as the timm and torchvision recipes do.
    The soft targets sum to 1; the loss's label smoothing applies to them as to class indices.
    """
    if mixup <= 0 and cutmix <= 0:
        return x, y
    use_cutmix = cutmix > 0 and (mixup <= 0 or bool(torch.rand((), generator=generator) < 0.5))
    lam = _beta(cutmix if use_cutmix else mixup, generator)
    other = x.roll(1, 0)
    if use_cutmix:
        height, width = x.shape[-2:]
        cx, cy = int(torch.randint(width, (), generator=generator)), int(torch.randint(height, (), generator=generator))
        r = 0.5 * math.sqrt(1.0 - lam)
        half_w, half_h = int(r * width), int(r * height)
        x1, y1 = max(cx - half_w, 0), max(cy - half_h, 0)
        x2, y2 = min(cx + half_w, width), min(cy + half_h, height)
        x = x.clone()
        x[..., y1:y2, x1:x2] = other[..., y1:y2, x1:x2]
        lam = 1.0 - (x2 - x1) * (y2 - y1) / (width * height)  # the share of the photo that is still its own
    else:
        x = x * lam + other * (1.0 - lam)
    onehot = torch.nn.functional.one_hot(y, num_classes).to(x.dtype if x.is_floating_point() else torch.float32)
    return x, onehot * lam + onehot.roll(1, 0) * (1.0 - lam)


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
