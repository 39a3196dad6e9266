"""The model chooser of the Evaluate page: the trained runs, newest first, then the untrained ImageNet baseline.

Run names are long and their ends both matter (the name's date, then "val 91.2%"): the box
asks for the width of its longest entry, and where the page is narrower it cuts the middle
(never the end) and keeps the whole name in the tooltip; the list opens wide enough for every entry.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter

from core.runs.table import list_runs
from gui.pages.predict.page import BASELINE_ARCH
from gui.widgets.run_choice import choose_run

IMAGENET_PREFIX = "imagenet:"  # core.inference.predict.IMAGENET_PREFIX; that module loads torch, this one must not


class ModelCombo(QComboBox):
    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumContentsLength(24)  # the least it shrinks to; elided in the middle below that
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.view().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.currentIndexChanged.connect(lambda _i: self.setToolTip(self.currentText()))

    def refresh(self, weights_dir: str, select: str | None = None) -> None:
        previous = self.currentData()
        self.blockSignals(True)
        self.clear()
        for run in list_runs(weights_dir):
            self.addItem(run.label, run.path)
        self.addItem(f"ImageNet classes, no training ({BASELINE_ARCH})", IMAGENET_PREFIX + BASELINE_ARCH)
        choose_run(self, select, previous)
        self.blockSignals(False)
        self.setToolTip(self.currentText())
        self.view().setMinimumWidth(self._text_width() + 2 * self.view().frameWidth() + 24)
        self.updateGeometry()  # a longer name asks the page for more room

    def _text_width(self) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)

    def sizeHint(self) -> QSize:
        """Wide enough for the longest entry: the layout gives it that where the page has room."""
        hint = super().sizeHint()
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        full = self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, opt,
                                             QSize(self._text_width(), hint.height()), self)
        return QSize(max(hint.width(), full.width()), hint.height())

    def shown_text(self) -> str:
        """The current entry as the closed box shows it: whole, or cut in the middle to fit."""
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        rect = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                           QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideMiddle, rect.width())

    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        opt.currentText = self.shown_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)
