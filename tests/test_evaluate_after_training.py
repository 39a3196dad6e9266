"""Issue 23, items 5 and 8: after a training the window agrees with itself.

A finished run is the model of Predict and Evaluate (and the status line says so), Evaluate
then works on the run's own validation photos, a red error goes when the same kind of action
later works, the top-losses caption never calls right answers wrong, long run names keep both
ends in the Evaluate model box, and Ctrl+T during a run says why it does nothing.
"""

from __future__ import annotations

from pathlib import Path

from conftest import write_flat
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from window_actions import configure_tiny_run

from core.inference.evaluate import EvalResult, PhotoResult
from core.runs import store
from core.runs.meta import write_meta
from core.training import events as ev
from core.training import loop
from gui.window.menus import TRAINING_BUSY

TIMEOUT_MS = 120_000


def _evaluate(window, qtbot) -> int:
    page = window.evaluatePage
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS) as ready:
        qtbot.mouseClick(page.evaluateButton, Qt.MouseButton.LeftButton)
    return ready.args[0]


def test_a_finished_run_is_selected_and_evaluated_on_its_own_photos(window, qtbot, tmp_path):
    page = window.evaluatePage
    window.tabs.setCurrentWidget(page)  # seen before the first run: only the ImageNet baseline is listed
    assert page.evalModelCombo.currentData().startswith("imagenet:")
    configure_tiny_run(window, write_flat(tmp_path / "train", 16, size=40))
    with qtbot.waitSignal(window.trainingFinished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    run = finished.args[0]
    assert page.evalModelCombo.currentData() == run and window.predictPage.model_path() == run
    assert window.statusLine.text() == f"Run {Path(run).name} finished: selected on Predict and Evaluate"

    window.tabs.setCurrentWidget(page)  # showing the page again keeps the choice
    assert page.evalModelCombo.currentData() == run
    page.evalDataEdit.setText(str(tmp_path / "no-such-folder"))
    assert _evaluate(window, qtbot) == 0
    assert window.statusLine.error_source == "evaluate" and "no-such-folder" in window.statusLine.text()

    page.evalDataEdit.clear()  # the run's own validation photos: 20% of 32
    photos = _evaluate(window, qtbot)
    assert photos == len(page.result.photos) > 0
    assert window.statusLine.error_source is None  # the later evaluation worked: the red error is gone
    assert window.statusLine.text().startswith(f"Evaluated {Path(run).name} on {photos} photos: accuracy")


def _photo(tmp_path, true: int, p_cat: float) -> PhotoResult:
    return PhotoResult(tmp_path / f"{true}-{p_cat}.jpg", true, [p_cat, 1 - p_cat])


def test_top_losses_never_call_right_answers_wrong(window, tmp_path):
    page = window.evaluatePage
    page.result = EvalResult(["cat", "dog"], [_photo(tmp_path, 0, 0.9), _photo(tmp_path, 1, 0.2),
                                              _photo(tmp_path, 0, 0.6)])
    page.show_top_losses()  # 100% accuracy
    text = page.galleryLabel.text()
    assert "wrong" not in text.replace("no photo is wrong", "") and "least confident right" in text
    page.result.photos.append(_photo(tmp_path, 1, 0.7))  # one wrong
    page.show_top_losses()
    assert "<b>1</b> wrong, 3 right" in page.galleryLabel.text()
    page.result.photos[:] = [_photo(tmp_path, 1, 0.7), _photo(tmp_path, 0, 0.1)]  # all wrong
    page.show_top_losses()
    assert "the model got most wrong" in page.galleryLabel.text()
    assert "most wrong" not in page.topLossesButton.toolTip()


def _fake_run(weights: Path, name: str) -> Path:
    """An untrained lenet run written by core itself: enough for the model boxes to list it."""
    from core.models.registry import build_model

    run = weights / name
    run.mkdir(parents=True)
    store.save_model(run, build_model("lenet", 2))
    write_meta(run, {"arch": "lenet", "classes": ["cat", "dog"], "image_size": 32, "status": "finished"})
    return run


def test_long_run_names_keep_both_ends_in_the_model_box(window, qtbot):
    combo = window.evaluatePage.evalModelCombo
    window.tabs.setCurrentWidget(window.evaluatePage)
    long = _fake_run(Path(window.weights_dir), "augmentation-sweep-" + "x" * 60 + "-the-one-that-won")
    short = _fake_run(Path(window.weights_dir), "short")
    window.resize(1024, 640)
    assert window.evaluatePage.select_run(str(short))
    qtbot.waitUntil(lambda: combo.shown_text() == combo.currentText())  # room enough: shown whole
    assert window.evaluatePage.select_run(str(long))
    full = combo.currentText()
    shown = combo.shown_text()
    assert combo.toolTip() == full and "…" in shown
    assert shown.startswith("augmentation-sweep-") and shown.endswith("lenet, 32px, val n/a)")  # cut in the middle
    assert combo.fontMetrics().horizontalAdvance(shown) <= combo.width()
    assert combo.view().minimumWidth() > combo.fontMetrics().horizontalAdvance(full)  # the list shows it whole


def test_ctrl_t_while_training_is_greyed_out_and_says_why(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)
    action = window.actions_by_name["trainAction"]
    assert action.isEnabled() and action.shortcut() == QKeySequence("Ctrl+T")
    configure_tiny_run(window, write_flat(tmp_path / "train", 48, size=40), epochs=6)
    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)  # so that the click starts the job at once
    seen: dict = {}

    def during_the_run(e) -> None:
        if isinstance(e, ev.BatchEnd) and not seen:
            seen["job"] = window.train_job
            seen["enabled"] = action.isEnabled()
            window.activateWindow()
            qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
            seen["status"], seen["source"] = window.statusLine.text(), window.statusLine.error_source
            seen["same_job"] = window.train_job is seen["job"]
            window.stop_training()

    window.trainPage.trainButton.clicked.connect(
        lambda: window.train_job.event.connect(during_the_run) if window.train_job else None)
    with qtbot.waitSignal(window.trainingFinished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    assert seen["enabled"] is False and seen["same_job"]
    assert seen["status"] == TRAINING_BUSY and seen["source"] == "busy"
    assert action.isEnabled()  # back when the run ends
    assert window.statusLine.error_source is None and "stopped" in window.statusLine.text()
