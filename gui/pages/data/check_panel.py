"""The Data page's photo check: run it, judge the suspects, record decisions in the corrections file.

The check runs off the GUI thread (gui/jobs/check.py) with a progress bar and a Cancel. Every decision
(keys 1..9 relabel to a class, X exclude, K keep, U undo) is written at once, atomically, to
DATA/catdog-corrections.csv through core.data.corrections: photos are never renamed, moved or deleted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InputError
from gui.jobs.check import CheckJob
from gui.pages.data.suspects import FILTERS, SuspectsList, rows_of
from gui.pages.data.trash_action import confirm_and_trash
from gui.widgets.decisions import DecisionBook, keys_hint


class CheckPanel(QWidget):
    checkFinished = Signal(int)  # rows of the result (suspects and duplicate photos)
    error = Signal(str)
    photosMoved = Signal()  # excluded photos went to the trash: the folder holds fewer photos now
    decisionsChanged = Signal()  # the corrections file was read again (the page's counts follow it)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.root: Path | None = None
        self.classes: list[str] = []
        self.book: DecisionBook | None = None  # the folder's corrections file
        self.job: CheckJob | None = None
        self.result = None
        self.rows = []
        self.dataCheckButton = QPushButton("Check these photos")
        self.dataCheckButton.setObjectName("dataCheckButton")
        self.dataCheckButton.setToolTip("Score every photo with a model that never saw it: wrong labels, photos of "
                                        "neither class and near-duplicates, most suspicious first. Nothing is changed.")
        self.dataCheckButton.clicked.connect(self.start)
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("checkCancelButton")
        self.cancelButton.setEnabled(False)
        self.cancelButton.clicked.connect(self.cancel)
        self.checkProgress = QProgressBar()
        self.checkProgress.setObjectName("checkProgress")
        self.checkProgress.setVisible(False)
        self.statusLabel = QLabel("")
        self.statusLabel.setObjectName("checkStatusLabel")
        self.statusLabel.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.dataCheckButton)
        top.addWidget(self.cancelButton)
        top.addWidget(self.checkProgress, 1)

        self.trashButton = QPushButton("Move excluded photos to the trash…")
        self.trashButton.setObjectName("trashExcludedButton")
        self.trashButton.setToolTip("Asks first; the photos can be restored from the system's trash")
        self.trashButton.setEnabled(False)
        self.trashButton.clicked.connect(self.trash_excluded)
        self.correctionsLabel = QLabel("")
        self.correctionsLabel.setObjectName("correctionsLabel")
        self.correctionsLabel.setWordWrap(True)
        self.filterCombo = QComboBox()
        self.filterCombo.setObjectName("suspectsFilterCombo")
        for name, kind in FILTERS:
            self.filterCombo.addItem(name, kind)
        self.filterCombo.currentIndexChanged.connect(lambda _: self._show())
        self.hintLabel = QLabel("")
        self.hintLabel.setObjectName("suspectsHintLabel")
        self.hintLabel.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.filterCombo)
        bar.addWidget(self.hintLabel, 1)
        self.suspectsList = SuspectsList()
        self.suspectsList.decided.connect(self.decide)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.statusLabel)
        fixes = QHBoxLayout()
        fixes.addWidget(self.correctionsLabel, 1)
        fixes.addWidget(self.trashButton)
        layout.addLayout(fixes)
        layout.addLayout(bar)
        layout.addWidget(self.suspectsList, 1)
        self._set_hint()

    # -- the folder ---------------------------------------------------------------------
    def set_folder(self, root: str | Path | None, classes: list[str]) -> None:
        """A new training folder (None: none usable): any check in progress stops, its results go."""
        self.cancel()
        self.job = None
        self.root = Path(root) if root else None
        self.classes = list(classes)
        self.book = DecisionBook(self.root, self.classes) if self.root is not None else None
        self.suspectsList.classes = self.classes
        self.result, self.rows = None, []
        self.suspectsList.show_rows([])
        self.statusLabel.setText("")
        self.dataCheckButton.setEnabled(self.root is not None)
        self._set_hint()
        self.refresh_decisions()

    def _set_hint(self) -> None:
        self.hintLabel.setText(keys_hint(self.classes))

    # -- the check ----------------------------------------------------------------------
    def start(self) -> None:
        if self.root is None or (self.job is not None and self.job.is_running()):
            return
        self.job = job = CheckJob(str(self.root))
        job.progress.connect(self._progress)
        job.said.connect(self.statusLabel.setText)
        job.finishedWith.connect(self._finished)
        job.stopped.connect(lambda: self.statusLabel.setText("Check cancelled."))
        job.failed.connect(self._failed)
        job.done.connect(lambda: self._running(False) if job is self.job else None)
        self.statusLabel.setText("Loading the model…")
        self.checkProgress.setRange(0, 0)
        self._running(True)
        job.start()

    def cancel(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.stop()
            self.statusLabel.setText("Cancelling…")

    def _running(self, running: bool) -> None:
        self.dataCheckButton.setEnabled(not running and self.root is not None)
        self.cancelButton.setEnabled(running)
        self.checkProgress.setVisible(running)

    def _progress(self, done: int, total: int) -> None:
        self.checkProgress.setRange(0, max(total, 1))
        self.checkProgress.setValue(done)
        self.statusLabel.setText(f"Reading photos: {done} of {total}")

    def _failed(self, message: str) -> None:
        self.statusLabel.setText(f"<b>The check failed:</b> {message}")
        self.error.emit(message)

    def _finished(self, result) -> None:
        self.result, self.rows = result, rows_of(result)
        labels = sum(s.kind == "label" for s in result.suspects)
        neither = len(result.suspects) - labels
        unread = f", {len(result.failures)} unreadable" if result.failures else ""
        self.statusLabel.setText(f"Checked {result.photos} photos in {result.seconds:.0f} s: {labels} possibly wrong "
                                 f"labels, {neither} of neither class, {len(result.duplicates)} groups of "
                                 f"near-duplicates{unread}.")
        self._show()
        self.refresh_decisions()
        self.checkFinished.emit(len(self.rows))

    def _show(self) -> None:
        self.suspectsList.show_rows(self.rows, self.filterCombo.currentData())

    # -- decisions ----------------------------------------------------------------------
    def corrections_file(self) -> Path | None:
        return self.book.file if self.book is not None else None

    def decide(self, photo: str, action: str | None, label: str) -> None:
        """Record (or with ``action`` None forget) one photo's decision in the corrections file, at once."""
        if self.book is None:
            return
        try:
            self.book.decide(photo, action, label)
        except InputError as exc:
            self._failed(str(exc))
            return
        self.refresh_decisions()

    def trash_excluded(self) -> None:
        file = self.corrections_file()
        said = confirm_and_trash(self, file, self.root, self.classes) if file is not None else None
        if said is not None:
            self.photosMoved.emit()  # the page reads the folder again (this panel with it)
            self.statusLabel.setText(said)

    def refresh_decisions(self) -> None:
        self._show_decisions()
        self.decisionsChanged.emit()

    def _show_decisions(self) -> None:
        book = self.book
        self.trashButton.setEnabled(False)
        if book is None or not book.file.exists():
            self.correctionsLabel.setText("")
            self.suspectsList.suspects.set_decisions({})
            return
        try:
            decisions = book.decisions()
        except InputError as exc:
            self.correctionsLabel.setText(f"<b>Cannot use {book.file.name}:</b> {exc}")
            self.suspectsList.suspects.set_decisions({})
            return
        self.correctionsLabel.setText(f"Training applies {book.file.name} ({len(decisions)} decisions)")
        self.trashButton.setEnabled(any(d.action == "exclude" for d in decisions.values()))
        self.suspectsList.suspects.set_decisions(book.shown([row.path for row in self.rows], decisions))
