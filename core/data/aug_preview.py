"""What the network will see of one photo: the very crops and flips training makes, for a preview.

Nothing here re-implements augmentation: the photo is decoded as the pixel cache decodes it
(``decode_square`` at ``cache_side``) and cut by core.data.augment's ``train_batch`` (scratch
and fine-tuning) or ``eval_batch`` plus its mirror (a frozen backbone sees only those two).
The crop boxes are drawn a second time from the same generator state, only to caption them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class View:
    pixels: np.ndarray  # (image_size, image_size, 3) uint8, exactly what goes to normalisation
    caption: str  # short, under the picture
    detail: str  # a sentence, for a tooltip


def training_views(path: str | Path, image_size: int, n: int = 7, seed: int = 0,
                   frozen: bool = False) -> tuple[np.ndarray, list[View]]:
    """(the cached square of the photo, the views training makes of it). UnreadableImage if it cannot be read."""
    import torch

    from core.data.augment import cache_side, eval_batch, sample_crop_boxes, train_batch
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
    generator = torch.Generator().manual_seed(int(seed))
    state = generator.get_state()
    crops = train_batch(batch.expand(n, -1, -1, -1), image_size, generator)
    generator.set_state(state)  # the same draws again, to say what each crop is
    boxes = sample_crop_boxes(n, side, generator).tolist()
    flips = (torch.rand(n, generator=generator) < 0.5).tolist()
    views = []
    for crop, (top, left, h, w), flip in zip(crops, boxes, flips):
        share = 100 * h * w / side ** 2
        views.append(View(_hwc(crop), f"{share:.0f}%{' ↔' if flip else ''}",
                          f"a {w}×{h} crop ({share:.0f}% of the photo) at x={left}, y={top}, scaled to "
                          f"{image_size}×{image_size}{', mirrored' if flip else ''}"))
    return square, views


def _hwc(chw) -> np.ndarray:
    return np.ascontiguousarray(chw.permute(1, 2, 0).numpy())
