"""Issue 15: menus, shortcuts, themes and the icon behave as a desktop app's do."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui.window.menus import THEME_KEY, versions
from gui.window.theme import apply_theme, is_dark


def _act(window, name):
    return window.actions_by_name[name]


def test_menus_and_shortcuts_exist(window):
    bar = window.menuBar()
    assert [a.text().replace("&", "") for a in bar.actions()] == ["File", "View", "Help"]
    assert _act(window, "openDataAction").shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert _act(window, "trainAction").shortcut() == QKeySequence("Ctrl+T")
    assert _act(window, "exportCsvAction").shortcut() == QKeySequence("Ctrl+E")
    assert _act(window, "stopAction").shortcut() == QKeySequence("Esc")
    pages = [a for n, a in window.actions_by_name.items() if n.startswith("page")]
    assert len(pages) == window.tabs.count()
    assert [a.shortcut().toString() for a in pages] == [f"Ctrl+{i + 1}" for i in range(len(pages))]


def test_page_shortcuts_switch_pages(window):
    last = window.tabs.count()
    _act(window, f"page{last}Action").trigger()
    assert window.tabs.currentIndex() == last - 1
    _act(window, "page1Action").trigger()
    assert window.tabs.currentIndex() == 0


def test_escape_asks_before_stopping_and_no_stops_nothing(window, qtbot, monkeypatch):
    stopped = []
    monkeypatch.setattr(window, "stop_training", lambda: stopped.append(True))

    class Running:
        def is_running(self):
            return True

    window.train_job = Running()
    _act(window, "stopAction").trigger()
    box = window.stop_box
    assert box.objectName() == "stopConfirmBox" and box.isVisible() and not stopped
    box.button(QMessageBox.StandardButton.No).click()
    assert not stopped
    _act(window, "stopAction").trigger()
    window.stop_box.button(QMessageBox.StandardButton.Yes).click()
    assert stopped == [True]
    window.train_job = None


def test_open_runs_folder_changes_where_runs_go(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "elsewhere"
    target.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(target))
    _act(window, "openRunsAction").trigger()
    assert window.weights_dir == str(target) and window.settings.value("weightsDir") == str(target)
    assert str(target) in window.runsPage.folderLabel.text()


def test_dark_theme_is_dark_and_remembered(window):
    app = QApplication.instance()
    try:
        _act(window, "themeDarkAction").trigger()
        assert is_dark(app.palette()) and window.settings.value(THEME_KEY) == "dark"
        text = app.palette().color(QPalette.ColorRole.WindowText)
        assert text.lightness() > 180  # light text on the dark window: readable
        _act(window, "themeLightAction").trigger()
        assert not is_dark(app.palette())
    finally:
        apply_theme("system", app)


def test_about_names_versions_and_device(window):
    _act(window, "aboutAction").trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert "PyTorch" in box.text() and versions()["PyTorch"] in box.text() and "Device" in box.text()
    _act(window, "shortcutsAction").trigger()
    shortcuts = window.findChild(QMessageBox, "shortcutsBox").text()
    assert "Ctrl+T" in shortcuts and "Ctrl+E" in shortcuts


def test_icon_ships_as_package_data(window):
    root = resources.files("resources")
    assert (root / "icon.svg").is_file() and (root / "icon-256.png").is_file()
    sizes = {s.width() for s in window.windowIcon().availableSizes()}
    assert {16, 32, 256} <= sizes


def test_controls_explain_themselves(window):
    from gui.window.tooltips import TIPS

    missing = [n for n in TIPS if window.findChild(QWidget, n) is None]
    assert not missing, f"tooltips for controls that do not exist: {missing}"
    for name in ("epochsSpin", "batchSizeSpin", "imageSizeSpin", "lrSpin", "valSplitSpin", "trainButton"):
        assert len(window.findChild(QWidget, name).toolTip()) > 20, name
    assert "time" in window.imageSizeSpin.toolTip().lower()  # the page's own, more specific words are kept


def test_drag_over_the_window_highlights_the_target(window, tmp_path):
    import warnings

    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent

    folder = tmp_path / "photos"
    folder.mkdir()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    window.tabs.setCurrentWidget(window.predictPage)
    pos = window.predictPage.mapTo(window, window.predictPage.rect().center())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPointF(pos).toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted() and window.dropOverlay.isVisible() and "classify" in window.dropOverlay.text()
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not window.dropOverlay.isVisible()


def test_idle_progress_bars_say_nothing_is_running(window):
    from PySide6.QtWidgets import QProgressBar

    for name in ("predictProgress", "evalProgress"):
        bar = window.findChild(QProgressBar, name)
        assert bar is not None and "100" not in bar.text() and bar.text().startswith("No photos"), bar.text()
