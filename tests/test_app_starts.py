"""The window opens and closes cleanly."""

from gui.main_window import MainWindow


def test_main_window_opens_and_closes(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle().startswith("CatDog Studio")
    assert window.close()
