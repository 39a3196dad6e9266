"""The real window, driven as a user would: train, watch curves, drop photos, export the CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_flat, write_test_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from window_actions import configure_tiny_run, drop_files

from core.data.discover import collect_images
from core.inference.predict import load_run, predict_files
from core.inference.submission import format_submission
from core.runs import layout, store
from core.runs.meta import read_meta, write_meta
from core.training import loop
from gui.main_window import MainWindow
from gui.pages.predict.rows import PROB_ROLE

TRAIN_TIMEOUT_MS = 120_000


def test_object_names_of_the_contract(window, qtbot):
    from PySide6.QtWidgets import QWidget

    for name in ("dataPathEdit", "archCombo", "epochsSpin", "batchSizeSpin", "imageSizeSpin", "trainButton",
                 "stopButton", "trainProgress", "lossPlot", "accuracyPlot", "modelCombo", "dropZone",
                 "predictionsTable", "exportCsvButton"):
        assert window.findChild(QWidget, name) is not None, name
    qtbot.waitUntil(lambda: " · " in window.deviceLabel.text(), timeout=60_000)  # once torch has loaded


def test_whole_flow_train_drop_export(window, qtbot, tmp_path, monkeypatch):
    data = write_flat(tmp_path / "train", 24)
    (data / "cat.500.jpg").write_text("not a photo")
    configure_tiny_run(window, data)
    assert "<b>49</b> image files" in window.dataPage.summaryLabel.text()  # the bad file is found at decode time

    with qtbot.waitSignal(window.trainingFinished, timeout=TRAIN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    run_dir = Path(finished.args[0])
    assert (run_dir / layout.MODEL_FILE).exists() and read_meta(run_dir)["status"] == "finished"
    assert window.trainButton.isEnabled() and not window.stopButton.isEnabled()
    # plots hold points: the smoothed batch curve and one epoch point per curve
    assert len(window.trainPage.curves.batch_curve.getData()[0]) >= 1
    for curve in (window.trainPage.curves.train_loss_curve, window.trainPage.curves.val_acc_curve):
        assert len(curve.getData()[0]) == 1
    assert "<b>48</b> readable, <b>1</b> unreadable" in window.dataPage.summaryLabel.text()
    assert window.dataPage.skippedTable.rowCount() == 1
    assert window.dataPage.skippedTable.item(0, 0).text() == "cat.500.jpg"
    assert window.modelCombo.currentData() == str(run_dir)  # the run just trained is selected
    cal = read_meta(run_dir)["calibration"]  # the log says how sure the probabilities shown from now on are
    assert f"Calibrated: temperature {cal['temperature']:.3f}" in window.trainPage.log.toPlainText()

    test_dir = tmp_path / "test"
    write_test_folder(test_dir, [3, 1, 2])
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        assert drop_files(window.dropZone, sorted(test_dir.iterdir())) == (True, True)
    assert ready.args == [3]
    rows = window.predictionsTable.model()
    assert rows.rowCount() == 3
    names = {rows.index(r, 1).data() for r in range(3)}
    assert names == {"1.jpg", "2.jpg", "3.jpg"}
    # each row shows what the model says of that photo, as catdog predict computes it
    reference = {p.path.name: p for p in predict_files(load_run(run_dir), sorted(test_dir.iterdir()))[0]}
    for r in range(3):
        want = reference[rows.index(r, 1).data()]
        assert rows.index(r, 2).data() == ["cat", "dog"][want.label]
        assert rows.index(r, 3).data(PROB_ROLE) == pytest.approx(want.confidence, abs=1e-6)
        rows.index(r, 0).data(Qt.ItemDataRole.DecorationRole)  # asks for the thumbnail, as painting the row does
    thumb = lambda r: rows.index(r, 0).data(Qt.ItemDataRole.DecorationRole)  # noqa: E731
    qtbot.waitUntil(lambda: all(thumb(r) is not None and not thumb(r).isNull() for r in range(3)))

    out = tmp_path / "submission.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "CSV files (*.csv)"))
    qtbot.mouseClick(window.exportCsvButton, Qt.MouseButton.LeftButton)
    dialog = window.export_dialog
    assert dialog.isVisible() and dialog.preview.toPlainText().startswith("id,label\n1,")
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("proba"))
    assert "0." in dialog.preview.toPlainText().splitlines()[1]
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("competition"))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):  # written on a job: the dialog closes once it is
        qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    expected, failures = predict_files(load_run(run_dir), collect_images([test_dir]))
    assert not failures
    assert out.read_text() == format_submission(expected, ["cat", "dog"])


def test_stop_mid_run_leaves_resumable_folder(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)
    data = write_flat(tmp_path / "train", 48)
    configure_tiny_run(window, data, epochs=6)
    window.train_job = None

    def stop_on_first_batch(e):
        if type(e).__name__ == "BatchEnd" and window.stopButton.isEnabled():
            qtbot.mouseClick(window.stopButton, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)  # so that the click starts the job at once
    window.trainPage.trainButton.clicked.connect(
        lambda: window.train_job.event.connect(stop_on_first_batch) if window.train_job else None)
    with qtbot.waitSignal(window.trainingFinished, timeout=TRAIN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    run_dir = Path(finished.args[0])
    meta = read_meta(run_dir)
    assert meta["status"] == "stopped" and meta["epochs_done"] < 6
    assert (run_dir / layout.CHECKPOINT_FILE).exists()
    assert "Stopped" in window.trainProgress.format()

    # Resume from the window: the run continues in the same folder and finishes all 6 epochs
    window.train_job = None
    window.epochsSpin.setValue(3)  # the form is set back to the run's own settings on resume
    qtbot.mouseClick(window.trainPage.resumeButton, Qt.MouseButton.LeftButton)
    dialog = window.resume_dialog
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "stopped"
    with qtbot.waitSignal(window.trainingFinished, timeout=TRAIN_TIMEOUT_MS) as finished:
        dialog.buttons.accepted.emit()
    assert finished.args[0] == str(run_dir) and window.epochsSpin.value() == 6
    meta = read_meta(run_dir)
    assert meta["status"] == "finished" and meta["epochs_done"] == 6 and meta["resumed"] == 1


def test_folder_dropped_on_window_becomes_training_data(window, tmp_path):
    data = write_flat(tmp_path / "photos", 3)
    window.tabs.setCurrentWidget(window.trainPage)
    assert drop_files(window, [data]) == (True, True)
    assert window.dataPathEdit.text() == str(data)
    assert window.tabs.currentWidget() is window.dataPage
    assert "<b>6</b> image files" in window.dataPage.summaryLabel.text()


def test_bad_folder_shows_error_and_app_keeps_running(window, qtbot, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    window.dataPathEdit.setText(str(empty))
    window.dataPathEdit.editingFinished.emit()
    assert "no labelled images" in window.dataPage.summaryLabel.text()
    qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    assert window.last_error and "no labelled images" in window.last_error
    assert window.trainButton.isEnabled() and window.train_job is None


def _fake_run(weights: Path, name: str, arch: str = "lenet", corrupt: bool = False) -> Path:
    """A run folder written by core itself (an untrained lenet), optionally with damaged weights."""
    from core.models.registry import build_model

    run = weights / name
    run.mkdir(parents=True)
    store.save_model(run, build_model(arch, 2))
    write_meta(run, {"arch": arch, "classes": ["cat", "dog"], "image_size": 32, "status": "finished"})
    if corrupt:
        (run / layout.MODEL_FILE).write_bytes(b"not safetensors")
    return run


def test_model_that_does_not_load_is_a_readable_error(window, qtbot, tmp_path):
    _fake_run(Path(window.weights_dir), "broken", corrupt=True)
    window.predictPage.refresh_models(select=str(Path(window.weights_dir) / "broken"))
    write_test_folder(tmp_path / "t", [1])
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths([tmp_path / "t"])
    assert ready.args == [0]
    assert "cannot read weights" in window.last_error and "broken" in window.last_error
    assert window.dropZone.isEnabled()  # ready for the next try


def test_cancel_folder_prediction(window, qtbot, tmp_path):
    _fake_run(Path(window.weights_dir), "ok")
    window.predictPage.refresh_models(select=str(Path(window.weights_dir) / "ok"))
    write_test_folder(tmp_path / "many", list(range(1, 401)), size=40)
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths([tmp_path / "many"])  # cancelled once the first rows are in
        window.predict_job.batchReady.connect(
            lambda _: qtbot.mouseClick(window.predictPage.cancelButton, Qt.MouseButton.LeftButton))
    assert 0 < ready.args[0] < 400
    assert "cancelled" in window.predictPage.summaryLabel.text()
    assert window.dropZone.isEnabled() and not window.predictPage.cancelButton.isEnabled()


def test_export_write_failure_keeps_dialog_open(window, qtbot, tmp_path, monkeypatch):
    _fake_run(Path(window.weights_dir), "ok")
    window.predictPage.refresh_models(select=str(Path(window.weights_dir) / "ok"))
    write_test_folder(tmp_path / "t", [1, 2])
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000):
        window.predict_paths([tmp_path / "t"])
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(blocker / "sub.csv"), ""))
    qtbot.mouseClick(window.exportCsvButton, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.export_dialog.saveButton, Qt.MouseButton.LeftButton)
    assert window.export_dialog.isVisible() and "cannot write" in window.export_dialog.error


def test_drop_without_model_is_a_readable_error(window):
    window.modelCombo.clear()
    window.predict_paths([Path("/tmp")])
    assert "Train a model first" in window.last_error


def test_settings_remembered(qtbot, tmp_path):
    data = write_flat(tmp_path / "d", 2)
    w = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(w)
    configure_tiny_run(w, data, epochs=7)
    w.close()
    again = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(again)
    assert again.epochsSpin.value() == 7 and again.archCombo.currentData() == "lenet"
    assert again.dataPathEdit.text() == str(data) and again.imageSizeSpin.value() == 32


def test_the_time_estimate_learns_from_a_finished_run(window, qtbot, tmp_path):
    """Measured on a busy computer, the estimate said minutes; after a run it says what the run took."""
    from core.planning import duration as estimate

    estimate.remember_rates(estimate.rates_key("lenet", 32, 16, "auto", "auto", True), estimate.Rates(0.2, 0.5))
    configure_tiny_run(window, write_flat(tmp_path / "train", 24), epochs=2)
    label = window.trainPage.estimateLabel
    qtbot.waitUntil(lambda: "min on this computer" in label.text(), timeout=60_000)
    with qtbot.waitSignal(window.trainingFinished, timeout=TRAIN_TIMEOUT_MS):
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: " s on this computer" in label.text(), timeout=10_000)
    assert estimate.cached_rates("lenet", 32, 16, train=True).train_images_per_s > 1
