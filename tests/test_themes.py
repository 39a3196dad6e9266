"""Issue 23 item 7: every drawing follows the theme, axes show every point, the Train page fits 1024x640."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea

from gui.widgets.plots import TrainingCurves
from gui.window.theme import apply_theme

MIN_TEXT_CONTRAST = 4.5  # WCAG AA for text
MIN_CARD_CONTRAST = 4.5  # a plot's tick numbers on its card


def luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in c.getRgbF()[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_contrast(widget, top: float = 0.0, bottom: float = 1.0, inset: int = 4) -> tuple[float, QColor]:
    """From a grab of the window where the widget is (what the screen shows: a label without a background of
    its own grabbed alone is drawn on its own, possibly stale, palette): the background (the commonest pixel)
    against the pixel that stands out most from it (the text's core), within the band [top, bottom]."""
    top_left = widget.mapTo(widget.window(), QPoint(0, 0))
    image = widget.window().grab(QRect(top_left, widget.size())).toImage()
    w, h = image.width(), image.height()
    ys = range(max(inset, int(h * top)), min(h - inset, int(h * bottom)))
    pixels = [image.pixelColor(x, y) for y in ys for x in range(inset, w - inset)]
    background = Counter(p.rgb() for p in pixels).most_common(1)[0][0]
    bg = QColor.fromRgb(background)
    return max(contrast(p, bg) for p in pixels), bg


def _switch(window, qtbot, theme: str) -> bool:
    window.actions_by_name[f"theme{theme.title()}Action"].trigger()
    QApplication.processEvents()
    qtbot.wait(50)
    return theme == "dark"


def _is_dark(c: QColor) -> bool:
    return c.lightness() < 128


@pytest.fixture
def themed(window, qtbot):
    """The window with an evaluation summary and a past run's curves shown, back on the system theme after."""
    from core.inference.evaluate import EvalReport

    report = EvalReport(["cat", "dog"], __import__("numpy").array([[5, 1], [0, 6]]), 0.3)
    window.evaluatePage.results.show_report(report, "a long description of the photos " * 6)
    window.trainPage.show_past_run({"metrics": [dict(epoch=e, train_loss=0.6 / e, val_loss=0.5 / e,
                                                     train_acc=0.7, val_acc=0.8) for e in (1, 2, 3)]})
    window.runsPage.comparePlot.set_run("a", [dict(epoch=1, val_acc=0.7, train_loss=0.6)])
    yield window
    apply_theme("system")  # no event loop here: pytest-qt already asked the window to delete itself


def test_every_drawing_reads_in_each_theme_and_after_each_switch(themed, qtbot):
    window = themed
    curves = window.trainPage.curves
    plots = [curves.lossPlot, curves.accuracyPlot, window.runsPage.comparePlot]
    for theme in ("dark", "light", "dark", "light"):
        dark = _switch(window, qtbot, theme)
        for plot in plots:  # the card follows the theme and its numbers, labels, titles and legend read on it
            card = plot.backgroundBrush().color()
            assert _is_dark(card) == dark, (theme, plot.objectName(), card.name())
            items = [plot.getPlotItem()] if hasattr(plot, "getPlotItem") else [window.runsPage.comparePlot.accPlot,
                                                                               window.runsPage.comparePlot.lossPlot]
            for item in items:
                axis = item.getAxis("left")
                assert contrast(axis.textPen().color(), card) >= MIN_CARD_CONTRAST, (theme, plot.objectName())
                assert contrast(QColor(axis.labelStyle["color"]), card) >= MIN_CARD_CONTRAST
                assert contrast(QColor(item.titleLabel.opts["color"]), card) >= MIN_TEXT_CONTRAST
                assert getattr(axis, "background", card) == card  # an opaque grid is mixed with this card
            legends = [item.legend for item in items if item.legend is not None] or [plot.legend]
            for legend in legends:  # the colour its shown labels are drawn in (their HTML), not only its setting
                shown = [re.search(r"color: ?(#[0-9a-fA-F]{6})", label.item.toHtml()) for _, label in legend.items]
                assert shown and all(contrast(QColor(m.group(1)), card) >= MIN_TEXT_CONTRAST for m in shown), theme
            grabbed = Counter(plot.grab().toImage().pixelColor(x, 5).rgb() for x in range(0, 200, 5))
            assert _is_dark(QColor.fromRgb(grabbed.most_common(1)[0][0])) == dark  # what is painted, too
        window.tabs.setCurrentWidget(window.predictPage)
        ratio, bg = text_contrast(window.dropZone, 0.3, 0.7, inset=10)
        assert ratio >= MIN_TEXT_CONTRAST and _is_dark(bg) == dark, (theme, "drop zone", ratio, bg.name())
        window.tabs.setCurrentWidget(window.evaluatePage)
        summary = window.evaluatePage.results.summaryLabel
        ratio, bg = text_contrast(summary, 0.55, 1.0)  # the subtitle: the lines under the accuracy
        assert ratio >= MIN_TEXT_CONTRAST, (theme, "evaluate subtitle", ratio)
        window.tabs.setCurrentWidget(window.explorerPage)
        qtbot.wait(20)
        note = window.explorerPage.findChild(QLabel, "explorerNote")
        ratio, bg = text_contrast(note)
        assert ratio >= MIN_TEXT_CONTRAST, (theme, "explore footer", ratio, bg.name())


def test_the_loss_axis_shows_every_epoch_and_says_when_the_batch_curve_is_cut(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.set_planned_epochs(10)
    rows = [dict(epoch=1, train_loss=0.556, val_loss=0.41, train_acc=0.7, val_acc=0.8)]
    rows += [dict(epoch=e, train_loss=0.3 / e, val_loss=0.25 / e + 0.02, train_acc=0.8, val_acc=0.85)
             for e in range(2, 9)]
    curves.show_history(rows)
    (x0, x1), (y0, y1) = curves.lossPlot.getViewBox().viewRange()
    points = [(r["epoch"], r[k]) for r in rows for k in ("train_loss", "val_loss")]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points), ((y0, y1), max(p[1] for p in points))
    assert curves.lossPlot.getPlotItem().titleLabel.text == "Loss"
    curves.add_epoch(dict(epoch=9, train_loss=0.03, val_loss=0.04, train_acc=0.23, val_acc=0.18))  # 5 classes
    curves.redraw()
    (_, _), (a0, a1) = curves.accuracyPlot.getViewBox().viewRange()
    assert a0 <= 0.18 and a1 >= 0.95
    for i in range(400):  # a smoothed per-batch curve that starts far above the epochs' points
        curves.add_batch(8 + i / 200, 5.0 if i < 3 else 0.05)
    curves.redraw()
    top = curves.lossPlot.getViewBox().viewRange()[1][1]
    assert top < 5 and all(y <= top for _, y in points)  # the spike does not flatten the rest...
    assert "above the top" in curves.lossPlot.getPlotItem().titleLabel.text  # ...and what it cuts is said


def test_legends_cover_no_data(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 600)
    curves.show()
    qtbot.waitExposed(curves)
    for plot in (curves.lossPlot, curves.accuracyPlot):
        item = plot.getPlotItem()
        assert item.legend is not None and len(item.legend.items) >= 2
        data_area = item.getViewBox().sceneBoundingRect()
        assert not item.legend.sceneBoundingRect().intersects(data_area), plot.objectName()


def test_the_train_log_keeps_readable_lines_at_1024x640(window, qtbot):
    window.resize(1024, 640)
    window.tabs.setCurrentWidget(window.trainPage)
    qtbot.waitUntil(lambda: window.size().height() == 640)
    qtbot.wait(50)
    log = window.trainPage.log
    lines = 5 * log.fontMetrics().lineSpacing()
    assert log.height() >= lines, log.height()
    scroll = window.trainPage.findChild(QScrollArea)  # the column scrolls: the whole log can be brought in view

    def in_view() -> bool:  # again while the form's late text (the estimate) moves the column
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        return log.visibleRegion().boundingRect().height() >= lines
    qtbot.waitUntil(in_view, timeout=5000)


def test_error_and_warning_words_read_in_each_theme(window, qtbot):
    """The status line's error, the Data page's 'Cannot use this folder' and the drop overlay's words are drawn
    in the theme's own error/accent colour: the light theme's dark red on the dark window was unreadable."""
    from gui.widgets.colors import TONES, tone

    try:
        for theme in ("dark", "light"):
            _switch(window, qtbot, theme)
            bg = window.palette().color(window.backgroundRole())
            for kind in TONES:
                assert contrast(QColor(tone(kind)), bg) >= MIN_TEXT_CONTRAST, (theme, kind, tone(kind))
            window.statusLine.error("the model file is damaged")
            assert tone("error") in window.statusLine.styleSheet()
            window.dataPathEdit.setText("/no/such/folder")
            window.dataPathEdit.editingFinished.emit()
            assert f"color:{tone('error')}" in window.dataPage.summaryLabel.text()
            window.dataPage.set_folder("")
            window.trainPage.form.show_estimate(3 * 3600)  # a slow run: the warning colour of this theme
            assert tone("error") in window.trainPage.form.estimateLabel.styleSheet()
    finally:
        apply_theme("system")
