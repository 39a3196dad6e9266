"""Pictures of what each layer sees: a grid of small labelled tiles (filters, or one stage's activation maps).

Plain Pillow. Small tiles are enlarged with nearest-neighbour, so a 7×7 map of a late stage shows
as 7×7 blocks (its real resolution) rather than a blur; activation maps use Grad-CAM's colour
map (core.explain.overlay.colorize: dark blue = weakest, red = strongest in that map). The
colours of the background and the text are the caller's: white and black in a PNG, the
window's palette on screen, so the picture stays readable in a dark theme.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from core.explain.overlay import colorize
from core.utils.png import font

if TYPE_CHECKING:  # not at run time: the window imports this module before PyTorch has loaded
    from core.explain.feature_maps import Filters, StageMaps

MAP_TILE = 96  # px of each activation map
FILTER_TILE = 48  # px (about) of each filter: a whole multiple of its kernel size, so every weight is a square
LABEL = 16  # px of the caption strip under each tile
GAP = 4  # px between tiles and around the grid
TITLE = 28  # px of the title line, when there is one
WHITE, INK = (255, 255, 255), (20, 20, 20)

FILTERS_ENTRY = "first-layer filters"  # the name of the filters picture beside the stages' (CLI file: filters.png)


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of a grid of ``n`` tiles: as square as it can be, wider when not."""
    cols = max(1, math.ceil(math.sqrt(n)))
    return max(1, math.ceil(n / cols)), cols


def _enlarged(pixels: np.ndarray, tile: int) -> Image.Image:
    """Square blocks for a small map (its real resolution shows); a smooth resize where blocks would be uneven."""
    side = max(pixels.shape[:2])
    how = Image.Resampling.NEAREST if 2 * side <= tile else Image.Resampling.BOX if side > tile else Image.Resampling.BILINEAR
    return Image.fromarray(pixels).resize((tile, tile), how)


def grid_image(tiles: Sequence[np.ndarray], labels: Sequence[str], tile: int, title: str | None = None,
               bg: tuple[int, int, int] = WHITE, fg: tuple[int, int, int] = INK) -> Image.Image:
    """``tiles`` ((h, w, 3) uint8 each) enlarged to ``tile`` px, each over its label, under an optional title."""
    rows, cols = grid_shape(len(tiles))
    head = TITLE if title else 0
    width = GAP + cols * (tile + GAP)
    if title:
        width = max(width, int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(title, font=font(14))) + 2 * GAP)
    out = Image.new("RGB", (width, head + GAP + rows * (tile + LABEL + GAP)), bg)
    draw = ImageDraw.Draw(out)
    if title:
        draw.text((GAP, head // 2), title, fill=fg, font=font(14), anchor="lm")
    small = font(11)
    for i, (pixels, label) in enumerate(zip(tiles, labels)):
        r, c = divmod(i, cols)
        x, y = GAP + c * (tile + GAP), head + GAP + r * (tile + LABEL + GAP)
        out.paste(_enlarged(pixels, tile), (x, y))
        draw.text((x + tile // 2, y + tile + LABEL // 2), label, fill=fg, font=small, anchor="mm")
    return out


def filter_tile_size(filters: Filters) -> int:
    k = max(filters.shape[2:])
    return k * max(1, math.ceil(FILTER_TILE / k))


def filters_title(filters: Filters) -> str:
    out, cin, kh, kw = filters.shape
    how = "colour = the RGB weights" if filters.rgb else f"grey = the mean over its {cin} input channels"
    return f"{FILTERS_ENTRY}: {filters.layer}, {out} filters of {cin}x{kh}x{kw} ({how}; each scaled to its own range)"


def stage_title(maps: StageMaps, photo: str) -> str:
    h, w = maps.maps.shape[1:]
    return (f"{maps.stage}: the {len(maps.channels)} strongest of {maps.total} channels ({h}x{w} each) "
            f"for {photo}; blue = weak, red = strong")


def filters_picture(filters: Filters, title: str | None = None, bg=WHITE, fg=INK, tile: int | None = None) -> Image.Image:
    """The filters grid (``tile``: px per filter, default a whole multiple of the kernel near FILTER_TILE)."""
    return grid_image(list(filters.tiles), [f"#{i}" for i in range(len(filters.tiles))],
                      tile or filter_tile_size(filters), title, bg, fg)


def stage_picture(maps: StageMaps, title: str | None = None, bg=WHITE, fg=INK, tile: int = MAP_TILE) -> Image.Image:
    """One stage's strongest channels, each labelled with its channel index, strongest first."""
    return grid_image([colorize(m) for m in maps.maps], [f"#{c}" for c in maps.channels], tile, title, bg, fg)


def tile_to_fit(n: int, width: int, height: int) -> int:
    """The largest tile (px) with which a grid of ``n`` tiles and their labels fits in ``width`` x ``height``."""
    rows, cols = grid_shape(n)
    return max(8, min((width - GAP) // cols - GAP, (height - GAP) // rows - LABEL - GAP))
