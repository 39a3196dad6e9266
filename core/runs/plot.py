"""Runs' curves overlaid, drawn to a PNG with Pillow: no display, no Qt, no matplotlib.

``catdog compare --plot`` must work on a headless server, so the picture is drawn here with
ImageDraw: validation accuracy and training loss by epoch side by side, one colour per run,
a legend naming the runs below both panels. Written atomically.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from core.utils.png import font, plot_target, save_png

#: matplotlib's tab10: distinct colours, shared with the window's compare plot
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf"]
PANELS = (("val_acc", "Validation accuracy"), ("train_loss", "Training loss"))
W, PANEL_H, LEFT, RIGHT, TOP, BOTTOM = 1200, 440, 72, 24, 44, 56


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    return [round(first + i * step, 10) for i in range(math.ceil((hi - first) / step) + 1)]


def tick_label(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e4 else f"{v:.0e}"


def _panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], title: str, series: list, key: str,
           fonts: tuple) -> None:
    x0, y0, x1, y1 = box
    small, big = fonts
    points = [[(r["epoch"], r[key]) for r in hist if r.get(key) is not None and math.isfinite(r[key])]
              for _, hist in series]
    xs = [p[0] for pts in points for p in pts] or [1]
    ys = [p[1] for pts in points for p in pts] or [0, 1]
    xt = nice_ticks(min(1, min(xs)), max(max(xs), 2), 8)
    xt = [t for t in xt if t == int(t)] or [1, 2]
    if key == "val_acc":  # a little room, never beyond 0-100%
        yt = nice_ticks(max(0.0, min(ys) - 0.02), min(1.0, max(ys) + 0.02), 6)
    else:
        yt = nice_ticks(min(ys), max(ys), 6)
    xmin, xmax, ymin, ymax = xt[0], xt[-1], yt[0], yt[-1]
    if ymax == ymin:
        ymax = ymin + 1

    def px(x: float, y: float) -> tuple[float, float]:
        return (x0 + (x - xmin) / (xmax - xmin or 1) * (x1 - x0), y1 - (y - ymin) / (ymax - ymin) * (y1 - y0))

    draw.text(((x0 + x1) / 2, y0 - 12), title, fill="#222", font=big, anchor="md")
    for t in yt:
        _, y = px(xmin, t)
        draw.line([(x0, y), (x1, y)], fill="#e6e6e6")
        text = f"{t:.0%}" if key == "val_acc" else tick_label(t)
        draw.text((x0 - 6, y), text, fill="#333", font=small, anchor="rm")
    for t in xt:
        x, _ = px(t, ymin)
        draw.line([(x, y0), (x, y1)], fill="#f0f0f0")
        draw.text((x, y1 + 6), f"{int(t)}", fill="#333", font=small, anchor="mt")
    draw.rectangle([x0, y0, x1, y1], outline="#888")
    draw.text(((x0 + x1) / 2, y1 + 26), "epoch", fill="#333", font=small, anchor="mt")
    for i, pts in enumerate(points):
        color = COLORS[i % len(COLORS)]
        xy = [px(x, y) for x, y in pts]
        if len(xy) > 1:
            draw.line(xy, fill=color, width=3, joint="curve")
        if len(xy) <= 60:
            for cx, cy in xy:
                draw.ellipse([cx - 3.5, cy - 3.5, cx + 3.5, cy + 3.5], fill=color)


def render_compare(series: list[tuple[str, list[dict]]]) -> Image.Image:
    """The picture of ``series`` ((run name, per-epoch metrics), ...)."""
    small, big = font(14), font(17)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    entries = [probe.textlength(name, font=small) + 44 for name, _ in series]
    rows, x = 1, LEFT
    for w in entries:  # lay the legend out in rows across the picture's width
        if x + w > W - RIGHT and x > LEFT:
            rows, x = rows + 1, LEFT
        x += w
    height = TOP + PANEL_H + BOTTOM + rows * 24 + 16
    img = Image.new("RGB", (W, height), "white")
    draw = ImageDraw.Draw(img)
    half = (W - 2 * LEFT - RIGHT) // 2
    for i, (key, title) in enumerate(PANELS):
        left = LEFT + i * (half + LEFT)
        _panel(draw, (left, TOP, left + half - RIGHT, TOP + PANEL_H), title, series, key, (small, big))
    x, y = LEFT, TOP + PANEL_H + BOTTOM + 4
    for i, ((name, _), w) in enumerate(zip(series, entries)):
        if x + w > W - RIGHT and x > LEFT:
            x, y = LEFT, y + 24
        color = COLORS[i % len(COLORS)]
        draw.line([(x, y + 9), (x + 28, y + 9)], fill=color, width=4)
        draw.text((x + 34, y + 9), name, fill="#222", font=small, anchor="lm")
        x += w
    return img


def write_compare_png(path: str | Path, series: list[tuple[str, list[dict]]]) -> Path:
    """Draw and write the overlay; the file name must end in .png."""
    target = plot_target(path)
    return save_png(render_compare(series), target, "--plot")
