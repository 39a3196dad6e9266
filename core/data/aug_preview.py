"""What the network will see of one photo: the very crops and flips training makes, for a preview.

Nothing here re-implements augmentation: the photo is decoded as the pixel cache decodes it
(``decode_square`` at ``cache_side``) and cut by core.data.augment's ``augment_batch`` for the
chosen --augment policy (scratch and fine-tuning) or ``eval_batch`` plus its mirror (a frozen
backbone sees only those two). The crop boxes are drawn a second time from the same generator
state, only to caption them. MixUp and CutMix mix a batch's photos with each other: the caption
says so (``mixing_note``); one photo's views cannot show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.augment_choices import DEFAULT_AUGMENT


@dataclass
class View:
    pixels: np.ndarray  # (image_size, image_size, 3) uint8, exactly what goes to normalisation
    caption: str  # short, under the picture
    detail: str  # a sentence, for a tooltip


#: what the policies add after the crop and flip, for the views' tooltips
_AFTER_CROP = {"trivial": "then one TrivialAugmentWide operation at a random strength",
               "randaugment": "then two RandAugment operations at strength 9"}


def mixing_note(mixup: float, cutmix: float) -> str:
    """A sentence on how MixUp/CutMix change the batches ('' when both are off)."""
    parts = ([f"MixUp blends each photo with another of its batch (share ~ Beta({mixup:g}, {mixup:g}))"]
             if mixup > 0 else []) + ([f"CutMix pastes a box of another photo of its batch into it (area ~ "
                                       f"Beta({cutmix:g}, {cutmix:g}))"] if cutmix > 0 else [])
    if not parts:
        return ""
    how = " or ".join(parts) + (", one of the two per batch" if len(parts) == 2 else "")
    return f"then {how}; the labels are mixed in the same shares"


def training_views(path: str | Path, image_size: int, n: int = 7, seed: int = 0,
                   frozen: bool = False, augment: str = DEFAULT_AUGMENT) -> tuple[np.ndarray, list[View]]:
    """(the cached square of the photo, the views training makes of it). UnreadableImage if it cannot be read."""
    import torch

    from core.data.augment import augment_batch, cache_side, eval_batch, sample_crop_boxes
    from core.data.decode import decode_square

    side = cache_side(image_size)
    square = decode_square(path, side)
    batch = torch.from_numpy(square.copy())[None]  # decode_square's array is read-only
    if frozen:
        centre = eval_batch(batch, image_size)[0]
        return square, [
            View(_hwc(centre), "centre", f"the centre {image_size}×{image_size} of the {side}×{side} photo"),
            View(_hwc(centre.flip(2)), "mirrored", "the same centre crop, mirrored: the only other view a "
                                                    "frozen backbone ever sees"),
        ]
    if augment == "none":
        centre = eval_batch(batch, image_size)[0]
        return square, [View(_hwc(centre), "centre", f"the centre {image_size}×{image_size} of the {side}×{side} "
                                                     "photo: with no augmentation, every epoch sees just this")]
    generator = torch.Generator().manual_seed(int(seed))
    state = generator.get_state()
    crops = augment_batch(batch.expand(n, -1, -1, -1), image_size, generator, augment)
    generator.set_state(state)  # the same draws again, to say what each crop is
    boxes = sample_crop_boxes(n, side, generator).tolist()
    flips = (torch.rand(n, generator=generator) < 0.5).tolist()
    after, mark = _AFTER_CROP.get(augment), " +" if augment in _AFTER_CROP else ""
    views = []
    for crop, (top, left, h, w), flip in zip(crops, boxes, flips):
        share = 100 * h * w / side ** 2
        views.append(View(_hwc(crop), f"{share:.0f}%{' ↔' if flip else ''}{mark}",
                          f"a {w}×{h} crop ({share:.0f}% of the photo) at x={left}, y={top}, scaled to "
                          f"{image_size}×{image_size}{', mirrored' if flip else ''}{', ' + after if after else ''}"))
    return square, views


def _hwc(chw) -> np.ndarray:
    return np.ascontiguousarray(chw.permute(1, 2, 0).numpy())
