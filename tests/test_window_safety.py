"""The window keeps the same promises as the CLI: right labels, all rows or no file, drops where
the pointer is, a status line that is clear, current and complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_flat, write_test_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from test_export_safety import fake_run
from window_actions import drop_files


def _use_model(window, classes: list[str]) -> None:
    fake_run(Path(window.weights_dir), classes, "m")
    window.predictPage.refresh_models(select=str(Path(window.weights_dir) / "m"))


def _predict(window, qtbot, paths) -> None:
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000):
        window.predict_paths(paths)


def _open_export(window, qtbot):
    qtbot.mouseClick(window.exportCsvButton, Qt.MouseButton.LeftButton)
    return window.export_dialog


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_export_dialog_says_which_class_is_1_and_asks_when_unsure(window, qtbot, tmp_path):
    _use_model(window, ["cats", "dogs", "kittens"])
    write_test_folder(tmp_path / "t", [1, 2])
    _predict(window, qtbot, [tmp_path / "t"])
    dialog = _open_export(window, qtbot)
    assert not dialog.saveButton.isEnabled()
    assert "Cannot export" in dialog.preview.toPlainText() and "kittens" in dialog.preview.toPlainText()
    dialog.positiveCombo.setCurrentIndex(dialog.positiveCombo.findData("dogs"))
    assert dialog.saveButton.isEnabled() and dialog.preview.toPlainText().startswith("id,label\n1,")
    assert dialog.labelMeaning.text() == "1 = dogs, 0 = any other class (cats, kittens)"
    dialog.reject()


def test_export_dialog_cat_dog_words_and_bare_name_gets_csv(window, qtbot, tmp_path, monkeypatch):
    _use_model(window, ["cats", "dogs"])
    write_test_folder(tmp_path / "t", [1, 2])
    _predict(window, qtbot, [tmp_path / "t"])
    dialog = _open_export(window, qtbot)
    assert dialog.labelMeaning.text() == "1 = dogs, 0 = cats"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "submission"), ""))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):  # written on a job
        qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    assert (tmp_path / "submission.csv").read_text().startswith("id,label\n1,")
    assert not (tmp_path / "submission").exists()
    assert window.statusLine.text().startswith("Wrote 2 rows to") and window.statusLine.text().endswith(".csv")


def test_export_refused_when_a_photo_was_unreadable(window, qtbot, tmp_path, monkeypatch):
    _use_model(window, ["cat", "dog"])
    write_test_folder(tmp_path / "t", [1, 2])
    (tmp_path / "t" / "3.jpg").write_text("not a photo")
    _predict(window, qtbot, [tmp_path / "t"])
    assert "no CSV can be exported" in window.predictPage.summaryLabel.text()
    assert not window.exportCsvButton.isEnabled() and "3.jpg" in window.exportCsvButton.toolTip()
    window.export_csv()  # opened anyway (a menu, a script): the dialog refuses too
    dialog = window.export_dialog
    assert not dialog.saveButton.isEnabled()
    assert "cannot read 1 test image" in dialog.preview.toPlainText() and "3.jpg" in dialog.preview.toPlainText()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "sub.csv"), ""))
    dialog.save()  # even if called, all rows or no file
    assert not (tmp_path / "sub.csv").exists() and "3.jpg" in dialog.error


def test_export_refused_after_cancel(window, qtbot, tmp_path, monkeypatch):
    _use_model(window, ["cat", "dog"])
    write_test_folder(tmp_path / "many", list(range(1, 301)), size=40)
    from core.inference import predict

    real = predict.predict_files

    def cancel_after_first_batch(lm, paths, **kw):  # the user presses Cancel once the first batch is shown
        done, report = [], kw["progress"]
        kw["progress"] = lambda d, t: (done.append(d), report(d, t))
        kw["should_stop"] = lambda: bool(done) and (window.predict_job.stop() or True)
        return real(lm, paths, **kw)

    monkeypatch.setattr(predict, "predict_files", cancel_after_first_batch)  # the job imports it when it runs
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths([tmp_path / "many"])
    assert 0 < ready.args[0] < 300 and not window.exportCsvButton.isEnabled()  # its Save would be off
    assert "cancelled" in window.predictPage.predictProgress.text()
    window.export_csv()
    dialog = window.export_dialog
    assert not dialog.saveButton.isEnabled() and "cancelled" in dialog.preview.toPlainText()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "sub.csv"), ""))
    dialog.save()
    assert not (tmp_path / "sub.csv").exists()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_folder_dropped_on_predict_table_is_predicted_not_training_data(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 3)
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    _use_model(window, ["cat", "dog"])
    window.tabs.setCurrentWidget(window.predictPage)
    write_test_folder(tmp_path / "test", [1, 2, 3])
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        assert drop_files(window.predictionsTable.viewport(), [tmp_path / "test"])[1]
    assert ready.args == [3]
    assert window.dataPathEdit.text() == str(data) and window.tabs.currentWidget() is window.predictPage


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_folder_dropped_on_busy_strip_never_changes_training_data(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 3)
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    _use_model(window, ["cat", "dog"])
    write_test_folder(tmp_path / "many", list(range(1, 201)), size=40)
    other = write_flat(tmp_path / "other", 2)
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000):
        window.predict_paths([tmp_path / "many"])
        assert not window.dropZone.isEnabled()
        drop_files(window.predictPage.predictProgress, [other])
        drop_files(window.dropZone, [other])
        window.cancel_prediction()
    assert window.dataPathEdit.text() == str(data)
    assert "still being classified" in window.last_error
    assert "still being classified" not in window.statusLine.text()  # the job is over: not busy any more


def test_idle_predict_progress_does_not_claim_photos(window, qtbot, tmp_path):
    assert "0 / 100" not in window.predictPage.predictProgress.text()
    assert window.predictPage.predictProgress.text() == "No photos being classified"
    run = fake_run(Path(window.weights_dir), ["cat", "dog"], "broken")
    (run / "model.safetensors").write_bytes(b"not safetensors")
    window.predictPage.refresh_models(select=str(run))
    write_test_folder(tmp_path / "t", [1, 2])
    _predict(window, qtbot, [tmp_path / "t"])  # fails loading the model
    assert window.predictPage.predictProgress.text() == "No photos being classified"
    assert "Classifying" not in window.predictPage.summaryLabel.text()


def test_status_error_goes_away_when_fixed_and_long_text_is_whole(window, qtbot, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    window.dataPathEdit.setText(str(empty))
    window.dataPathEdit.editingFinished.emit()
    assert "no labelled images" in window.statusLine.text() and window.statusLine.error_source == "data"
    data = write_flat(tmp_path / "good", 3)
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    assert "no labelled images" not in window.statusLine.text() and window.statusLine.error_source is None

    long = "cannot read folder " + "/very/long/path" * 30 + ": Permission denied"
    window.show_error("Cannot classify", long, "predict")
    QApplication.processEvents()
    label = window.statusLine
    assert label.text() == long and label.toolTip() == long and label.wordWrap()
    assert label.height() >= label.heightForWidth(label.width()) - 1  # every wrapped line fits


def test_data_summary_counts_readable_and_warns_about_starved_classes(window, tmp_path):
    data = write_flat(tmp_path / "d", 12)
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    page = window.dataPage
    assert "<b>24</b> image files" in page.summaryLabel.text() and "Warning" not in page.summaryLabel.text()
    bad = [(str(data / f"dog.{i}.jpg"), "not an image (unknown or damaged format)") for i in range(5)]
    page.set_decoded(bad)  # what training reports once it has decoded every photo
    text = page.summaryLabel.text()
    assert "<b>19</b> readable, <b>5</b> unreadable (listed below)" in text
    assert "Warning:</b> class 'dog' has only 7 readable photo(s)" in text
    assert page.skippedTable.rowCount() == 5 and page.skippedTable.item(0, 0).text() == "dog.0.jpg"
    few = write_flat(tmp_path / "few", 6)
    window.dataPathEdit.setText(str(few))
    window.dataPathEdit.editingFinished.emit()
    assert "class 'cat' has only 6 readable photo(s)" in page.summaryLabel.text()  # known before decoding
