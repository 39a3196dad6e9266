"""Live curves stay cheap to redraw: a fixed epoch axis, epoch curves set once per epoch."""

from __future__ import annotations

from gui.plots import TrainingCurves


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
