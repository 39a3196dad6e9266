"""Live curves stay cheap to redraw: a fixed epoch axis, epoch curves set once per epoch."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QGraphicsItem

from gui.widgets.plots import NICE_STEPS, TrainingCurves


def test_epoch_axis_is_fixed_for_the_run_and_epoch_curves_are_set_once_per_epoch(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.set_planned_epochs(10)
    x_range = curves.lossPlot.getViewBox().viewRange()[0]
    assert x_range[0] <= 0 and 10 <= x_range[1] < 10.5
    calls = []
    curves.train_acc_curve.setData = lambda *a, **k: calls.append(a)
    for i in range(50):
        curves.add_batch(i / 25, 0.7 - 0.01 * i)
        curves.redraw()
    assert curves.lossPlot.getViewBox().viewRange()[0] == x_range  # batches never move the axis
    assert calls == []  # no epoch yet: the epoch curves were not touched
    curves.add_epoch(dict(epoch=1, train_loss=0.5, val_loss=0.45, train_acc=0.75, val_acc=0.78))
    curves.redraw()
    curves.add_batch(2.1, 0.4)
    curves.redraw()
    assert len(calls) == 1 and list(calls[0][0]) == [1]
    assert curves.accuracyPlot.getViewBox().viewRange()[0] == x_range  # the accuracy plot follows


def test_a_falling_loss_moves_the_loss_range_in_a_few_nice_steps(qtbot):
    """Each range change re-draws both axes and the grid: it must not happen at every redraw."""
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.set_planned_epochs(10)
    tops = []
    loss = 0.7
    for i in range(400):  # a loss falling from 0.7 to ~0.01, redrawn after every batch
        loss *= 0.99
        curves.add_batch(i / 40, loss)
        curves.redraw()
        top = curves.lossPlot.getViewBox().viewRange()[1][1]
        if not tops or top != tops[-1]:
            tops.append(top)
    assert 3 <= len(tops) <= 12, tops
    assert all(b < a for a, b in zip(tops, tops[1:]))  # it only follows the curve down
    assert tops[0] == 0.8 and all(round(t / 10 ** math.floor(math.log10(t)), 6) in NICE_STEPS for t in tops)
    assert max(curves.batch_y[-40:]) <= tops[-1]  # the recent curve is in view


def test_the_axes_and_their_grid_are_kept_as_pixmaps(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    for plot in (curves.lossPlot, curves.accuracyPlot):
        for side in ("left", "bottom"):
            assert plot.getAxis(side).cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache


def test_the_grid_is_drawn_opaque_in_the_colour_a_translucent_line_shows_and_under_the_curves(qtbot):
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    from gui.widgets.grid_axis import opaque_on

    pen = opaque_on(QPen(QColor(51, 51, 51, 63)), QColor("white"))
    assert pen.color().alpha() == 255 and pen.color().red() == round(51 * 63 / 255 + 255 * (1 - 63 / 255))
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 500)
    curves.show()
    qtbot.waitExposed(curves)
    axis = curves.lossPlot.getAxis("left")
    image = QImage(600, 300, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    _, ticks, _ = axis.generateDrawSpecs(painter)
    painter.end()
    assert ticks and all(p.color().alpha() == 255 for p, _, _ in ticks)
    assert axis.zValue() < curves.lossPlot.getViewBox().zValue()


def test_a_diverged_loss_keeps_the_range_and_a_value_on_a_step_does_not_flip_it(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.add_batch(0.1, 0.5)
    curves.redraw()
    top = curves.lossPlot.getViewBox().viewRange()[1][1]
    curves.add_epoch(dict(epoch=1, train_loss=float("nan"), val_loss=float("inf"), train_acc=0.5, val_acc=0.5))
    curves.add_batch(0.2, float("nan"))
    curves.redraw()  # no ValueError from log10(nan): the finite points decide
    assert curves.lossPlot.getViewBox().viewRange()[1][1] == top
    flips = TrainingCurves()
    qtbot.addWidget(flips)
    tops = set()
    for i in range(20):  # the needed top wobbles around a step (0.8): the range must not follow each wobble
        flips.batch_y, flips.epochs = [0.76 if i % 2 else 0.77], []
        flips._dirty = True
        flips.redraw()
        tops.add(flips.lossPlot.getViewBox().viewRange()[1][1])
    assert tops == {1.0}


def test_a_new_run_fixes_the_epoch_axis_again_after_the_user_auto_ranged_it(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.set_planned_epochs(10)
    curves.lossPlot.enableAutoRange(x=True)  # pyqtgraph's "A" button or View All
    curves.clear()
    curves.set_planned_epochs(10)  # the same epochs as before
    assert not curves.lossPlot.getViewBox().autoRangeEnabled()[0]
    assert 10 <= curves.lossPlot.getViewBox().viewRange()[0][1] < 10.5
