"""The Evaluate page driven as a user would: evaluate, read the matrix, open a cell, explain a photo, cancel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import write_flat
from PySide6.QtCore import Qt
from test_evaluate import CLASSES, confusion_from_output, trained_three, write_three_classes
from window_actions import drop_files

from core.cli.parser import main

TIMEOUT_MS = 60_000


@pytest.fixture
def trained(tmp_path_factory) -> Path:
    """The folder holding train/ (the photos) and w/three (the run) of test_evaluate's 3-class run."""
    data, run = trained_three(tmp_path_factory)
    return data.parent


@pytest.fixture
def window_weights_dir(trained):
    return trained / "w"


@pytest.fixture
def window(window):
    """conftest's window on the trained run's folder, showing the Evaluate page."""
    window.tabs.setCurrentWidget(window.evaluatePage)
    return window


def _matrix(table) -> np.ndarray:
    return np.array([[int(table.item(i, j).text().split()[0]) for j in range(table.columnCount())]
                     for i in range(table.rowCount())])


def _click_cell(qtbot, table, row: int, col: int) -> None:
    rect = table.visualItemRect(table.item(row, col))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_evaluate_matrix_gallery_and_grad_cam(window, qtbot, tmp_path, trained, capsys):
    from PySide6.QtWidgets import QWidget

    for name in ("evaluatePage", "evalModelCombo", "evalDataEdit", "evaluateButton", "confusionMatrix",
                 "galleryList", "camView"):
        assert window.findChild(QWidget, name) is not None, name
    page = window.evaluatePage
    run = trained / "w" / "three"
    assert page.evalModelCombo.currentData() == str(run)
    holdout = write_three_classes(tmp_path / "holdout", 4, seed=5)
    page.evalDataEdit.setText(str(holdout))
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS) as ready:
        qtbot.mouseClick(page.evaluateButton, Qt.MouseButton.LeftButton)
    assert ready.args == [12] and page.evaluateButton.isEnabled()
    shown = _matrix(page.confusionMatrix)
    assert shown.shape == (3, 3) and shown.sum() == 12
    assert [page.confusionMatrix.verticalHeaderItem(i).text().split()[0] for i in range(3)] == list(CLASSES)
    capsys.readouterr()
    assert main(["eval", str(run), str(holdout)]) == 0
    assert (confusion_from_output(capsys.readouterr().out, 3) == shown).all()

    gallery = page.galleryList
    for i, j in [(i, j) for i in range(3) for j in range(3) if shown[i, j]][:3]:
        _click_cell(qtbot, page.confusionMatrix, i, j)
        assert gallery.count() == shown[i, j]
        assert all(p.true == i and p.predicted == j for p in gallery.photos)
        assert {p.path.parent.name for p in gallery.photos} == {CLASSES[i]}
        losses = [p.loss for p in gallery.photos]
        assert losses == sorted(losses, reverse=True)
    qtbot.mouseClick(page.topLossesButton, Qt.MouseButton.LeftButton)
    assert gallery.count() == 12 and gallery.photos[0].loss == max(p.loss for p in page.result.photos)
    gallery.show()  # the gallery decodes thumbnails only for the photos it paints, off the GUI thread

    def icon(k: int):
        return gallery.model().index(k).data(Qt.ItemDataRole.DecorationRole)

    qtbot.waitUntil(lambda: all(icon(k) is not None and not icon(k).isNull() for k in range(gallery.count())))

    with qtbot.waitSignal(page.camView.camReady, timeout=TIMEOUT_MS) as cam:
        gallery.setCurrentRow(0)
    assert cam.args == [str(gallery.photos[0].path)]
    assert [page.camView.stageCombo.itemText(k) for k in range(page.camView.stageCombo.count())] == ["conv1", "conv2"]
    assert page.camView.cam.stage == "conv2" and page.camView.cam.maps.shape == (3, 32, 32)
    assert page.camView.classCombo.currentData() == page.camView.cam.predicted
    assert not page.camView.image.pixmap().isNull()
    qtbot.mouseClick(page.camView.openButton, Qt.MouseButton.LeftButton)
    large = page.camView._dialog.findChild(QWidget, "photoLarge")
    assert large.pixmap().width() >= 40 and gallery.photos[0].path.name in page.camView._dialog.windowTitle()
    page.camView._dialog.close()
    with qtbot.waitSignal(page.camView.camReady, timeout=TIMEOUT_MS):
        page.camView.stageCombo.setCurrentIndex(0)
        page.camView.stageCombo.activated.emit(0)
    assert page.camView.cam.stage == "conv1"


def test_default_is_the_run_validation_split_and_cancel_works(window, qtbot, tmp_path):
    page = window.evaluatePage
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS) as ready:
        page.evaluateButton.click()
    assert ready.args == [6] and "validation photos of three" in page.results.summaryLabel.text()

    big = write_flat(tmp_path / "big", 80, size=32)
    page.evalDataEdit.setText(str(big))
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS) as ready:
        page.evaluateButton.click()
        page.cancelButton.click()
    assert ready.args[0] < 160 and page.evaluateButton.isEnabled() and not page.cancelButton.isEnabled()
    assert page.result is not None and page.result.cancelled


def test_bad_folder_is_a_readable_message(window, qtbot):
    page = window.evaluatePage
    page.evalDataEdit.setText("/no/such/photos")
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS) as ready:
        page.evaluateButton.click()
    assert ready.args == [0] and "/no/such/photos" in window.last_error


def test_predict_page_explains_a_dropped_photo(window, qtbot, trained):
    photo = trained / "train" / "fox" / "fox_3.png"
    window.tabs.setCurrentWidget(window.predictPage)
    cam_view = window.predictPage.camView
    with qtbot.waitSignal(cam_view.camReady, timeout=TIMEOUT_MS) as cam:
        assert drop_files(window.predictPage.dropZone, [photo]) == (True, True)
    assert cam.args == [str(photo)] and cam_view.objectName() == "predictCamView"
    assert cam_view.cam.maps.shape == (3, 32, 32) and not cam_view.image.pixmap().isNull()
    assert abs(cam_view.cam.probs.sum() - 1) < 1e-4
    assert cam_view.cam.predicted == window.predictPage.predictionsTable.predictions[0].label


def test_drops_on_the_evaluate_page_are_evaluation_photos(window, qtbot, trained, tmp_path):
    page = window.evaluatePage
    holdout = write_three_classes(tmp_path / "holdout", 2, seed=9)
    assert drop_files(page, [holdout]) == (True, True)
    assert page.evalDataEdit.text() == str(holdout) and window.tabs.currentWidget() is page
    photo = holdout / "dog" / "dog_1.png"
    with qtbot.waitSignal(page.camView.camReady, timeout=TIMEOUT_MS) as cam:
        assert drop_files(page, [photo]) == (True, True)
    assert cam.args == [str(photo)]


def test_gallery_keys_record_decisions_in_the_photos_folder(window, qtbot, tmp_path, trained):
    """The Data page's keys act on the Evaluate gallery's photo: relabel, exclude, undo, written to the
    corrections file of the folder the photos come from, shown on the photo and counted by the Data page."""
    import csv

    from core.inference.eval_sets import eval_set

    page = window.evaluatePage
    holdout = write_three_classes(tmp_path / "holdout", 3, seed=7)
    before = {p: p.read_bytes() for p in holdout.rglob("*.png")}
    page.evalDataEdit.setText(str(holdout))
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS):
        page.evaluateButton.click()
    gallery = page.galleryList
    qtbot.waitUntil(lambda: gallery.count() == 9)
    assert str(holdout / "catdog-corrections.csv") in page.galleryHint.text() and "X exclude" in page.galleryHint.text()
    first, second = gallery.photos[0].path, gallery.photos[1].path
    gallery.setFocus()
    gallery.setCurrentRow(0)
    qtbot.keyClick(gallery, "3")  # relabel to the third class: fox
    gallery.setCurrentRow(1)
    qtbot.keyClick(gallery, Qt.Key.Key_X)
    file = holdout / "catdog-corrections.csv"

    def rows():
        with open(file, newline="", encoding="utf-8") as f:
            return [tuple(r) for r in csv.reader(f)][1:]

    name = lambda p: p.relative_to(holdout).as_posix()  # noqa: E731
    assert rows() == [(name(first), "relabel", "fox"), (name(second), "exclude", "")]
    assert "[→ fox]" in gallery.model().index(0).data() and "[excluded]" in gallery.model().index(1).data()
    qtbot.keyClick(gallery, Qt.Key.Key_U)
    assert rows() == [(name(first), "relabel", "fox")] and "[" not in gallery.model().index(1).data()
    qtbot.mouseClick(page.topLossesButton, Qt.MouseButton.LeftButton)  # shown again: the decision is read back
    assert "[→ fox]" in gallery.model().index(gallery.photos.index(next(p for p in gallery.photos
                                                                          if p.path == first))).data()
    assert {p: p.read_bytes() for p in holdout.rglob("*.png")} == before

    window.dataPathEdit.setText(str(holdout))
    window.dataPathEdit.editingFinished.emit()
    relabeled = int(first.parent.name != "fox")
    assert (f"training applies catdog-corrections.csv: {relabeled} relabeled, 0 excluded"
            in window.dataPage.summaryLabel.text())

    run = trained / "w" / "three"  # the run's own validation photos: decisions go to its training folder
    chosen = eval_set(str(run), list(CLASSES))
    assert chosen.root == trained / "train" and chosen.classes == list(CLASSES)
