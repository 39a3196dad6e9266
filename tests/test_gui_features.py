"""The Evaluate page's featureMapView: the selected gallery photo's feature maps, per stage, beside Grad-CAM."""

from __future__ import annotations

import pytest
from test_evaluate import trained_three
from test_evaluate_gui import TIMEOUT_MS
from window_actions import drop_files

from core.explain.feature_grid import FILTERS_ENTRY


@pytest.fixture
def window_weights_dir(tmp_path_factory):
    """The folder of test_evaluate's tiny 3-class LeNet run (trained once per session)."""
    return trained_three(tmp_path_factory)[1].parent


@pytest.fixture
def window(window):
    window.tabs.setCurrentWidget(window.evaluatePage)
    return window


def _evaluated(window, qtbot):
    page = window.evaluatePage
    with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS):
        page.evaluateButton.click()  # the run's own validation photos
    qtbot.waitUntil(lambda: page.galleryList.count() > 1)  # top losses fill the gallery
    return page


def _image(view):
    return view.image.pixmap().toImage()


def test_feature_map_view_shows_the_selected_photo_per_stage(window, qtbot):
    from PySide6.QtWidgets import QComboBox, QWidget

    page = _evaluated(window, qtbot)
    view = window.findChild(QWidget, "featureMapView")
    combo = window.findChild(QComboBox, "featureStageCombo")
    assert view is page.featureMapView and combo is view.featureStageCombo
    page.explainTabs.setCurrentWidget(view)
    gallery = page.galleryList
    with qtbot.waitSignal(view.featuresReady, timeout=TIMEOUT_MS) as ready:
        gallery.setCurrentRow(1)
    assert ready.args == [str(gallery.photos[1].path)] and view.features.path == gallery.photos[1].path
    assert [combo.itemText(k) for k in range(combo.count())] == [FILTERS_ENTRY, "conv1", "conv2", "pool"]
    assert combo.currentText() == "conv1" and gallery.photos[1].path.name in view.title.text()
    first = _image(view)
    assert not first.isNull() and first.width() >= 100
    combo.setCurrentIndex(3)  # another stage: only a repaint, no new job
    assert "pool" in view.title.text() and _image(view) != first
    combo.setCurrentIndex(0)
    assert "filters" in view.title.text() and _image(view) != first

    with qtbot.waitSignal(view.featuresReady, timeout=TIMEOUT_MS) as ready:  # another photo, the same stage
        gallery.setCurrentRow(0)
    assert ready.args == [str(gallery.photos[0].path)] and combo.currentIndex() == 0
    combo.setCurrentIndex(1)
    assert _image(view) != first  # photo 0's conv1, not photo 1's


def test_a_photo_chosen_under_grad_cam_is_shown_when_the_tab_opens(window, qtbot):
    page = _evaluated(window, qtbot)
    view = page.featureMapView
    assert page.explainTabs.currentWidget() is page.camView  # Grad-CAM is in front at first
    with qtbot.waitSignal(page.camView.camReady, timeout=TIMEOUT_MS):
        page.galleryList.setCurrentRow(0)
    assert view.features is None and view.job is None  # nothing computed for a hidden tab
    with qtbot.waitSignal(view.featuresReady, timeout=TIMEOUT_MS) as ready:
        page.explainTabs.setCurrentWidget(view)
    assert ready.args == [str(page.galleryList.photos[0].path)] and not view.image.pixmap().isNull()
    dropped = page.galleryList.photos[-1].path  # a photo dropped on the page: both tabs explain it
    with qtbot.waitSignal(view.featuresReady, timeout=TIMEOUT_MS) as ready:
        assert drop_files(page, [dropped]) == (True, True)
    assert ready.args == [str(dropped)] and "dropped photo" in view.title.text()
    qtbot.waitUntil(lambda: page.camView.cam is not None and page.camView.cam.path == dropped, timeout=TIMEOUT_MS)
    page.evaluateButton.click()  # a new evaluation: the old photo's maps and stages are gone
    assert view.features is None and view.featureStageCombo.count() == 0
    qtbot.waitUntil(lambda: not page.busy(), timeout=TIMEOUT_MS)
