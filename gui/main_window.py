"""The main window: Data, Train and Predict pages over core."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget


class MainWindow(QMainWindow):
    trainingFinished = Signal(str)  # the run folder
    predictionsReady = Signal(int)  # rows shown

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("CatDog Studio")
        self.tabs = QTabWidget()
        for name in ("Data", "Train", "Predict"):
            self.tabs.addTab(QLabel(f"{name} page"), name)
        self.setCentralWidget(self.tabs)
        self.resize(1200, 760)
