"""The one place that knows which colours the window's own drawings use (plots, the drop zone).

They are read from the palette's roles (set by gui.window.theme), never hard-coded, and read
again by ``follow_theme`` whenever the palette or style changes, so a theme switch at run time
repaints them too. Hard-coded colours, or a widget's style sheet (which keeps the palette it
was first polished with), left white plots in the dark theme and light text on light after
Dark -> Light.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


@dataclass(frozen=True)
class Colors:
    background: QColor  # a plot's or the drop zone's card (the palette's Base)
    text: QColor  # titles, labels, tick numbers, legends
    axis: QColor  # axis lines and ticks, the drop zone's border: between text and background
    accent: QColor  # the drop zone while something is dragged over it


#: words that must stand out (an error, a warning) in each theme: light-theme colour, dark-theme colour, both
#: readable on their theme's window and base colours (the dark ones are the dark palette's BrightText family)
TONES = {"error": ("#b00020", "#ff6b6b"), "warning": ("#8a5300", "#ffb74d"), "accent": ("#114a85", "#9ccbff"),
         "ok": ("#17702f", "#5fd47f")}


def tone(kind: str, palette: QPalette | None = None) -> str:
    """The colour (#rrggbb) of an ``error``, ``warning``, ``accent`` or ``ok`` text in the current theme."""
    light, dark = TONES[kind]
    return dark if is_dark(palette or QApplication.palette()) else light


def tone_style(kind: str) -> str:
    """A style sheet that draws a label's text bold in the ``kind``'s colour of the current theme."""
    return f"color: {tone(kind)}; font-weight: bold;"


def toned(kind: str, text: str) -> str:
    """``text`` in bold, in the ``kind``'s colour, for a rich-text label ("<b style=...>Warning:</b>")."""
    return f"<b style='color:{tone(kind)}'>{text}</b>"


def mix(a: QColor, b: QColor, share_of_a: float) -> QColor:
    return QColor.fromRgbF(*(share_of_a * x + (1 - share_of_a) * y for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


def colors(palette: QPalette | None = None) -> Colors:
    """The colours of the current theme, from the palette's roles (the application's by default)."""
    palette = palette or QApplication.palette()
    group = QPalette.ColorGroup.Active
    background = palette.color(group, QPalette.ColorRole.Base)
    text = palette.color(group, QPalette.ColorRole.Text)
    return Colors(background=background, text=text, axis=mix(text, background, 0.75),
                  accent=palette.color(group, QPalette.ColorRole.Highlight))


class _Follower(QObject):
    EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange)

    def __init__(self, widget: QWidget, apply) -> None:
        super().__init__(widget)
        self.apply = apply
        self.busy = False

    def eventFilter(self, obj, event) -> bool:
        if event.type() in self.EVENTS and not self.busy:  # applying may change the palette: no loop
            self.busy = True
            try:
                self.apply(colors())
            finally:
                self.busy = False
        return False


def follow_theme(widget: QWidget, apply) -> None:
    """Call ``apply(colors())`` now and after every palette or style change reaching ``widget``."""
    widget.installEventFilter(_Follower(widget, apply))
    apply(colors())
