"""A pyqtgraph axis whose grid lines are opaque: the same pixels on the plot's card, ~35x cheaper.

pyqtgraph draws the grid as translucent lines (alpha 16-63). Qt's raster engine strokes translucent
lines on a slow blending path: 30 grid lines took 7.7 ms instead of 0.2 ms on a laptop CPU, and the
axes are redrawn whenever the loss range moves, while training competes for the same CPU and GIL.
Mixing each line's colour with the background beforehand gives the same pixels without the blending;
``background`` is the plot's card, set again by gui.widgets.plots.paint_plot when the theme changes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPen


def opaque_on(pen: QPen, background: QColor) -> QPen:
    """``pen`` with its colour mixed into ``background`` (what a translucent line over it shows)."""
    color = pen.color()
    alpha = color.alphaF()
    if alpha >= 1.0:
        return pen
    mixed = QColor.fromRgbF(*(alpha * c + (1 - alpha) * b for c, b in zip(color.getRgbF()[:3], background.getRgbF()[:3])))
    out = QPen(pen)
    out.setColor(mixed)
    return out


class OpaqueGridAxis(pg.AxisItem):
    def __init__(self, orientation: str, background: str = "w", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.background = pg.mkColor(background)

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        return axis_spec, [(opaque_on(pen, self.background), p1, p2) for pen, p1, p2 in tick_specs], text_specs
