"""The range test's curve as a PNG, drawn with Pillow (``catdog lr-find --plot``): no display needed.

Smoothed loss against the learning rate on a log axis, a marker and a dashed line at the
suggestion. The fonts, tick rule and colours are the run comparison's (core.runs.plot); the
file is written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from core.lr_find.range_test import LrFindResult
from core.lr_find.rules import shown_range
from core.runs.plot import COLORS, nice_ticks, tick_label
from core.utils.png import font, plot_target, save_png

W, H, LEFT, RIGHT, TOP, BOTTOM = 960, 560, 80, 32, 56, 64
CURVE, MARK = COLORS[0], COLORS[3]


def decades(lo: float, hi: float) -> list[int]:
    """The powers of ten (exponents) that span [lo, hi] on the log axis."""
    return list(range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1))


def render_lr_curve(result: LrFindResult) -> Image.Image:
    small, big = font(14), font(17)
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = LEFT, TOP, W - RIGHT, H - BOTTOM
    lrs, losses = result.lrs or [1e-7, 10.0], result.losses or [0.0, 1.0]
    exps = decades(min(lrs), max(lrs))
    yt = nice_ticks(*shown_range(losses), 6)
    lx0, lx1, ymin, ymax = exps[0], exps[-1], yt[0], yt[-1] if yt[-1] > yt[0] else yt[0] + 1

    def px(lr: float, loss: float) -> tuple[float, float]:  # a loss above the shown range sits on the top edge
        return (x0 + (math.log10(lr) - lx0) / (lx1 - lx0 or 1) * (x1 - x0),
                max(y0, y1 - (loss - ymin) / (ymax - ymin) * (y1 - y0)))

    title = "Learning-rate range test: smoothed training loss"
    draw.text(((x0 + x1) / 2, y0 - 24), title, fill="#222", font=big, anchor="md")
    for t in yt:
        _, y = px(10.0 ** lx0, t)
        draw.line([(x0, y), (x1, y)], fill="#e6e6e6")
        draw.text((x0 - 6, y), tick_label(t), fill="#333", font=small, anchor="rm")
    for e in exps:
        x, _ = px(10.0 ** e, ymin)
        draw.line([(x, y0), (x, y1)], fill="#f0f0f0")
        draw.text((x, y1 + 6), f"1e{e}", fill="#333", font=small, anchor="mt")
    draw.rectangle([x0, y0, x1, y1], outline="#888")
    draw.text(((x0 + x1) / 2, y1 + 30), "learning rate (log scale)", fill="#333", font=small, anchor="mt")
    points = [px(lr, loss) for lr, loss in zip(result.lrs, result.losses)]
    if len(points) > 1:
        draw.line(points, fill=CURVE, width=3, joint="curve")
    if result.index is not None:
        cx, cy = points[result.index]
        for y in range(int(y0), int(y1), 12):  # dashed
            draw.line([(cx, y), (cx, min(y + 6, y1))], fill=MARK, width=2)
        draw.ellipse([cx - 6, cy - 6, cx + 6, cy + 6], fill=MARK)
        note = f"suggested {result.suggested_lr:.2e} ({result.rule})"
        draw.text((cx + 10 if cx < (x0 + x1) / 2 else cx - 10, y0 + 10), note, fill=MARK, font=small,
                  anchor="lt" if cx < (x0 + x1) / 2 else "rt")
    return img


def write_lr_plot(path: str | Path, result: LrFindResult) -> Path:
    return save_png(render_lr_curve(result), plot_target(path), "--plot")
