"""The window's status line: clear, current and complete.

Qt's ``showMessage`` elides long text and keeps an error on screen for a fixed time, after
its cause is fixed or long before the user reads it. Here the text wraps (and sits whole in
the tooltip), and an error stays until the thing it is about is put right or a newer
message replaces it. Each error has a kind (``source``: "data", "train", "evaluate", "busy"...):
when an action of that kind later works (``succeeded``), its old error is out of date and goes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSizePolicy

from gui.widgets.colors import tone


class StatusLine(QLabel):
    def __init__(self, default: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("statusLabel")
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.default = default
        self.error_source: str | None = None  # what the error shown is about; None: no error shown
        self.info(default)

    def _fit_height(self) -> None:
        """Exactly as tall as the text needs at the width it has: left to itself, a word-wrapped label
        guesses its height at a narrow width, which made the status bar a hundred pixels tall."""
        width = self.width() if self.width() > 200 else 800
        self.setFixedHeight(max(self.heightForWidth(width), self.fontMetrics().lineSpacing()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height()

    def _show(self, text: str) -> None:
        self.setText(text)
        self._fit_height()
        self.setToolTip(text)

    def info(self, text: str) -> None:
        self.error_source = None
        self.setStyleSheet("")
        self._show(text)

    def error(self, text: str, source: str = "general") -> None:
        self.error_source = source
        self.setStyleSheet(f"color: {tone('error')};")
        self._show(text)

    def clear_error(self, *sources: str) -> None:
        """The problem is gone: drop an error about any of ``sources`` (all when none given)."""
        if self.error_source is not None and (not sources or self.error_source in sources):
            self.info(self.default)

    def succeeded(self, source: str, text: str = "") -> None:
        """An action of kind ``source`` worked: its old error goes, and ``text`` (if any) says what was
        done, unless an error of another kind still stands (its cause is not put right)."""
        self.clear_error(source)
        if text and self.error_source is None:
            self.info(text)
