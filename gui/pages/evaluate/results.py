"""The numbers of an evaluation: accuracy and log loss, per-class precision/recall/F1, the confusion matrix.

The matrix is a QTableWidget (row = true class, column = predicted); each cell reads
"count\\nrow %" and is shaded by its row share, green on the diagonal and red off it.
Clicking a cell asks for its photos (``cellChosen``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _table(name: str) -> QTableWidget:
    t = QTableWidget()
    t.setObjectName(name)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    t.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
    return t


def _shade(share: float, correct: bool) -> QColor:
    base = (39, 174, 96) if correct else (231, 76, 60)
    a = 0.12 + 0.6 * share
    return QColor(*(round(255 * (1 - a) + c * a) for c in base))


class ResultsPanel(QWidget):
    cellChosen = Signal(int, int)  # true class, predicted class

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.summaryLabel = QLabel("Pick a model and photos, then press Evaluate.")
        self.summaryLabel.setObjectName("evalSummaryLabel")
        self.summaryLabel.setWordWrap(True)
        self.classTable = _table("evalClassTable")
        self.classTable.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.classTable.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.classTable.horizontalHeader().setStretchLastSection(True)
        self.confusionMatrix = _table("confusionMatrix")
        self.confusionMatrix.setToolTip("Rows: the true class; columns: the predicted class. Click a cell to see "
                                        "its photos, the worst first.")
        self.confusionMatrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.confusionMatrix.cellClicked.connect(self.cellChosen)
        pal = self.confusionMatrix.palette()  # the chosen cell: a light highlight, its text still readable
        pal.setColor(QPalette.ColorRole.Highlight, QColor("#a9cdf0"))
        pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#111"))
        self.confusionMatrix.setPalette(pal)
        caption = QLabel("Confusion matrix: rows are the <b>true</b> class, columns the <b>predicted</b> one, "
                         "with the share of the row; click a cell for its photos.")
        caption.setWordWrap(True)
        self.setMinimumWidth(300)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summaryLabel)
        layout.addWidget(self.classTable)
        layout.addWidget(caption)
        layout.addWidget(self.confusionMatrix, 1)

    def show_report(self, report, description: str, extra: str = "") -> None:
        classes, m = report.classes, report.confusion
        self.summaryLabel.setText(
            f"<b>Accuracy {report.accuracy:.1%}</b> · <b>log loss {report.log_loss:.3f}</b> "
            f"on {report.total} photos<br><small>{description}{extra}</small>")  # the palette's text colour, in any theme
        self.classTable.clear()
        self.classTable.setRowCount(len(classes))
        self.classTable.setColumnCount(4)
        self.classTable.setHorizontalHeaderLabels(["Precision", "Recall", "F1", "Photos"])
        self.classTable.setVerticalHeaderLabels(classes)
        for k in range(len(classes)):
            values = [f"{report.precision(k):.1%}", f"{report.recall(k):.1%}", f"{report.f1(k):.3f}",
                      str(int(m[k].sum()))]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.classTable.setItem(k, j, item)
        t = self.confusionMatrix
        t.clear()
        t.setRowCount(len(classes))
        t.setColumnCount(len(classes))
        t.setHorizontalHeaderLabels([f"→ {c}" for c in classes])
        t.setVerticalHeaderLabels([f"{c} (true)" for c in classes])
        for i in range(len(classes)):
            row = int(m[i].sum())
            for j in range(len(classes)):
                n = int(m[i, j])
                share = n / row if row else 0.0
                item = QTableWidgetItem(f"{n}\n{share:.0%}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(_shade(share, i == j))
                item.setForeground(QColor("#111"))
                item.setToolTip(f"{n} {classes[i]} photo(s) predicted {classes[j]} ({share:.1%} of the row)")
                font = item.font()
                font.setBold(i == j)
                item.setFont(font)
                t.setItem(i, j, item)

    def clear(self, text: str) -> None:
        self.summaryLabel.setText(text)
        self.classTable.setRowCount(0)
        self.confusionMatrix.setRowCount(0)
        self.confusionMatrix.setColumnCount(0)
