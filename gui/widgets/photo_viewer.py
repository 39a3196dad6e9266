"""A photo shown large (double click in a table): the file as it is, EXIF rotation applied, fit to the screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget


def load_full(path: Path) -> QPixmap | None:
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # EXIF orientation, as training sees the photo
    image = reader.read()
    return None if image.isNull() else QPixmap.fromImage(image)


class PhotoViewer(QDialog):
    """One photo, scaled down to fit 80% of the screen (never up), sharp at any scaling; the caption
    says what the model said about it."""

    def __init__(self, path: Path, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self.setWindowTitle(Path(path).name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.image.setObjectName("photoViewerImage")
        self.caption = QLabel(caption or str(path))
        self.caption.setObjectName("photoViewerCaption")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.caption)
        pm = load_full(Path(path))
        if pm is None:
            self.image.setText(f"{path} cannot be read as an image.")
            return
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        ratio = self.devicePixelRatioF()
        box_w, box_h = int(screen.width() * 0.8 * ratio), int(screen.height() * 0.8 * ratio) - 60
        if pm.width() > box_w or pm.height() > box_h:
            pm = pm.scaled(box_w, box_h, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        pm.setDevicePixelRatio(ratio)
        self.image.setPixmap(pm)
