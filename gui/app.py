"""Entry point of ``catdog-gui``: one QApplication, one MainWindow."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication


def main(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("CatDog Studio")
    app.setOrganizationName("CatDog Studio")
    from gui.main_window import MainWindow

    from gui import crash_report

    window = MainWindow()
    crash_report.install(window)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
