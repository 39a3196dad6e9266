"""The Train page's learning-rate finder, driven as a user would: click, watch the curve, use the suggestion."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import write_flat
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from window_actions import configure_tiny_run

FIND_TIMEOUT_MS = 120_000


def test_find_lr_draws_the_curve_and_fills_the_form(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 16)
    configure_tiny_run(window, data)
    page = window.trainPage
    page.lrSpin.setValue(0.98765)  # not what any suggestion is: the click below must change it
    window.dataPage.set_val_split(0.5)  # the range test trains on the photos training would: half of the 32
    qtbot.mouseClick(page.lrFindButton, Qt.MouseButton.LeftButton)
    dialog = page.lrFinder
    assert dialog is not None and dialog.isVisible() and not dialog.useLrButton.isEnabled()
    with qtbot.waitSignal(dialog.resultReady, timeout=FIND_TIMEOUT_MS) as found:
        pass
    result = found.args[0]
    assert result.num_train == 16
    xs, ys = dialog.curve.getData()
    assert len(xs) == len(result.lrs) >= 2  # drawn live, every step
    assert dialog.mark.isVisible() and dialog.mark.value() == pytest.approx(math.log10(result.suggested_lr))
    assert "Suggested learning rate" in dialog.statusLabel.text()
    assert dialog.useLrButton.isEnabled()
    qtbot.mouseClick(dialog.useLrButton, Qt.MouseButton.LeftButton)
    spin = page.lrSpin
    expected = min(max(result.suggested_lr, spin.minimum()), spin.maximum())
    assert spin.value() == pytest.approx(expected, abs=10 ** -spin.decimals())
    assert not dialog.isVisible()
    runs = Path(window.weights_dir)
    assert not runs.exists() or not list(runs.iterdir())  # nothing was saved as a run


def test_without_a_folder_the_finder_says_what_to_do(window, qtbot):
    qtbot.mouseClick(window.trainPage.lrFindButton, Qt.MouseButton.LeftButton)
    box = window.trainPage.findChild(QMessageBox, "errorBox")
    assert box is not None and box.isVisible() and "Data page" in box.text()
    assert window.trainPage.lrFinder is None


def test_cancel_closes_the_dialog_and_keeps_the_lr(window, qtbot, tmp_path):
    configure_tiny_run(window, write_flat(tmp_path / "train", 16))
    page = window.trainPage
    before = page.lrSpin.value()
    qtbot.mouseClick(page.lrFindButton, Qt.MouseButton.LeftButton)
    dialog = page.lrFinder
    qtbot.mouseClick(dialog.cancelButton, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and page.lrSpin.value() == before
    qtbot.waitUntil(lambda: dialog.job.thread.isFinished(), timeout=FIND_TIMEOUT_MS)  # it stops, not runs on


def test_a_folder_that_cannot_train_is_a_readable_message(window, qtbot, tmp_path):
    data = tmp_path / "broken"
    data.mkdir()
    for name in ("cat.0.jpg", "cat.1.jpg", "dog.0.jpg", "dog.1.jpg"):
        (data / name).write_text("not a photo")
    configure_tiny_run(window, data)
    qtbot.mouseClick(window.trainPage.lrFindButton, Qt.MouseButton.LeftButton)
    dialog = window.trainPage.lrFinder
    with qtbot.waitSignal(dialog.job.failed, timeout=FIND_TIMEOUT_MS):
        pass
    text = dialog.statusLabel.text()
    assert "Cannot find a learning rate" in text and "readable" in text and "Traceback" not in text
    assert not dialog.useLrButton.isEnabled() and dialog.cancelButton.text() == "Close"
