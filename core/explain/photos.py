"""Grad-CAM for photo files, as the model sees them (the evaluation crop), and ``catdog explain``'s PNGs."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.data.augment import eval_batch, to_model_input
from core.data.decode import UnreadableImage, decode_square
from core.explain.gradcam import grad_cam


@dataclass
class PhotoCam:
    path: Path
    rgb: np.ndarray  # (H, W, 3) uint8: the crop the model saw
    probs: np.ndarray  # (classes,)
    maps: np.ndarray  # (classes, H, W) in [0, 1]
    stage: str

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probs))


def model_input(lm, pixels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(crops uint8 NCHW, normalised float input) for decoded squares (N, S, S, 3)."""
    crops = eval_batch(torch.from_numpy(np.array(pixels)), lm.image_size)  # a writable copy
    x = to_model_input(crops, lm.device, channels_last=False, mean=lm.mean, std=lm.std)
    return crops, x


def explain_pixels(lm, paths: Sequence[Path], pixels: np.ndarray, stage: str | None = None,
                   tta: bool = False) -> list[PhotoCam]:
    """Grad-CAM of each photo, with the probabilities predict gives it (``tta``: averaged with the mirror's)."""
    crops, x = model_input(lm, pixels)
    r = grad_cam(lm.model, x, stage, lm.precision, lm.temperature)
    if tta:  # the maps stay the photo's own; the probabilities are what a --tta row says
        from core.inference.forward import batch_probs

        mirrored = batch_probs(lm.model, torch.flip(crops, dims=[3]), lm.device, lm.precision, False, lm.mean,
                               lm.std, lm.temperature)
        r.probs = (r.probs + mirrored.numpy()) / 2
    rgb = crops.permute(0, 2, 3, 1).numpy()
    return [PhotoCam(Path(p), rgb[i], r.probs[i], r.maps[i], r.stage) for i, p in enumerate(paths)]


def explain_files(lm, paths: Sequence[Path], stage: str | None = None, batch_size: int = 8,
                  should_stop: Callable[[], bool] | None = None) -> tuple[list[PhotoCam], list[tuple[Path, str]]]:
    """Grad-CAM of each readable photo; (file, reason) for the others."""
    cams: list[PhotoCam] = []
    failures: list[tuple[Path, str]] = []
    for start in range(0, len(paths), batch_size):
        if should_stop and should_stop():
            break
        good, pixels = [], []
        for p in paths[start:start + batch_size]:
            try:
                pixels.append(decode_square(p, lm.side))
                good.append(p)
            except UnreadableImage as exc:
                failures.append((Path(p), str(exc)))
        if good:
            cams += explain_pixels(lm, good, np.stack(pixels), stage)
    return cams, failures


def display_crop(lm, path: Path, size: int) -> np.ndarray:
    """The region the model saw (its centre crop), decoded afresh at ``size`` px for a sharp picture."""
    side = round(size * lm.side / lm.image_size)
    square = decode_square(Path(path), side)
    top = (side - size) // 2
    return np.ascontiguousarray(square[top:top + size, top:top + size])


def png_name(cam: PhotoCam, classes: list[str], taken: set[str]) -> str:
    """``<photo>_<class>_<probability>.png``, unique within one output folder."""
    stem = re.sub(r"[^\w.\-]+", "_", cam.path.stem)
    name = f"{stem}_{classes[cam.predicted]}_{cam.probs[cam.predicted]:.2f}.png"
    n = 2
    while name in taken:
        name = f"{stem}_{n}_{classes[cam.predicted]}_{cam.probs[cam.predicted]:.2f}.png"
        n += 1
    taken.add(name)
    return name
