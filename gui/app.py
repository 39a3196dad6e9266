"""Entry point of ``catdog-gui``: one QApplication, one MainWindow, shown before PyTorch loads."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("CatDog Studio")
    app.setOrganizationName("CatDog Studio")
    app.setDesktopFileName("catdog-studio")  # Wayland/X11 taskbars match the window to its icon by this
    from gui.main_window import MainWindow
    from gui.window import crash_report
    from gui.window.icon import app_icon
    from gui.window.menus import THEME_KEY
    from gui.window.theme import apply_theme

    app.setWindowIcon(app_icon())
    window = MainWindow()
    apply_theme(str(window.settings.value(THEME_KEY, "system")), app)
    crash_report.install(window)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
