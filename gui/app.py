"""Entry point of ``catdog-gui``: one QApplication, one MainWindow, shown before PyTorch loads.

When the window has closed, the process ends at once with os._exit. Jobs abandoned at close
(gui.jobs.base.shutdown) may still run on their QThreads and PyTorch may still be importing on its
thread: a normal interpreter exit would wait for them (a QThread destroyed while it runs aborts
with "QThread: Destroyed while thread is still running", so gui.jobs.base lets them end at exit)
and tear a half-imported torch down. Whatever must be kept was finished by the close itself:
settings saved (synced here), a run's checkpoint and an export waited for.
"""

from __future__ import annotations

import os
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
    code = app.exec()
    if argv is not None:  # called from Python (a test, a script): its caller decides how the process ends
        return code
    window.settings.sync()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
