"""Data page: choose the training folder, see what was found, sample photos, skipped files.

Finding a file is not reading it: until the photos are decoded (when training starts) the
summary counts image *files*; then it says how many are readable, lists the unreadable
ones, and warns about classes with too few readable photos (core's rule, as in meta.json).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.data.classes import balance_warnings
from core.data.corrections import apply_corrections, summary_line, training_corrections
from core.data.discover import DatasetIndex, discover
from core.data.split import val_count
from core.errors import InputError
from gui.pages.data.check_panel import CheckPanel
from gui.widgets.colors import toned
from gui.widgets.images import thumbnail

SAMPLES_PER_CLASS = 8


class DataPage(QWidget):
    datasetChanged = Signal(object)  # DatasetIndex or None
    error = Signal(str)
    valSplitChanged = Signal(float)  # the share of each class kept for validation
    checkFinished = Signal(int)  # the photo check is done: rows in suspectsList

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.index: DatasetIndex | None = None
        self.unreadable: list[tuple[str, str]] | None = None  # None until the photos are decoded
        self.error_message = ""
        self.dataPathEdit = QLineEdit()
        self.dataPathEdit.setObjectName("dataPathEdit")
        self.dataPathEdit.setPlaceholderText("Folder of cat.N.jpg / dog.N.jpg photos, or with cat/ and dog/ sub-folders")
        self.dataPathEdit.editingFinished.connect(lambda: self.set_folder(self.dataPathEdit.text()))
        browse = QPushButton("Choose folder…")
        browse.setObjectName("browseDataButton")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(QLabel("Training photos:"))
        row.addWidget(self.dataPathEdit, 1)
        row.addWidget(browse)

        self.summaryLabel = QLabel("Choose a folder, or drop one on the window.")
        self.summaryLabel.setObjectName("dataSummaryLabel")
        self.summaryLabel.setWordWrap(True)
        self.valSplitSpin = QDoubleSpinBox()
        self.valSplitSpin.setObjectName("valSplitSpin")
        self.valSplitSpin.setRange(0.05, 0.5)
        self.valSplitSpin.setSingleStep(0.05)
        self.valSplitSpin.setValue(0.2)
        self.valSplitSpin.setSuffix(" of each class")
        self.valSplitSpin.valueChanged.connect(self._update_summary)
        self.valSplitSpin.valueChanged.connect(self.valSplitChanged)
        self.valSplitSpin.setMaximumWidth(160)
        form = QHBoxLayout()
        form.addWidget(QLabel("Validation split:"))
        form.addWidget(self.valSplitSpin)
        form.addWidget(QLabel("held out, stratified by class, to measure accuracy on photos the model never trains on"))
        form.addStretch(1)

        self.samplesBox = QGroupBox("Sample photos")
        self.samplesLayout = QVBoxLayout(self.samplesBox)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.samplesBox)

        self.skippedTable = QTableWidget(0, 2)
        self.skippedTable.setObjectName("skippedTable")
        self.skippedTable.setHorizontalHeaderLabels(["Skipped file", "Reason"])
        self.skippedTable.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.skippedTable.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.skippedTable.verticalHeader().setVisible(False)
        self.skippedTable.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        skipped_box = self.skippedBox = QGroupBox()
        QVBoxLayout(skipped_box).addWidget(self.skippedTable)

        self.checkPanel = CheckPanel()  # "Check these photos": suspects, duplicates, the corrections file
        self.checkPanel.checkFinished.connect(self._room_for_suspects)
        self.checkPanel.checkFinished.connect(self.checkFinished)
        self.checkPanel.error.connect(self.error)
        self.checkPanel.photosMoved.connect(self.reload)
        self.checkPanel.decisionsChanged.connect(self._update_summary)
        self.dataCheckButton, self.suspectsList = self.checkPanel.dataCheckButton, self.checkPanel.suspectsList

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.summaryLabel)
        layout.addLayout(form)
        split = self.splitter = QSplitter(Qt.Orientation.Vertical)  # the suspects want the room once checked
        for k, (widget, stretch) in enumerate(((self.checkPanel, 5), (scroll, 1), (skipped_box, 1))):
            split.addWidget(widget)
            split.setStretchFactor(k, stretch)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self.set_skipped([])
        self.checkPanel.set_folder(None, [])

    def _room_for_suspects(self) -> None:
        """A finished check gets the height the samples and the skipped files held (the user can drag it back)."""
        sizes = self.splitter.sizes()
        rest = [self.splitter.widget(k).minimumSizeHint().height() for k in (1, 2)]
        if sum(sizes) > sum(rest):
            self.splitter.setSizes([sum(sizes) - sum(rest), *rest])

    def browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Training photos", self.dataPathEdit.text() or str(Path.home()))
        if folder:
            self.set_folder(folder)

    def folder(self) -> str:
        return self.dataPathEdit.text().strip()

    def val_split(self) -> float:
        """The share of each class kept aside to measure accuracy (TrainConfig.val_split)."""
        return self.valSplitSpin.value()

    def set_val_split(self, share: float) -> None:
        self.valSplitSpin.setValue(share)

    def reload(self) -> None:
        """The same folder read again (photos went to the trash): counts, samples and classes anew."""
        self.index = None
        self.set_folder(self.folder())

    def set_folder(self, folder: str) -> None:
        folder = str(folder).strip()
        if self.index is not None and str(self.index.root) == folder:
            return
        self.dataPathEdit.setText(folder)
        self.index = None
        self.unreadable = None
        self.error_message = ""
        self._clear_samples()
        self.checkPanel.set_folder(None, [])
        if not folder:
            return
        try:
            self.index = discover(folder)
        except InputError as exc:
            self.error_message = str(exc)
            self.summaryLabel.setText(toned("error", "Cannot use this folder:") + f" {exc}")
            self.set_skipped([])
            self.datasetChanged.emit(None)
            self.error.emit(str(exc))
            return
        self._update_summary()
        self._show_samples()
        self.checkPanel.set_folder(self.index.root, self.index.classes)
        self.set_skipped([(str(p), r) for p, r in self.index.ignored])
        self.datasetChanged.emit(self.index)

    def _update_summary(self) -> None:
        if self.index is None:
            return
        counts = self.index.counts()
        n = len(self.index.samples)
        layout = "Kaggle flat names (cat.N.jpg)" if self.index.layout == "flat" else "one sub-folder per class"
        per_class = ", ".join(f"<b>{c}</b> {name}" for name, c in counts.items())
        found = f"Found <b>{n}</b> image files in {len(counts)} classes ({per_class}) · layout: {layout}"
        samples, fixed = self._corrected()
        found += fixed
        bad = {f for f, _ in self.unreadable or []}
        readable = {name: sum(1 for s in samples if s.label == k and str(s.path) not in bad)
                    for k, name in enumerate(self.index.classes)}
        if self.unreadable is None:
            found += " · readable or not is known once training decodes them"
        else:
            found += (f" · <b>{sum(readable.values())}</b> readable, <b>{len(self.unreadable)}</b> unreadable"
                      f"{' (listed below)' if self.unreadable else ''}")
        warnings = balance_warnings(readable)  # before decoding: a class of 6 files is already too small
        val = sum(val_count(c, self.valSplitSpin.value()) for c in readable.values())
        total = sum(readable.values())
        text = found + f" · about {total - val} for training, {val} for validation."
        text += "".join(f"<br>{toned('warning', 'Warning:')} {html.escape(w, quote=False)}" for w in warnings)
        self.summaryLabel.setText(text)

    def _corrected(self) -> tuple[list, str]:
        """The photos training will use (after the folder's corrections file) and what the file changes."""
        try:
            fixes = training_corrections(self.index.root, self.index.classes)
            if fixes is None:
                return list(self.index.samples), ""
            samples, relabeled, excluded = apply_corrections(self.index.samples, fixes)
        except InputError as exc:  # training would refuse the file: say so here first
            why = html.escape(str(exc))
            return list(self.index.samples), f"<br><b>Training will refuse the corrections file:</b> {why}"
        done = {"file": str(fixes.file), "relabeled": relabeled, "excluded": excluded}
        return samples, " · " + html.escape(summary_line(done, self.index.root, fixes.missing(), "training applies"))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.checkPanel.refresh_decisions()  # decisions made on the Evaluate page meanwhile

    def _clear_samples(self) -> None:
        while self.samplesLayout.count():
            item = self.samplesLayout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
            elif item.layout():
                while item.layout().count():
                    w = item.layout().takeAt(0).widget()
                    if w:
                        w.deleteLater()

    def _show_samples(self) -> None:
        for k, name in enumerate(self.index.classes):
            row = QHBoxLayout()
            label = QLabel(f"<b>{name}</b>")
            label.setFixedWidth(70)
            row.addWidget(label)
            files = [s.path for s in self.index.samples if s.label == k][:SAMPLES_PER_CLASS]
            for path in files:
                pm = thumbnail(path, 72)
                if pm is not None:
                    cell = QLabel()
                    cell.setPixmap(pm)
                    cell.setToolTip(path.name)
                    row.addWidget(cell)
            row.addStretch(1)
            self.samplesLayout.addLayout(row)
        self.samplesLayout.addStretch(1)

    def set_decoded(self, skipped: list[tuple[str, str]]) -> None:
        """Training decoded the photos: show readable and unreadable counts, and list what was skipped."""
        if self.index is not None:
            samples = {str(s.path) for s in self.index.samples}
            self.unreadable = [(f, r) for f, r in skipped if f in samples]
            self._update_summary()
        self.set_skipped(skipped)

    def set_skipped(self, skipped: list[tuple[str, str]]) -> None:
        self.skippedTable.setVisible(bool(skipped))  # an empty table is one title line, not a blank box
        self.skippedTable.setRowCount(len(skipped))
        for i, (path, reason) in enumerate(skipped):
            self.skippedTable.setItem(i, 0, QTableWidgetItem(Path(path).name))
            self.skippedTable.item(i, 0).setToolTip(str(path))
            self.skippedTable.setItem(i, 1, QTableWidgetItem(reason))
        self.skippedBox.setTitle(f"Skipped files ({len(skipped)}): not used for training" if skipped else
                                 "Skipped files: none so far (unreadable photos are listed here when training starts)")
