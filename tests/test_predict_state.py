"""The Predict page holds one truth (issue 23): the selected row is the photo Grad-CAM explains after any
sort or filter, the rows belong to the model the page names (and the CSV is that model's), counts are
the rows on screen, a stray file never removes results, Export CSV is on only when its dialog can save."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_test_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from test_export_safety import fake_run
from window_actions import drop_files

from core.data.discover import collect_images
from core.inference.predict import Prediction, load_run, predict_files
from core.inference.submission import format_submission
from gui.pages.predict.table import PredictionsTable, TableControls

TIMEOUT_MS = 60_000


def _use(window, name: str) -> Path:
    run = fake_run(Path(window.weights_dir), ["cat", "dog"], name)
    window.predictPage.refresh_models(select=str(run))
    return run


def _predict(window, qtbot, paths) -> None:
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        window.predict_paths(paths)


def _names(table) -> list[str]:
    """The file names on screen, top to bottom: the rows the view shows (sorted, filtered)."""
    m = table.model()
    return [m.index(r, 1).data() for r in range(m.rowCount())]


def _select_and_explain(window, qtbot, row: int) -> str:
    with qtbot.waitSignal(window.predictPage.camView.camReady, timeout=TIMEOUT_MS) as cam:
        window.predictionsTable.selectRow(row)
    return Path(cam.args[0]).name


def test_grad_cam_explains_the_selected_row_after_a_sort_and_a_filter(window, qtbot, tmp_path):
    _use(window, "a")
    write_test_folder(tmp_path / "t", list(range(1, 13)), size=40)
    _predict(window, qtbot, [tmp_path / "t"])
    table, cam_view = window.predictionsTable, window.predictPage.camView
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # the Probability header
    arrival = [p.path.name for p in table.predictions]
    moved = [r for r, name in enumerate(_names(table)) if name != arrival[r]]
    assert moved, "the sort moved no row: the test would prove nothing"
    row = moved[0]
    name = _names(table)[row]
    assert _select_and_explain(window, qtbot, row) == name
    assert cam_view.title.text().startswith(f"<b>{name}</b>")
    want = table.prediction_at(row)
    assert want.path.name == name and cam_view.cam.probs == pytest.approx(want.probs, abs=1e-4)  # same numbers
    table.open_photo(table.model().index(row, 1))  # the viewer shows the same photo
    assert table.viewer.caption.text().startswith(str(want.path))
    table.viewer.close()

    combo = window.predictPage.tableControls.filterCombo
    shown_class = window.predictionsTable.classes[want.label]
    other = "cat" if shown_class == "dog" else "dog"
    combo.setCurrentIndex(combo.findData(other))  # the selected row is hidden: Grad-CAM no longer shows it
    assert cam_view.cam is None and cam_view.classCombo.count() == 0
    visible = _names(table)
    assert all(table.prediction_at(r).label != want.label for r in range(len(visible)))  # the filter holds
    if visible:
        r = len(visible) - 1
        assert _select_and_explain(window, qtbot, r) == visible[r]


def test_switching_the_model_classifies_again_and_export_is_that_models(window, qtbot, tmp_path, monkeypatch):
    a, b = _use(window, "a"), _use(window, "b")
    window.predictPage.refresh_models(select=str(a))
    write_test_folder(tmp_path / "t", [1, 2, 3, 4])
    files = collect_images([tmp_path / "t"])
    _predict(window, qtbot, [tmp_path / "t"])
    page, combo = window.predictPage, window.modelCombo
    before = [p.probs for p in page.predictions()]
    combo.setCurrentIndex(combo.findData(str(b)))  # the user picks model b
    assert [p.probs for p in page.predictions()] != before  # a's rows are gone at once: never under b's name
    qtbot.waitUntil(lambda: window.predict_job is None and len(page.predictions()) == 4, timeout=TIMEOUT_MS)
    expected = predict_files(load_run(b), files)[0]
    out = tmp_path / "b.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(window.exportCsvButton, Qt.MouseButton.LeftButton)
    dialog = window.export_dialog
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("proba"))  # the probabilities, not only 0/1
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):  # written on a job
        qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    assert out.read_text() == format_submission(expected, ["cat", "dog"], "proba")  # = catdog predict b --csv
    assert page.rows_model == str(b) and combo.itemText(combo.findData(str(b))) in page.rowsModelLabel.text()

    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):  # a training ends: the box switches
        page.refresh_models(select=str(a))
    got = {p.path.name: p.probs for p in page.predictions()}
    assert got == {p.path.name: pytest.approx(p.probs, abs=1e-6) for p in predict_files(load_run(a), files)[0]}


def test_shown_count_is_the_rows_on_screen(qtbot, tmp_path):
    table = PredictionsTable()
    controls = TableControls(table)
    qtbot.addWidget(table)
    qtbot.addWidget(controls)
    probs = [[0.9, 0.1], [0.45, 0.55], [0.2, 0.8], [0.58, 0.42]]
    preds = [Prediction(tmp_path / f"{i}.jpg", p) for i, p in enumerate(probs, 1)]
    table.add_predictions(preds, ["cat", "dog"])  # one batch, "All photos": every row on screen
    assert controls.shownLabel.text() == "4 of 4 shown"

    def on_screen() -> int:
        return len(_names(table))

    for kind in ("dog", "uncertain", "cat", "all"):
        controls.filterCombo.setCurrentIndex(controls.filterCombo.findData(kind))
        assert controls.shownLabel.text() == f"{on_screen()} of 4 shown", kind
    controls.filterCombo.setCurrentIndex(controls.filterCombo.findData("dog"))
    table.add_predictions([Prediction(tmp_path / "5.jpg", [0.1, 0.9])], ["cat", "dog"])
    assert controls.shownLabel.text() == f"{on_screen()} of 5 shown" == "3 of 5 shown"


def test_a_stray_file_is_refused_and_photos_replace_the_table(window, qtbot, tmp_path):
    _use(window, "a")
    write_test_folder(tmp_path / "t", [1, 2, 3])
    _predict(window, qtbot, [tmp_path / "t"])
    page, table = window.predictPage, window.predictionsTable
    before, summary = list(page.predictions()), page.summaryLabel.text()
    _select_and_explain(window, qtbot, 0)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    drop_files(window.dropZone, [notes])
    assert page.predictions() == before and len(_names(table)) == 3 and page.summaryLabel.text() == summary
    assert "notes.txt is not a photo" in window.last_error and "the table is kept" in window.statusLine.text()
    assert window.predict_job is None and page.camView.cam is not None  # nothing started, nothing wiped

    assert "replace the table" in window.dropZone.text()  # the rule the drop zone states
    write_test_folder(tmp_path / "u", [7, 8])
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        drop_files(window.dropZone, [tmp_path / "u", notes])  # photos with a stray file: photos classified
    assert page.camView.classCombo.count() == 0 and page.camView.stageCombo.count() == 0  # no old photo
    assert sorted(_names(table)) == ["7.jpg", "8.jpg"] and "notes.txt" in window.statusLine.text()


def test_export_is_enabled_only_when_its_dialog_can_save(window, qtbot, tmp_path):
    _use(window, "a")
    named = tmp_path / "named"
    write_test_folder(named, [1, 2])
    for src in list(named.iterdir()):
        src.rename(named / f"cat.{src.name}")  # photos without competition ids: no submission can be made
    write_test_folder(tmp_path / "good", [1, 2])
    for folder, can_save in [(named, False), (tmp_path / "good", True)]:
        _predict(window, qtbot, [folder])
        button = window.exportCsvButton
        assert button.isEnabled() == can_save, folder
        window.export_csv()
        assert window.export_dialog.saveButton.isEnabled() == can_save
        window.export_dialog.reject()
        if not can_save:
            assert "submission id" in button.toolTip()


def test_a_prediction_that_fails_midway_exports_nothing(window, qtbot, tmp_path):
    """Rows of a prediction that failed after some batches are not a submission: no CSV of part of the photos."""
    _use(window, "a")
    page = window.predictPage
    files = sorted(write_test_folder(tmp_path / "t", [1, 2, 3, 4]))
    page.set_busy(True, 4, [tmp_path / "t"], page.model_path())
    page.add_predictions([Prediction(tmp_path / "t" / "1.jpg", [0.2, 0.8])], ["cat", "dog"])
    page.set_busy(False)  # the job failed: no summary came
    assert files and not window.exportCsvButton.isEnabled()
    assert "failed after 1 photo" in page.summaryLabel.text()


def test_selecting_a_run_without_weights_keeps_the_users_model(window, qtbot, tmp_path):
    """A run stopped before its first epoch saved weights is not listed: the box keeps the user's choice."""
    first, _newest = _use(window, "a"), _use(window, "b")
    page = window.predictPage
    page.modelCombo.setCurrentIndex(page.modelCombo.findData(str(first)))
    unsaved = Path(window.weights_dir) / "c"
    unsaved.mkdir()
    page.refresh_models(select=str(unsaved))
    assert page.model_path() == str(first)
    assert window.evaluatePage.select_run(str(unsaved)) is False


def test_a_retrained_run_is_loaded_again(tmp_path):
    """A model loaded once serves again only while its weights file is unchanged (Resume run… retrains it)."""
    from core.models.registry import build_model
    from core.runs import store
    from gui.jobs.evaluate import same_model

    run = fake_run(tmp_path, ["cat", "dog"], "r")
    lm = load_run(run)
    assert same_model(lm, str(run))
    store.save_model(run, build_model("lenet", 2), {"arch": "lenet", "classes": "cat,dog"})
    assert not same_model(lm, str(run))


def test_cancel_while_photos_are_being_found_keeps_the_table(window, qtbot, tmp_path, monkeypatch):
    """Cancel pressed while a drop was still searched replaced the user's table with an empty, cancelled one."""
    import threading

    import gui.jobs.predict as predict_job

    _use(window, "a")
    write_test_folder(tmp_path / "t1", [1, 2, 3])
    _predict(window, qtbot, [tmp_path / "t1"])
    before = _names(window.predictionsTable)
    searching, go_on = threading.Event(), threading.Event()

    def slow_search(paths):
        searching.set()
        go_on.wait(30)
        return collect_images(paths)

    monkeypatch.setattr(predict_job, "collect_images", slow_search)
    write_test_folder(tmp_path / "t2", [7, 8])
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        window.predict_paths([tmp_path / "t2"])
        assert searching.wait(10)
        window.cancel_prediction()
        go_on.set()
    assert len(before) == 3 and _names(window.predictionsTable) == before
    assert window.exportCsvButton.isEnabled() and "cancelled" not in window.predictPage.summaryLabel.text()
    assert "the table is kept" in window.statusLine.text()
