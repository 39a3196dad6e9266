"""Issue 25: "Average with the mirrored photo (TTA)" on Predict, as ``catdog predict --tta`` does it.

The rows belong to (model, TTA): ticking the box classifies the rows' photos again, as a model change
does, and the numbers are core's ``predict_files(..., tta=True)``. The box is remembered between sessions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_test_folder
from test_export_safety import fake_run

from core.data.discover import collect_images
from core.inference.ensemble import load_model
from core.inference.predict import predict_files
from gui.window import settings as window_settings
from gui.window.tooltips import apply_tooltips

TIMEOUT_MS = 60_000


def _probs(page) -> dict:
    return {p.path: p.probs for p in page.predictions()}


def _core(lm, files, tta: bool) -> dict:
    return {p.path: pytest.approx(p.probs, abs=1e-6) for p in predict_files(lm, files, tta=tta)[0]}


def test_tta_box_classifies_the_rows_again_with_core_numbers(window, qtbot, tmp_path):
    weights = Path(window.weights_dir)
    a, b = (str(fake_run(weights, ["cat", "dog"], name)) for name in ("a", "b"))
    page = window.predictPage
    page.refresh_models(select=a)
    box = page.findChild(type(page.ttaCheck), "predictTtaCheck")
    assert box.text() == "Average with the mirrored photo (TTA)" and "twice the time" in box.toolTip()
    apply_tooltips(window)
    assert "twice the time" in box.toolTip()  # the window's table of tips never replaces it
    page.choose_ensemble([a, b])
    write_test_folder(tmp_path / "t", list(range(1, 9)), size=40)
    files = collect_images([tmp_path / "t"])
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        window.predict_paths([tmp_path / "t"])
    lm = load_model([a, b])
    plain, mirrored = _core(lm, files, False), _core(lm, files, True)
    assert _probs(page) == plain and _probs(page) != mirrored and "TTA" not in page.rowsModelLabel.text()

    box.setChecked(True)  # the user ticks TTA: the same photos, classified again
    assert page.rows_shown() == 0 or window.predict_job is not None  # never the old numbers under the new label
    qtbot.waitUntil(lambda: window.predict_job is None and page.rows_shown() == 8, timeout=TIMEOUT_MS)
    assert _probs(page) == mirrored and _probs(page) != plain
    assert page.rows_tta and "Ensemble of 2 runs (a, b)" in page.rowsModelLabel.text()
    assert "with TTA" in page.rowsModelLabel.text()

    box.setChecked(False)
    qtbot.waitUntil(lambda: window.predict_job is None and page.rows_shown() == 8 and not page.rows_tta,
                    timeout=TIMEOUT_MS)
    assert _probs(page) == plain and "TTA" not in page.rowsModelLabel.text()


def test_tta_boxes_are_remembered(window, qtbot, window_weights_dir):
    from gui.main_window import MainWindow

    window.predictPage.ttaCheck.setChecked(True)
    window.evaluatePage.evalTtaCheck.setChecked(False)
    window_settings.save(window)
    again = MainWindow(weights_dir=window_weights_dir)
    qtbot.addWidget(again)
    assert again.predictPage.ttaCheck.isChecked() and not again.evaluatePage.evalTtaCheck.isChecked()
    again._quitting = True
    again.close()


def test_grad_cam_of_a_tta_row_gives_the_rows_probabilities(window, qtbot, tmp_path):
    a = str(fake_run(Path(window.weights_dir), ["cat", "dog"], "a"))
    page = window.predictPage
    page.refresh_models(select=a)
    page.ttaCheck.setChecked(True)
    write_test_folder(tmp_path / "t", [1, 2, 3], size=40)
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        window.predict_paths([tmp_path / "t"])
    with qtbot.waitSignal(page.camView.camReady, timeout=TIMEOUT_MS):
        page.predictionsTable.selectRow(1)
    row = page.predictionsTable.selected_prediction()
    assert page.camView.cam.path == row.path
    assert list(page.camView.cam.probs) == pytest.approx(row.probs, abs=1e-4)  # not the unmirrored photo's alone
