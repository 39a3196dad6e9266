"""Heat maps as pictures: a colour map, the blend over the photo, and the titled PNG that ``catdog explain`` writes.

Plain numpy and Pillow (no matplotlib): the colour map runs dark blue (not looked at)
through green and yellow to red (looked at most), as the usual "jet" map does.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from core.utils.png import font

_ANCHORS = np.array([[0, 0, 128], [0, 64, 255], [0, 200, 220], [60, 220, 60], [255, 230, 0], [255, 110, 0],
                     [200, 0, 0]], np.float32)


def colorize(cam: np.ndarray) -> np.ndarray:
    """(H, W) values in [0, 1] -> (H, W, 3) uint8 colours."""
    pos = np.clip(cam, 0, 1) * (len(_ANCHORS) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(_ANCHORS) - 2)
    frac = (pos - lo)[..., None]
    return (_ANCHORS[lo] * (1 - frac) + _ANCHORS[lo + 1] * frac).astype(np.uint8)


def blend(rgb: np.ndarray, cam: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """The photo with the heat map over it; cool (unused) areas stay mostly photo."""
    if cam.shape != rgb.shape[:2]:
        cam = np.asarray(Image.fromarray((cam * 255).astype(np.uint8)).resize(rgb.shape[1::-1], Image.BILINEAR),
                         np.float32) / 255
    a = (alpha * (0.35 + 0.65 * cam))[..., None]
    return (rgb.astype(np.float32) * (1 - a) + colorize(cam).astype(np.float32) * a).astype(np.uint8)


def titled_panels(rgb: np.ndarray, cam: np.ndarray, title: str, panel: int = 320) -> Image.Image:
    """The photo and the photo with its heat map side by side, under a title line."""
    photo = Image.fromarray(rgb).resize((panel, panel), Image.LANCZOS)
    heat = Image.fromarray(blend(np.asarray(photo), cam))
    bar = max(28, panel // 10)
    out = Image.new("RGB", (2 * panel + 8, panel + bar), (255, 255, 255))
    out.paste(photo, (0, bar))
    out.paste(heat, (panel + 8, bar))
    ImageDraw.Draw(out).text((6, bar // 2), title, fill=(20, 20, 20), font=font(int(bar * 0.6)), anchor="lm")
    return out


