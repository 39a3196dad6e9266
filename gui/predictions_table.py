"""The predictions table: thumbnail, file name, predicted class and its probability as a bar."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QTableWidget, QTableWidgetItem

from gui.images import pixmap_from_array

CLASS_COLORS = ["#e67e22", "#2980b9", "#27ae60", "#8e44ad", "#c0392b"]


class ProbabilityBar(QStyledItemDelegate):
    """Paints the probability stored in UserRole as a filled bar with the percentage on it."""

    def paint(self, painter: QPainter, option, index) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        color = index.data(Qt.ItemDataRole.UserRole + 1) or "#2980b9"
        if value is None:
            return super().paint(painter, option, index)
        painter.save()
        r = option.rect.adjusted(6, option.rect.height() // 2 - 10, -6, -(option.rect.height() // 2 - 10))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e9ecef"))
        painter.drawRoundedRect(r, 4, 4)
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(QRect(r.left(), r.top(), int(r.width() * float(value)), r.height()), 4, 4)
        painter.setPen(QColor("#111"))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, f"{float(value):.1%}")
        painter.restore()


class PredictionsTable(QTableWidget):
    THUMB = 48

    def __init__(self, parent=None) -> None:
        super().__init__(0, 4, parent)
        self.setObjectName("predictionsTable")
        self.setHorizontalHeaderLabels(["Photo", "File", "Prediction", "Probability"])
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.THUMB + 6)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setIconSize(self.iconSize().expandedTo(self.iconSize().__class__(self.THUMB, self.THUMB)))
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(0, self.THUMB + 12)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)  # ResizeToContents rescans every row per batch
        self.setColumnWidth(2, 110)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(3, 180)
        self.setItemDelegateForColumn(3, ProbabilityBar(self))
        self.predictions: list = []

    def clear_rows(self) -> None:
        self.setRowCount(0)
        self.predictions = []

    def add_predictions(self, preds: list, thumbs: list, classes: list[str]) -> None:
        start = self.rowCount()
        self.setRowCount(start + len(preds))
        for i, (p, thumb) in enumerate(zip(preds, thumbs), start):
            photo = QTableWidgetItem()
            photo.setData(Qt.ItemDataRole.DecorationRole, pixmap_from_array(thumb, self.THUMB))
            self.setItem(i, 0, photo)
            name = QTableWidgetItem(p.path.name)
            name.setToolTip(str(p.path))
            self.setItem(i, 1, name)
            cls = QTableWidgetItem(classes[p.label])
            cls.setToolTip(classes[p.label])  # a long class name is elided in the column
            cls.setForeground(QColor(CLASS_COLORS[p.label % len(CLASS_COLORS)]))
            font = cls.font()
            font.setBold(True)
            cls.setFont(font)
            self.setItem(i, 2, cls)
            prob = QTableWidgetItem()
            prob.setData(Qt.ItemDataRole.UserRole, p.confidence)
            prob.setData(Qt.ItemDataRole.UserRole + 1, CLASS_COLORS[p.label % len(CLASS_COLORS)])
            prob.setToolTip("\n".join(f"P({classes[k]}) = {p.probs[k]:.3f}" for k in p.top(5)))  # most probable first
            self.setItem(i, 3, prob)
        self.predictions += preds
