"""The Train page's learning-rate finder: a dialog that runs the range test and draws its curve live.

The test is core's (core.lr_find) on a job (gui.jobs.lr_find) with the settings the form shows,
so it tries what Start would train. The curve is the smoothed loss against the learning rate
on a log axis; at the end a dashed line marks the suggestion, and "Use this lr" puts it in the
form's learning-rate box (within that box's range).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from core.lr_find.range_test import DEFAULT_END_LR, DEFAULT_START_LR, DEFAULT_STEPS, LrStep
from core.lr_find.rules import caution, describe_rule, shown_range
from core.runs.layout import START_LABELS
from core.training import events as ev
from core.training.config import TrainConfig
from gui.jobs.lr_find import LrFindJob
from gui.widgets.colors import Colors, follow_theme, toned
from gui.widgets.plots import TRAIN_PEN, grid_axes, paint_plot

MARK_PEN = pg.mkPen("#d62728", width=2, style=Qt.PenStyle.DashLine)
TITLE = "Smoothed training loss by learning rate"


def clamp_to(spin: QDoubleSpinBox, value: float) -> float:
    """What the form's box will hold: within its range and rounded to its decimals (the dialog says when that
    differs from the suggestion)."""
    return round(min(max(value, spin.minimum()), spin.maximum()), spin.decimals())


class LrFinderDialog(QDialog):
    """Runs the test for ``config`` at once; ``resultReady`` when it has a suggestion."""

    resultReady = Signal(object)  # core.lr_find.range_test.LrFindResult

    def __init__(self, config: TrainConfig, lr_spin: QDoubleSpinBox, parent: QWidget | None = None,
                 steps: int = DEFAULT_STEPS) -> None:
        super().__init__(parent)
        self.setObjectName("lrFinderDialog")
        self.setWindowTitle("Find a learning rate")
        self.lr_spin, self.result = lr_spin, None
        intro = QLabel(f"Trains a fresh {config.arch} ({START_LABELS[config.start]}, batch {config.batch_size}, "
                       f"{config.image_size} px) for {steps} steps at rates growing from {DEFAULT_START_LR:g} "
                       f"to {DEFAULT_END_LR:g}, and watches the loss. Nothing is saved.")
        intro.setWordWrap(True)
        self.lrPlot = pg.PlotWidget(axisItems=grid_axes())
        self.lrPlot.setObjectName("lrPlot")
        self.lrPlot.setLogMode(x=True, y=False)
        self.lrPlot.setLabel("bottom", "learning rate (log scale)")
        self.lrPlot.setLabel("left", "loss")
        self.lrPlot.showGrid(x=True, y=True, alpha=0.25)
        self.lrPlot.getAxis("left").enableAutoSIPrefix(False)
        self.curve = self.lrPlot.plot([], [], pen=TRAIN_PEN)
        self.mark = pg.InfiniteLine(angle=90, pen=MARK_PEN)
        self.mark.setVisible(False)
        self.lrPlot.addItem(self.mark)
        self.point = self.lrPlot.plot([], [], pen=None, symbol="o", symbolSize=11, symbolBrush=MARK_PEN.color(),
                                      symbolPen=None)
        self.lrProgress = QProgressBar()
        self.lrProgress.setRange(0, 0)
        self.lrProgress.setFormat("Preparing…")
        self.statusLabel = QLabel("Preparing…")
        self.statusLabel.setObjectName("lrStatus")
        self.statusLabel.setWordWrap(True)
        self.statusLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("cancelLrButton")
        self.useLrButton = QPushButton("Use this lr")
        self.useLrButton.setObjectName("useLrButton")
        self.useLrButton.setEnabled(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.useLrButton, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancelButton, QDialogButtonBox.ButtonRole.RejectRole)
        self.useLrButton.clicked.connect(self.use_lr)
        self.cancelButton.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.lrPlot, 1)
        layout.addWidget(self.lrProgress)
        layout.addWidget(self.statusLabel)
        layout.addWidget(buttons)
        self.resize(760, 500)
        follow_theme(self, self._paint)
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.job = LrFindJob(config, steps)
        self.job.event.connect(self._on_event)
        self.job.resultReady.connect(self._on_result)
        self.job.failed.connect(self._on_failed)
        self.job.stopped.connect(lambda: self._end("Cancelled."))
        self.job.start()

    def _paint(self, c: Colors) -> None:
        paint_plot(self.lrPlot.getPlotItem(), self.lrPlot, c, TITLE)

    def _on_event(self, e) -> None:
        if isinstance(e, LrStep):
            self.lrs.append(e.lr)
            self.losses.append(e.loss)
            self.curve.setData(self.lrs, self.losses)
            self.lrProgress.setRange(0, e.steps)
            self.lrProgress.setValue(e.step)
            self.lrProgress.setFormat(f"Step {e.step}/{e.steps}")
            self.statusLabel.setText(f"lr {e.lr:.2e} · smoothed loss {e.loss:.4f}")
        elif isinstance(e, ev.Preparing):
            if e.total:
                self.lrProgress.setRange(0, e.total)
                self.lrProgress.setValue(e.done)
                self.lrProgress.setFormat(f"{e.message}: {e.done}/{e.total}")
            else:
                self.statusLabel.setText(e.message)

    def _on_result(self, result) -> None:
        self.result = result
        self.mark.setValue(math.log10(result.suggested_lr))  # the x axis is log10(lr)
        self.lrPlot.setYRange(*shown_range(result.losses), padding=0)  # the final blow-up does not flatten the rest
        self.mark.setVisible(True)
        self.point.setData([result.suggested_lr], [result.losses[result.index]])
        ended = f"{len(result.lrs)} of {result.planned_steps} steps" + (", the loss diverged," if result.diverged else "")
        used = clamp_to(self.lr_spin, result.suggested_lr)
        note = "" if used == result.suggested_lr else f" (the form takes {used:g}, the nearest it allows)"
        warn = caution(result.losses)
        self._end(f"<b>Suggested learning rate {result.suggested_lr:.2e}</b>{note}<br>"
                  + (f"{toned('warning', 'Caution:')} {html.escape(warn)}<br>" if warn else "")
                  + f"<small>{describe_rule(result.rule)}; {ended} in {result.seconds:.0f} s on {result.device}"
                  "</small>")
        self.useLrButton.setEnabled(True)
        self.useLrButton.setDefault(True)
        self.resultReady.emit(result)

    def _on_failed(self, message: str) -> None:
        self._end(f"<b>Cannot find a learning rate:</b> {message}")

    def _end(self, text: str) -> None:
        self.lrProgress.setRange(0, 1)
        self.lrProgress.setValue(1)
        self.lrProgress.setFormat("Done" if self.result is not None else "Ended")
        self.statusLabel.setText(text)
        self.cancelButton.setText("Close")

    def use_lr(self) -> None:
        """Put the suggestion in the form's learning-rate box (within its range) and close."""
        if self.result is not None:
            self.lr_spin.setValue(clamp_to(self.lr_spin, self.result.suggested_lr))
        self.accept()

    def done(self, r: int) -> None:
        """Closed in any way: a test still running is stopped and left to end on its own (gui.jobs.base)."""
        if self.job.is_running():
            self.job.abandon()
        super().done(r)


def open_lr_finder(parent: QWidget, make_config: Callable[[], TrainConfig], lr_spin: QDoubleSpinBox,
                   has_data: bool) -> LrFinderDialog | None:
    """The dialog for the form's settings, or a readable message when they cannot train."""
    try:
        if not has_data:
            raise InputError("Choose the folder of training photos on the Data page first.")
        config = make_config().validate()
    except InputError as exc:
        box = QMessageBox(QMessageBox.Icon.Warning, "Cannot find a learning rate", str(exc),
                          QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return None
    dialog = LrFinderDialog(config, lr_spin, parent)
    dialog.setModal(True)  # the form stays as tested, and no training competes for the CPU meanwhile
    dialog.open()
    return dialog
