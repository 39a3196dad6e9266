"""The predictions table sorts, filters, zooms and opens a photo large (issue 15)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt

from core.inference.predict import Prediction
from gui.pages.predict.table import MAX_THUMB, PredictionsTable, TableControls


def _table(qtbot, tmp_path) -> tuple[PredictionsTable, TableControls]:
    table = PredictionsTable()
    controls = TableControls(table)
    qtbot.addWidget(table)
    qtbot.addWidget(controls)
    probs = {"10.jpg": [0.9, 0.1], "2.jpg": [0.45, 0.55], "1.jpg": [0.2, 0.8], "33.jpg": [0.58, 0.42]}
    preds = []
    for name, p in probs.items():
        Image.new("RGB", (120, 90), (200, 40, 40)).save(tmp_path / name)
        preds.append(Prediction(tmp_path / name, p))
    table.add_predictions(preds, ["cat", "dog"])
    return table, controls


def _names(table) -> list[str]:
    """The file names on screen, top to bottom (the view's rows, as the model shows them)."""
    m = table.model()
    return [m.index(r, 1).data() for r in range(m.rowCount())]


def test_sorts_by_name_naturally_and_by_probability(qtbot, tmp_path):
    table, _ = _table(qtbot, tmp_path)
    assert _names(table) == ["1.jpg", "2.jpg", "10.jpg", "33.jpg"]  # as it arrives: in file order
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert _names(table) == ["1.jpg", "2.jpg", "10.jpg", "33.jpg"]
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert _names(table) == ["10.jpg", "1.jpg", "33.jpg", "2.jpg"]
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by class, the surest first within it
    assert _names(table) == ["10.jpg", "33.jpg", "1.jpg", "2.jpg"]


def test_filters_by_class_and_uncertainty(qtbot, tmp_path):
    table, controls = _table(qtbot, tmp_path)
    combo = controls.filterCombo
    assert [combo.itemData(i) for i in range(combo.count())] == ["all", "cat", "dog", "uncertain"]
    combo.setCurrentIndex(combo.findData("dog"))
    assert sorted(_names(table)) == ["1.jpg", "2.jpg"]
    combo.setCurrentIndex(combo.findData("uncertain"))
    assert sorted(_names(table)) == ["2.jpg", "33.jpg"] and controls.shownLabel.text() == "2 of 4 shown"
    more = [Prediction(tmp_path / "4.jpg", [0.5, 0.5])]  # rows arriving later obey the filter too
    table.add_predictions(more, ["cat", "dog"])
    assert "4.jpg" in _names(table)
    combo.setCurrentIndex(combo.findData("all"))
    assert len(_names(table)) == 5


def test_zoom_and_sharp_thumbnails(qtbot, tmp_path):
    table, controls = _table(qtbot, tmp_path)
    controls.zoomSlider.setValue(MAX_THUMB)
    assert table.iconSize().width() == MAX_THUMB and table.rowHeight(0) >= MAX_THUMB
    cell = table.model().index(0, 0)
    qtbot.waitUntil(lambda: cell.data(Qt.ItemDataRole.DecorationRole) is not None)  # decoded off the GUI thread
    icon = cell.data(Qt.ItemDataRole.DecorationRole)
    assert icon.availableSizes()[0].width() >= MAX_THUMB  # made at the largest zoom, drawn smaller


def test_double_click_opens_the_photo_large(qtbot, tmp_path):
    table, _ = _table(qtbot, tmp_path)
    table.show()
    table.open_photo(table.model().index(0, 1))
    viewer = table.viewer
    assert viewer.objectName() == "photoViewer" and viewer.isVisible()
    assert viewer.image.pixmap().width() == 120  # a small photo is shown at its own size, not blown up
    assert _names(table)[0] in viewer.caption.text() and "P(dog)" in viewer.caption.text()
    viewer.close()


def test_unreadable_photo_in_the_viewer_says_so(qtbot, tmp_path):
    from gui.widgets.photo_viewer import PhotoViewer

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    viewer = PhotoViewer(Path(bad))
    qtbot.addWidget(viewer)
    assert "cannot be read" in viewer.image.text()
