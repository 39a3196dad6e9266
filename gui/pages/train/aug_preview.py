"""Train page: a grid of what the network will see of one of the user's photos at the current settings.

The pictures come from core.data.aug_preview, i.e. from training's own augmentation code, on a
worker thread (decoding a large photo takes a moment). They follow the image-size spin, the
"Start from" choice and the augmentation settings (``follow_augment``); "New draws" samples fresh
crops, "Other photo" moves to another photo. MixUp/CutMix mix photos of a batch with each other:
the caption says so rather than showing one photo mixed with itself.
"""

from __future__ import annotations

import random

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core.data.augment_choices import AUGMENTS, DEFAULT_AUGMENT
from core.runs.layout import FROZEN
from gui.jobs.base import Job
from gui.widgets.colors import toned
from gui.widgets.images import pixmap_from_array

CELL = 72  # pixels per picture on screen
VIEWS = 7  # random crops shown, beside the photo itself
NO_DATA = "<b>What the network sees:</b> choose the training photos on the Data page to see it here."


class PreviewJob(Job):
    ready = Signal(int, object, list)  # index of the photo used, its cached square, the views

    def __init__(self, paths: list, start: int, image_size: int, seed: int, frozen: bool,
                 augment: str = DEFAULT_AUGMENT) -> None:
        super().__init__()
        self.args = (paths, start, image_size, seed, frozen, augment)

    def work(self) -> None:
        from core.data.aug_preview import training_views
        from core.data.decode import UnreadableImage
        from core.errors import InputError

        paths, start, image_size, seed, frozen, augment = self.args
        reasons = []
        for k in range(min(len(paths), 20)):  # skip unreadable photos, as training does
            i = (start + k) % len(paths)
            try:
                square, views = training_views(paths[i], image_size, VIEWS, seed, frozen, augment)
            except UnreadableImage as exc:
                reasons.append(f"{paths[i].name}: {exc}")
                continue
            return self.post("ready", i, square, views)
        raise InputError("no readable photo to preview (" + "; ".join(reasons[:3]) + ")")


class AugPreview(QFrame):
    """``set_dataset(index)`` from the Data page; follows ``size_spin`` and ``start_combo``."""

    previewReady = Signal(int)  # views shown

    def __init__(self, size_spin, start_combo=None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("augPreview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.size_spin, self.start_combo = size_spin, start_combo
        self.augment_combo = self.mixup_spin = self.cutmix_spin = None
        self.paths: list = []
        self.index, self.seed, self.views, self.square = 0, 0, [], None
        self.job: PreviewJob | None = None
        self._pending = self._stale = False
        self.caption = QLabel(NO_DATA)
        self.caption.setObjectName("augPreviewCaption")
        self.caption.setWordWrap(True)
        self.refreshButton = QPushButton("New draws")
        self.refreshButton.setObjectName("augPreviewRefresh")
        self.refreshButton.setToolTip("Draw new random crops and flips of the same photo")
        self.refreshButton.clicked.connect(self.new_draws)
        self.otherButton = QPushButton("Other photo")
        self.otherButton.setObjectName("augPreviewOther")
        self.otherButton.clicked.connect(self.other_photo)
        header = QHBoxLayout()
        header.addWidget(self.caption, 1)
        header.addWidget(self.refreshButton)
        header.addWidget(self.otherButton)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.cells: list[tuple[QLabel, QLabel]] = []
        self._cell_widgets: list[QWidget] = []
        for _ in range(VIEWS + 1):
            cell, picture, text = QWidget(), QLabel(), QLabel()
            picture.setFixedSize(CELL, CELL)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            text.setFixedWidth(CELL)
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(picture)
            box.addWidget(text)
            self.cells.append((picture, text))
            self._cell_widgets.append(cell)
        self._columns = 0
        self._reflow(3)
        # the width is the page's to give: pictures reflow into rows rather than widen the window
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(3 * CELL + 40)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(header)
        layout.addLayout(self.grid)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._start)
        size_spin.valueChanged.connect(self.schedule)
        if start_combo is not None:
            start_combo.currentIndexChanged.connect(self.schedule)
        self._set_buttons()

    def follow_augment(self, augment_combo, mixup_spin, cutmix_spin) -> None:
        """Show what the chosen --augment policy draws (``augment_combo``'s data) and say how batches are mixed."""
        self.augment_combo, self.mixup_spin, self.cutmix_spin = augment_combo, mixup_spin, cutmix_spin
        augment_combo.currentIndexChanged.connect(self.schedule)
        mixup_spin.valueChanged.connect(self.schedule)
        cutmix_spin.valueChanged.connect(self.schedule)
        self.schedule()

    def augment(self) -> str:
        return self.augment_combo.currentData() if self.augment_combo is not None else DEFAULT_AUGMENT

    def _mixing(self) -> tuple[float, float]:
        return (self.mixup_spin.value(), self.cutmix_spin.value()) if self.mixup_spin is not None else (0.0, 0.0)

    def above(self, widget: QWidget) -> QWidget:
        """A page area with this preview on top of ``widget`` (the training curves)."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self)
        layout.addWidget(widget, 1)
        return box

    def _reflow(self, columns: int) -> None:
        """One row of as many pictures as fit: a narrow window shows fewer, never a taller strip."""
        columns = max(3, min(columns, len(self._cell_widgets)))
        if columns == self._columns:
            return
        self._columns = columns
        for k, cell in enumerate(self._cell_widgets):
            if k < columns:
                self.grid.addWidget(cell, 0, k, Qt.AlignmentFlag.AlignLeft)
            cell.setVisible(k < columns)
        for c in range(len(self._cell_widgets) + 1):
            self.grid.setColumnStretch(c, 1 if c == columns else 0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._reflow((event.size().width() - 16) // (CELL + 6))

    def set_dataset(self, index) -> None:
        """The Data page's DatasetIndex (or None): preview its photos, in a shuffled order."""
        self.paths = [s.path for s in index.samples] if index is not None else []
        random.Random(0).shuffle(self.paths)
        self.index = 0
        if not self.paths:
            self._show([], None)
            self.caption.setText(NO_DATA)
        self.schedule()

    def frozen(self) -> bool:
        return self.start_combo is not None and self.start_combo.currentData() == FROZEN

    def new_draws(self) -> None:
        self.seed += 1
        self.schedule()

    def other_photo(self) -> None:
        if self.paths:
            self.index = (self.index + 1) % len(self.paths)
        self.schedule()

    def schedule(self) -> None:
        """Make the pictures soon: now if the preview is on screen, else when it is first shown."""
        self._stale = bool(self.paths)
        if self._stale and self.isVisible():
            self._timer.start()
        self._set_buttons()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._timer.start()

    def _set_buttons(self) -> None:
        self.refreshButton.setEnabled(bool(self.paths) and not self.frozen() and self.augment() != "none")
        self.otherButton.setEnabled(len(self.paths) > 1)

    def _start(self) -> None:
        if not self.paths:
            return
        if self.job is not None and self.job.is_running():
            self._pending = True
            return
        self._pending = self._stale = False
        size = self.size_spin.value()
        augment = DEFAULT_AUGMENT if self.frozen() else self.augment()
        self.job = PreviewJob(self.paths, self.index, size, self.seed, self.frozen(), augment)
        self.job.ready.connect(lambda i, square, views, size=size, a=augment: self._ready(i, square, views, size, a))
        self.job.failed.connect(lambda msg: self.caption.setText(f"{toned('error', 'No preview:')} {msg}"))
        self.job.done.connect(self._job_done)
        self.job.start()

    def _job_done(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.wait()
        if self._pending:
            self._start()

    def _ready(self, i: int, square, views: list, size: int, augment: str = DEFAULT_AUGMENT) -> None:
        from core.data.aug_preview import mixing_note

        self.index = i
        self._show(views, square)
        name = self.paths[i].name if i < len(self.paths) else ""
        if self.frozen():
            how = "only the centre crop and its mirror image (a frozen backbone's features are computed once per photo)"
        elif augment == "none":
            how = "the centre crop only, every epoch (no augmentation)"
        else:
            how = AUGMENTS[augment] + ("" if augment == DEFAULT_AUGMENT else " (marked +)") + "; new ones every epoch"
            how = how.replace("a mirror half the time", "a mirror half the time (↔)")
            note = mixing_note(*self._mixing())
            how += f"; {note}" if note else ""
        self.caption.setText(f"<b>What the network sees</b> of {name} at {size}×{size} px: {how}.")
        self.caption.setToolTip(f"{self.paths[i]}\nThe pictures come from the training code itself. Hover one "
                                "for its crop box; the first is the whole photo as training decodes it.")
        self.previewReady.emit(len(views))

    def _show(self, views: list, square) -> None:
        self.views, self.square = views, square
        items = ([(square, "photo", "the whole photo, squeezed to a square, as training decodes it")]
                 if square is not None else []) + [(v.pixels, v.caption, v.detail) for v in views]
        for k, (picture, text) in enumerate(self.cells):
            if k < len(items):
                pixels, caption, detail = items[k]
                smooth = pixels.shape[0] > CELL  # small inputs are enlarged without blur: see the real pixels
                pm = pixmap_from_array(pixels)
                mode = Qt.TransformationMode.SmoothTransformation if smooth else Qt.TransformationMode.FastTransformation
                picture.setPixmap(pm.scaled(CELL, CELL, Qt.AspectRatioMode.KeepAspectRatio, mode))
                text.setText(caption)
                picture.setToolTip(detail)
            else:
                picture.clear()
                text.setText("")
                picture.setToolTip("")

