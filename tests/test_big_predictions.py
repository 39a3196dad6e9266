"""Thousands of predictions in the window (issue 24): the Predict table and the Evaluate gallery are models
that sort, filter and count every row, export every row, decode thumbnails only for the rows on screen,
and hold no pixels; the prediction jobs send none, and a dropped folder is searched off the GUI thread."""

from __future__ import annotations

import random
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from test_export_safety import fake_run

from core.data.walk import natural_name_key
from core.inference.evaluate import PhotoResult
from core.inference.predict import Prediction
from core.inference.submission import format_submission
from gui.pages.evaluate.gallery import Gallery
from gui.pages.predict.rows import UNCERTAIN_TOP
from gui.pages.predict.submission_dialog import ExportDialog, export_blocker
from gui.pages.predict.table import PredictionsTable, TableControls
from gui.widgets import thumbs as thumbs_module

N = 3000
CLASSES = ["cat", "dog"]
Asc, Desc = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


def _preds(n: int = N, folder: Path = Path("/photos")) -> list[Prediction]:
    """``n`` predictions of 1.jpg..n.jpg in a shuffled arrival order, probabilities on a coarse grid (ties)."""
    rng = random.Random(7)
    preds = [Prediction(folder / f"{i}.jpg", [1 - (q := rng.randint(0, 20) / 20), q]) for i in range(1, n + 1)]
    rng.shuffle(preds)
    return preds


def _table(qtbot, batches: list[list[Prediction]]) -> tuple[PredictionsTable, TableControls, dict]:
    table = PredictionsTable()
    controls = TableControls(table)
    qtbot.addWidget(table)
    qtbot.addWidget(controls)
    seen = {"inserted": [], "layout": 0, "reset": 0}
    m = table.model()
    m.rowsInserted.connect(lambda _p, first, last: seen["inserted"].append(last - first + 1))
    m.layoutChanged.connect(lambda *_: seen.__setitem__("layout", seen["layout"] + 1))
    m.modelReset.connect(lambda: seen.__setitem__("reset", seen["reset"] + 1))
    for batch in batches:
        table.add_predictions(batch, CLASSES)
    return table, controls, seen


def _batches(preds: list, size: int = 32) -> list[list]:
    return [preds[i:i + size] for i in range(0, len(preds), size)]


def _shown(table) -> list[Prediction]:
    m = table.model()
    return [table.prediction_at(r) for r in range(m.rowCount())]


def _reference(preds: list, column: int, order) -> list[Prediction]:
    """What a full, stable sort of the arrival order gives (ties keep their arrival order)."""
    key = {0: lambda p: natural_name_key(p.path.name), 1: lambda p: natural_name_key(p.path.name),
           2: lambda p: (CLASSES[p.label], -p.confidence), 3: lambda p: p.confidence}[column]
    return sorted(preds, key=key, reverse=order == Desc)


def test_batches_are_inserted_in_order_never_a_re_sort_of_every_row(qtbot):
    preds = _preds()
    table, _, seen = _table(qtbot, [])
    table.sortByColumn(3, Desc)
    seen["layout"] = 0
    for batch in _batches(preds):
        table.add_predictions(batch, CLASSES)
    assert table.model().rowCount() == N and table.predictions == preds  # arrival order kept in the one list
    assert _shown(table) == _reference(preds, 3, Desc)  # each batch landed where a full sort puts it
    assert sum(seen["inserted"]) == N and seen["layout"] == 0 and seen["reset"] == 0  # only insertions


@pytest.mark.parametrize("column", [1, 2, 3])
def test_every_column_sorts_both_ways_through_the_model(qtbot, column):
    preds = _preds()
    table, _, _ = _table(qtbot, _batches(preds))
    assert [p.path.name for p in _shown(table)[:3]] == ["1.jpg", "2.jpg", "3.jpg"]  # by name, as counted
    for order in (Asc, Desc):
        table.sortByColumn(column, order)
        assert _shown(table) == _reference(preds, column, order), (column, order)
        first = table.model().index(0, 1).data()
        assert first == _reference(preds, column, order)[0].path.name  # what the view shows is that photo


def test_filters_and_counts_are_exact_and_follow_new_rows(qtbot):
    preds = _preds()
    half = N // 2
    table, controls, _ = _table(qtbot, _batches(preds[:half]))
    combo = controls.filterCombo
    want = {"all": lambda p: True, "cat": lambda p: p.label == 0, "dog": lambda p: p.label == 1,
            "uncertain": lambda p: p.confidence <= UNCERTAIN_TOP}
    combo.setCurrentIndex(combo.findData("uncertain"))
    for batch in _batches(preds[half:]):  # rows arriving under a filter obey it
        table.add_predictions(batch, CLASSES)
    table.sortByColumn(2, Asc)
    for kind, keep in want.items():
        combo.setCurrentIndex(combo.findData(kind))
        expected = [p for p in _reference(preds, 2, Asc) if keep(p)]
        assert _shown(table) == expected, kind
        assert controls.shownLabel.text() == f"{len(expected)} of {N} shown"
    rows = table.rows
    assert rows.counts == [sum(p.label == k for p in preds) for k in range(2)]
    assert rows.uncertain == sum(p.confidence <= UNCERTAIN_TOP for p in preds)


def test_the_selection_follows_its_photo_through_a_sort_and_goes_with_a_filter(qtbot):
    preds = _preds(500)
    table, controls, _ = _table(qtbot, _batches(preds))
    table.selectRow(10)
    chosen = table.selected_prediction()
    table.sortByColumn(3, Desc)
    assert table.selected_prediction() is chosen and table.prediction_at(table.rows.row_of(chosen)) is chosen
    combo = controls.filterCombo
    combo.setCurrentIndex(combo.findData("cat" if chosen.label == 1 else "dog"))
    assert table.selected_prediction() is None  # hidden: nothing selected, Grad-CAM is cleared


def test_export_writes_every_row_and_the_preview_is_its_first_lines(qtbot, tmp_path, monkeypatch):
    preds = _preds(folder=tmp_path)
    table, _, _ = _table(qtbot, _batches(preds))
    table.sortByColumn(3, Desc)  # a sorted, filtered view changes nothing in the file
    table.set_filter("dog")
    assert export_blocker(table.rows, [], False) is None
    dialog = ExportDialog(table.rows, None, failures=[], cancelled=False, inputs=[p.path for p in preds])
    qtbot.addWidget(dialog)
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData("proba"))
    full = format_submission(preds, CLASSES, "proba")
    shown = dialog.preview.toPlainText().splitlines()
    assert shown[:-1] == full.splitlines()[:9] and shown[-1] == f"… {N - 8} more rows"
    out = tmp_path / "submission.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    from gui.jobs import submission

    where, real = [], submission.write_submission
    monkeypatch.setattr(submission, "write_submission", lambda *a: (where.append(threading.current_thread()),
                                                                    real(*a))[1])
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save()
    assert out.read_text() == full and len(full.splitlines()) == N + 1
    assert where and where[0] is not threading.main_thread()  # formatted and written off the GUI thread


def test_a_row_without_a_submission_id_or_a_repeated_id_blocks_the_export_as_core_says(qtbot, tmp_path):
    from core.inference.submission import submission_rows

    for extra in ([Prediction(tmp_path / "cat.1.jpg", [0.5, 0.5])],
                  [Prediction(tmp_path / "sub" / "17.jpg", [0.5, 0.5])]):
        preds = _preds(200, tmp_path) + extra
        table, _, _ = _table(qtbot, _batches(preds))
        with pytest.raises(Exception) as core_says:
            submission_rows(preds, "competition", 1)
        assert export_blocker(table.rows, [], False) == str(core_says.value)


def _count_decodes(monkeypatch) -> list[Path]:
    asked: list[Path] = []

    def fake_decode(path, side):
        asked.append(Path(path))
        return np.full((side, side, 3), 90, np.uint8)

    monkeypatch.setattr(thumbs_module, "decode_square", fake_decode)
    return asked


def _settle(qtbot, thumbs) -> None:
    """Paint, then wait until every thumbnail asked for is decoded and delivered."""
    QApplication.processEvents()
    qtbot.waitUntil(thumbs.idle, timeout=10_000)
    QApplication.processEvents()
    qtbot.waitUntil(thumbs.idle, timeout=10_000)


def test_thumbnails_are_decoded_only_for_the_rows_on_screen(qtbot, monkeypatch):
    asked = _count_decodes(monkeypatch)
    table, _, _ = _table(qtbot, _batches(_preds()))
    table.resize(600, 400)
    table.show()
    qtbot.waitExposed(table)
    _settle(qtbot, table.thumbs)
    on_screen = table.viewport().height() // table.rowHeight(0) + 1
    top = {p.path for p in _shown(table)[:on_screen]}
    assert top <= set(asked) and len(asked) <= on_screen + 1  # the rows painted, not 3,000
    table.scrollToBottom()
    _settle(qtbot, table.thumbs)
    bottom = {p.path for p in _shown(table)[-on_screen + 1:]}
    assert bottom <= set(asked) and len(asked) <= 2 * (on_screen + 1)
    icon = table.model().index(table.model().rowCount() - 1, 0).data(Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.isNull()


def test_the_thumbnail_cache_is_bounded(qtbot, monkeypatch):
    _count_decodes(monkeypatch)
    table, _, _ = _table(qtbot, _batches(_preds(400)))
    table.thumbs.max_items = 20
    table.resize(600, 400)
    table.show()
    for row in range(0, 400, 5):  # scrolling through every row
        table.scrollTo(table.model().index(row, 0))
        _settle(qtbot, table.thumbs)
        assert table.thumbs.cached() <= 20


def test_the_rows_hold_no_pixels(qtbot):
    preds = _preds()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        table, _, _ = _table(qtbot, _batches(preds))
        table.sortByColumn(3, Desc)
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    assert table.model().rowCount() == N
    assert grown < 600 * N  # a few hundred bytes per row; one 96x96 thumbnail alone is 27 kB


@pytest.mark.parametrize("kind", ["predict", "evaluate"])
def test_the_jobs_send_no_pixels(tmp_path, kind):
    from conftest import write_flat

    from gui.jobs.evaluate import EvalJob
    from gui.jobs.predict import PredictJob

    run = fake_run(tmp_path / "w", CLASSES, "m")
    photos = write_flat(tmp_path / "photos", 20)
    files = sorted(photos.iterdir())
    job = PredictJob(str(run), files) if kind == "predict" else EvalJob(str(run), str(photos))
    job.work()  # on this thread: every event it posts is in its queue
    posted = []
    while not job._queue.empty():
        posted.append(job._queue.get_nowait())

    def pixels(value) -> bool:
        if isinstance(value, list | tuple):
            return any(pixels(v) for v in value)
        return isinstance(value, np.ndarray | bytes | bytearray)

    names = [name for name, _ in posted]
    done = next(args for name, args in posted if name == "finishedWith")[0]
    assert len(done if kind == "predict" else done.photos) == 40  # every photo
    assert not any(pixels(args) for _, args in posted), names  # and no pixels


def test_a_dropped_folder_is_searched_off_the_gui_thread(window, qtbot, tmp_path, monkeypatch):
    from conftest import write_test_folder

    from gui.jobs import predict as predict_job

    run = fake_run(Path(window.weights_dir), CLASSES, "m")
    window.predictPage.refresh_models(select=str(run))
    write_test_folder(tmp_path / "t", [1, 2, 3])
    where = []
    real = predict_job.collect_images
    monkeypatch.setattr(predict_job, "collect_images", lambda paths: (where.append(threading.current_thread()),
                                                                      real(paths))[1])
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths([tmp_path / "t"])
    assert ready.args == [3] and where and where[0] is not threading.main_thread()


def test_the_gallery_shows_thousands_of_photos_lazily(qtbot, monkeypatch):
    asked = _count_decodes(monkeypatch)
    rng = random.Random(3)
    photos = [PhotoResult(Path(f"/photos/{k}.jpg"), rng.randint(0, 1), [(q := rng.random()), 1 - q])
              for k in range(5000)]
    gallery = Gallery()
    qtbot.addWidget(gallery)
    gallery.resize(500, 400)
    gallery.show()
    qtbot.waitExposed(gallery)
    gallery.show_photos(photos, CLASSES)
    assert gallery.count() == 5000 and gallery.photos == photos
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    _settle(qtbot, gallery.thumbs)
    assert 0 < len(asked) <= 40  # a screenful of cells, not 5,000
    with qtbot.waitSignal(gallery.photoChosen) as chosen:
        gallery.setCurrentRow(4321)
    assert chosen.args == [photos[4321]]
