"""Light, dark or the system's look, chosen in View > Theme and remembered.

Qt's native styles follow the desktop's palette only partly (a dark GNOME theme left parts
of the window dark-on-dark). Fusion with an explicit palette is readable everywhere, so
"light" and "dark" use it; "system" gives back the style and palette Qt started with.

The window's own drawings (plots, the drop zone) take their colours from the palette set
here, through gui.widgets.colors, and repaint when it changes.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from gui.widgets.colors import is_dark

__all__ = ["THEMES", "apply_theme", "dark_palette", "is_dark"]

THEMES = ("system", "light", "dark")
_ORIGINAL: dict = {}  # the style name and palette Qt chose at start, for "system"

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e8e8e8",
    QPalette.ColorRole.Base: "#1f1f1f",
    QPalette.ColorRole.AlternateBase: "#2f2f2f",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    QPalette.ColorRole.Text: "#e8e8e8",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e8e8e8",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.Highlight: "#2f7fd0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
}
_DARK_DISABLED = {QPalette.ColorRole.WindowText: "#808080", QPalette.ColorRole.Text: "#808080",
                  QPalette.ColorRole.ButtonText: "#808080"}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def apply_theme(name: str, app: QApplication | None = None) -> str:
    """Switch the whole application; returns the theme applied (unknown names mean "system")."""
    app = app or QApplication.instance()
    if not _ORIGINAL:
        _ORIGINAL["style"] = app.style().name()
        _ORIGINAL["palette"] = QPalette(app.palette())
    name = name if name in THEMES else "system"
    if name == "system":
        app.setStyle(QStyleFactory.create(_ORIGINAL["style"]) or _ORIGINAL["style"])
        app.setPalette(_ORIGINAL["palette"])
    else:
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if name == "dark" else app.style().standardPalette())
    return name
