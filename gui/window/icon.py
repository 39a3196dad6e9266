"""The app's icon for the window, the taskbar and the About box, from the packaged resources."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """Every rendered size, so that each place the desktop shows the icon gets a sharp one."""
    icon = QIcon()
    root = resources.files("resources")
    for size in PNG_SIZES:
        png = root / f"icon-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    return icon
