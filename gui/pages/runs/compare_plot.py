"""Runs' curves overlaid: validation accuracy and training loss by epoch, one colour per run.

One pyqtgraph GraphicsLayoutWidget (object name ``comparePlot``) with two plots side by
side and, below both, a legend naming the runs (below, so it never hides a curve). Curves are
set from buffers (a whole history at once, or one epoch appended while an experiment trains);
downsampling and clip-to-view keep runs of thousands of epochs smooth. Colours follow the
theme (gui.widgets.colors), as the Train page's curves do.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # registers ImageExporter

from core.runs.plot import COLORS, nice_ticks
from core.utils.atomic import atomic_path
from gui.widgets.colors import Colors, follow_theme
from gui.widgets.plots import paint_legend, paint_plot


def whole_epoch_ticks(plot) -> None:
    """Ticks at whole epochs only (no epoch 1.5), at a round step that suits the visible range.

    Done by setting the axis' tick spacing on every range change: a custom AxisItem subclass
    passed to addPlot crashes PySide6 when the interpreter exits.
    """
    axis = plot.getAxis("bottom")

    def update(_view=None, x_range=None) -> None:
        lo, hi = x_range if x_range is not None else plot.viewRange()[0]
        ticks = nice_ticks(lo, hi, 8)
        step = max(1.0, math.ceil(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0)
        axis.setTickSpacing(major=step, minor=step)

    plot.getViewBox().sigXRangeChanged.connect(update)
    update()


class ComparePlot(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePlot")
        self.accPlot = self.addPlot(title="Validation accuracy")
        self.lossPlot = self.addPlot(title="Training loss")
        self.titles = {self.accPlot: "Validation accuracy", self.lossPlot: "Training loss"}
        for plot, ylabel in ((self.accPlot, "accuracy"), (self.lossPlot, "cross-entropy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", ylabel)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            whole_epoch_ticks(plot)
        self.accPlot.setLimits(yMin=-0.02, yMax=1.02)  # a flat 100% was auto-ranged to 0.5-1.5
        self.nextRow()
        self.legend = pg.LegendItem(labelTextSize="10pt", frame=False, colCount=2)
        self.addItem(self.legend, colspan=2)
        self.series: dict[str, dict] = {}  # run name -> {"epochs", "acc", "loss", "curves"}
        self.setMinimumHeight(200)
        follow_theme(self, self._paint)

    def _paint(self, c: Colors) -> None:
        for plot, title in self.titles.items():
            paint_plot(plot, self, c, title, size="11pt")
        paint_legend(self.legend, c)

    def clear_runs(self) -> None:
        for s in self.series.values():
            self.accPlot.removeItem(s["curves"][0])
            self.lossPlot.removeItem(s["curves"][1])
        self.legend.clear()
        self.series = {}

    def _add_series(self, name: str, label: str | None = None) -> dict:
        color = COLORS[len(self.series) % len(COLORS)]
        pen = pg.mkPen(color, width=2)
        kw = {"pen": pen, "symbol": "o", "symbolSize": 5, "symbolBrush": color, "symbolPen": None}
        acc = self.accPlot.plot([], [], **kw)
        loss = self.lossPlot.plot([], [], **kw)
        s = {"epochs": [], "acc": [], "loss": [], "curves": (acc, loss)}
        self.series[name] = s
        self.legend.addItem(loss, label or name)
        self.legend.setColumnCount(min(4, len(self.series)))
        return s

    def set_run(self, name: str, history: list[dict], label: str | None = None) -> None:
        """Show (or replace) one run's whole history; the legend says ``label`` (default: the name)."""
        s = self.series.get(name) or self._add_series(name, label)
        s["epochs"] = [r["epoch"] for r in history]
        s["acc"] = [r.get("val_acc") for r in history]
        s["loss"] = [r.get("train_loss") for r in history]
        self._redraw(s)

    def add_epoch(self, name: str, epoch: int, val_acc: float, train_loss: float, label: str | None = None) -> None:
        """Append one epoch of a run that is training now."""
        s = self.series.get(name) or self._add_series(name, label)
        s["epochs"].append(epoch)
        s["acc"].append(val_acc)
        s["loss"].append(train_loss)
        self._redraw(s)

    def _redraw(self, s: dict) -> None:
        acc_curve, loss_curve = s["curves"]
        for curve, values in ((acc_curve, s["acc"]), (loss_curve, s["loss"])):
            pairs = [(e, v) for e, v in zip(s["epochs"], values) if v is not None and math.isfinite(v)]
            # markers only where they can be told apart (and never thousands of them to lay out)
            curve.setData([p[0] for p in pairs], [p[1] for p in pairs], symbol="o" if len(pairs) <= 60 else None)

    def names(self) -> list[str]:
        return list(self.series)

    def export_png(self, path: str | Path) -> Path:
        """The whole picture (both plots and the legend) as a PNG, written atomically."""
        exporter = pg.exporters.ImageExporter(self.scene())
        exporter.parameters()["width"] = max(1200, int(self.width()))
        image = exporter.export(toBytes=True)
        target = Path(path)
        with atomic_path(target) as tmp:
            if not image.save(str(tmp), "PNG"):
                raise OSError(f"cannot write {target}")
        return target
