"""Live loss and accuracy curves: pyqtgraph plots redrawn from buffers on a timer.

Batch events only append to Python lists; a QTimer redraws a few times per second, so a
fast model on a GPU cannot flood the GUI thread with repaints. Colours follow the theme
(gui.widgets.colors); each legend sits in a row under its plot, where it covers no curve.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from gui.widgets.colors import Colors, follow_theme
from gui.widgets.grid_axis import OpaqueGridAxis

pg.setConfigOptions(antialias=False)  # antialiasing doubles redraw time

TRAIN_PEN = pg.mkPen("#1f77b4", width=2)
VAL_PEN = pg.mkPen("#d62728", width=2)
BATCH_PEN = pg.mkPen(color=(31, 119, 180, 90), width=1)
NICE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


UNDER_THE_CURVES = -200  # pyqtgraph puts axes (and so their grid) at 0.5, above the curves' ViewBox at -100


def grid_axes() -> dict:
    return {side: OpaqueGridAxis(side) for side in ("left", "bottom")}


def legend_below(plot: pg.PlotItem, columns: int) -> pg.LegendItem:
    """A legend in a row of its own under the plot (and so over no data); curves added with a name join it."""
    legend = pg.LegendItem(colCount=columns, frame=False)
    plot.layout.addItem(legend, 4, 1)
    plot.legend = legend
    return legend


def paint_plot(plot: pg.PlotItem, view: pg.GraphicsView, c: Colors, title: str, **title_opts) -> None:
    """One plot in the theme's colours: card, axes, their grid, tick numbers, labels, title and legend."""
    view.setBackground(c.background)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        if isinstance(axis, OpaqueGridAxis):
            axis.background = c.background
        axis.setPen(c.axis)
        axis.setTextPen(c.text)  # also the axis label's colour
    plot.setTitle(title, color=c.text.name(), **title_opts)
    if plot.legend is not None:
        paint_legend(plot.legend, c)


def paint_legend(legend: pg.LegendItem, c: Colors) -> None:
    legend.setLabelTextColor(c.text)  # for labels to come; the shown ones keep their old text until set again
    for _, label in legend.items:
        label.setText(label.text)


def nice_top(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (x 10^k) at or above ``value``: a falling loss
    changes the plot's range about ten times per decade instead of at every redraw."""
    scale = 10.0 ** math.floor(math.log10(value))
    return next(round(step * scale, 12) for step in NICE_STEPS if step * scale >= value * (1 - 1e-9))


class TrainingCurves(QWidget):
    REDRAW_MS = 250

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lossPlot = pg.PlotWidget(title="Loss", axisItems=grid_axes())
        self.lossPlot.setObjectName("lossPlot")
        self.accuracyPlot = pg.PlotWidget(title="Accuracy", axisItems=grid_axes())
        self.accuracyPlot.setObjectName("accuracyPlot")
        self.titles = {self.lossPlot: "Loss", self.accuracyPlot: "Accuracy"}
        for plot, ylabel in ((self.lossPlot, "cross-entropy"), (self.accuracyPlot, "accuracy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", ylabel)
            plot.showGrid(x=True, y=True, alpha=0.25)
            for side in ("left", "bottom"):  # no "(x0.001)" on a loss of 0.69 or during the first epoch
                plot.getAxis(side).enableAutoSIPrefix(False)
                # the grid is drawn by the axes and was ~80% of every repaint (13 ms -> 2 ms on a laptop CPU,
                # doubled while training holds the GIL): keep it as a pixmap, redrawn only when its range moves
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                plot.getAxis(side).setZValue(UNDER_THE_CURVES)  # its grid is opaque (gui.widgets.grid_axis)
            # long runs: draw at most a few points per pixel, and only what is in view
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            legend_below(plot.getPlotItem(), columns=3)
        self.accuracyPlot.setYRange(0.4, 1.0, padding=0)
        self.accuracyPlot.setXLink(self.lossPlot)  # the same epochs under each other
        self.batch_curve = self.lossPlot.plot([], [], pen=BATCH_PEN, name="train (per batch, smoothed)")
        self.train_loss_curve = self.lossPlot.plot([], [], pen=TRAIN_PEN, symbol="o", symbolSize=6,
                                                   symbolBrush="#1f77b4", name="train (epoch)")
        self.val_loss_curve = self.lossPlot.plot([], [], pen=VAL_PEN, symbol="o", symbolSize=6,
                                                 symbolBrush="#d62728", name="validation")
        self.train_acc_curve = self.accuracyPlot.plot([], [], pen=TRAIN_PEN, symbol="o", symbolSize=6,
                                                      symbolBrush="#1f77b4", name="train")
        self.val_acc_curve = self.accuracyPlot.plot([], [], pen=VAL_PEN, symbol="o", symbolSize=6,
                                                    symbolBrush="#d62728", name="validation")
        self.best_lines: list = []
        self._planned_epochs = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.lossPlot)
        layout.addWidget(self.accuracyPlot)
        self.timer = QTimer(self)
        self.timer.setInterval(self.REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        follow_theme(self, self._paint)
        self.clear()

    def _paint(self, c: Colors) -> None:
        self._colors = c
        for plot in (self.lossPlot, self.accuracyPlot):
            paint_plot(plot.getPlotItem(), plot, c, self.titles[plot])

    def clear(self) -> None:
        self.batch_x: list[float] = []
        self.batch_y: list[float] = []
        self.epochs: list[dict] = []
        self._smooth = None
        for line in self.best_lines:
            line.getViewBox().removeItem(line) if line.getViewBox() else None
        self.best_lines = []
        self._dirty = True
        self._drawn_epochs = -1
        self._loss_top = None
        self._planned_epochs = None  # the user may have zoomed or auto-ranged: set the range again at Start
        self.redraw()

    def add_batch(self, fractional_epoch: float, loss: float) -> None:
        # exponential moving average of the running loss, as the log shows it
        self._smooth = loss if self._smooth is None else 0.7 * self._smooth + 0.3 * loss
        self.batch_x.append(fractional_epoch)
        self.batch_y.append(self._smooth)
        self._dirty = True

    def show_history(self, rows: list[dict]) -> None:
        """The epochs a resumed run already trained (their per-batch points are not kept)."""
        for row in rows:
            self.add_epoch(row)
        self.redraw()

    def add_epoch(self, row: dict) -> None:
        self.epochs.append(row)
        self._dirty = True

    def mark_best(self, epoch: int | None) -> None:
        if epoch is None:
            return
        # one label, at the top right of the loss plot, where a falling loss leaves room; in the accuracy plot
        # a label met the curves (near 1.0 at the top): the line alone says it there
        pen = pg.mkPen("#2ca02c", width=1, style=pg.QtCore.Qt.DashLine)
        for plot, labelled in ((self.lossPlot, True), (self.accuracyPlot, False)):
            line = pg.InfiniteLine(pos=epoch, angle=90, pen=pen, label=f"best: epoch {epoch}" if labelled else None,
                                   labelOpts={"position": 0.97, "color": "#2ca02c", "anchors": [(1, 0), (1, 0)]})
            plot.addItem(line)
            self.best_lines.append(line)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.redraw()

    def set_planned_epochs(self, epochs: int) -> None:
        """Fix the epoch axis for the whole run: a growing range re-ticked and repainted both plots' axes
        and grids on every redraw (~80 ms on a laptop CPU, the window's longest freeze while training)."""
        if max(epochs, 1) != self._planned_epochs:  # the same range again would still re-tick the axes
            self._planned_epochs = max(epochs, 1)
            self.lossPlot.setXRange(0, self._planned_epochs, padding=0.02)  # the accuracy plot follows (linked)

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.batch_curve.setData(self.batch_x, self.batch_y)
        if len(self.epochs) != self._drawn_epochs:  # epoch curves change once per epoch, not per batch
            self._drawn_epochs = len(self.epochs)
            ep = [r["epoch"] for r in self.epochs]
            self.train_loss_curve.setData(ep, [r["train_loss"] for r in self.epochs])
            self.val_loss_curve.setData(ep, [r["val_loss"] for r in self.epochs])
            self.train_acc_curve.setData(ep, [r["train_acc"] for r in self.epochs])
            self.val_acc_curve.setData(ep, [r["val_acc"] for r in self.epochs])
            self._fit_accuracy_range()
        self._fit_loss_range()

    def _fit_accuracy_range(self) -> None:
        """0.4 to 1, lower in steps of 0.1 when an accuracy is below it (five classes start near 0.2)."""
        values = [r[k] for r in self.epochs for k in ("train_acc", "val_acc") if math.isfinite(r[k])]
        bottom = min([0.4] + [math.floor(v * 10) / 10 for v in values])
        if bottom != self.accuracyPlot.getViewBox().viewRange()[1][0]:
            self.accuracyPlot.setYRange(bottom, 1.0, padding=0)

    def _fit_loss_range(self) -> None:
        """Every epoch's point in view (a high first epoch too); the per-batch curve's early spike is
        kept from flattening everything (it may go above the top, and the title says so)."""
        finite = math.isfinite  # a diverged run's NaN or inf is in the log, not in the range
        batch = [v for v in self.batch_y if finite(v)]
        epochs = [r[k] for r in self.epochs for k in ("train_loss", "val_loss") if finite(r[k])]
        if not batch and not epochs:
            return self._say_clipped("Loss")
        ordered = sorted(batch + epochs)
        batch_cap = 3 * ordered[len(ordered) // 2]
        needed = max(max(epochs, default=0), min(max(batch, default=0), batch_cap), 1e-3) * 1.05
        # a new range re-ticks and repaints the axes: up at once; down to a step with 25% headroom, so a
        # curve wobbling around a step does not flip the range back and forth
        if self._loss_top is None or needed > self._loss_top:
            top = nice_top(needed)
        else:
            top = min(self._loss_top, nice_top(needed * 1.25))
        if top != self._loss_top:
            self._loss_top = top
            self.lossPlot.setYRange(0, top, padding=0)
        above = max(batch, default=0)
        self._say_clipped(f"Loss · ▲ batch curve above the top (up to {above:.3g})" if above > top else "Loss")

    def _say_clipped(self, title: str) -> None:
        if title != self.titles[self.lossPlot]:  # a title is laid out again: only when it changes
            self.titles[self.lossPlot] = title
            self.lossPlot.setTitle(title, color=self._colors.text.name())
