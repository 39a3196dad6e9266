"""While something is dragged over the window, show where it will go and what will happen.

A translucent frame over the page that will take the drop, with one line of text ("Drop to
classify" / "Drop to train on this folder"); it ignores the mouse, so the drop lands on the
window underneath as before.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QWidget

from gui.widgets.colors import tone


class DropOverlay(QLabel):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("dropOverlay")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_over(self, target: QWidget, text: str) -> None:
        top_left = target.mapTo(self.parentWidget(), QPoint(0, 0))
        self.setGeometry(top_left.x() + 4, top_left.y() + 4, target.width() - 8, target.height() - 8)
        self.setText(text)
        self.setStyleSheet("QLabel#dropOverlay { border: 3px dashed #2f7fd0; border-radius: 10px;"  # the theme now
                           f" background: rgba(47, 127, 208, 40); color: {tone('accent')}; font-size: 18px;"
                           " font-weight: bold; }")
        self.raise_()
        self.show()
