"""Runs' curves overlaid: validation accuracy and training loss by epoch, one colour per run.

One pyqtgraph GraphicsLayoutWidget (object name ``comparePlot``) with two plots side by
side and, below both, a legend naming the runs (below, so it never hides a curve). Curves are set from buffers (a whole history at once, or one epoch appended while an
experiment trains); downsampling and clip-to-view keep runs of thousands of epochs smooth.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters  # registers ImageExporter

from core.atomic import atomic_path
from core.run_plot import COLORS


class EpochAxis(pg.AxisItem):
    """Whole epochs only: no tick at epoch 1.5."""

    def tickValues(self, minVal, maxVal, size):
        levels = [(step, [v for v in values if float(v).is_integer()])
                  for step, values in super().tickValues(minVal, maxVal, size) if step >= 1]
        if not levels:
            levels = [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]
        return levels

    def tickStrings(self, values, scale, spacing):
        return [str(round(v)) for v in values]


class ComparePlot(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePlot")
        self.setBackground("w")
        self.accPlot = self.addPlot(title="Validation accuracy", axisItems={"bottom": EpochAxis("bottom")})
        self.lossPlot = self.addPlot(title="Training loss", axisItems={"bottom": EpochAxis("bottom")})
        for plot, ylabel in ((self.accPlot, "accuracy"), (self.lossPlot, "cross-entropy")):
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", ylabel)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
        self.nextRow()
        self.legend = pg.LegendItem(labelTextColor="#222", labelTextSize="10pt", frame=False, colCount=2)
        self.addItem(self.legend, colspan=2)
        self.series: dict[str, dict] = {}  # run name -> {"epochs", "acc", "loss", "curves"}
        self.setMinimumHeight(240)

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
            pairs = [(e, v) for e, v in zip(s["epochs"], values) if v is not None]
            curve.setData([p[0] for p in pairs], [p[1] for p in pairs])
            curve.setSymbol("o" if len(pairs) <= 60 else None)  # markers only where they can be told apart

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
