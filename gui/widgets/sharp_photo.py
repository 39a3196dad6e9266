"""Photos in the Evaluate page: high-DPI pixmaps from pixels, and a photo opened large in its own window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget


def sharp_pixmap(rgb: np.ndarray | bytes, logical: int, dpr: float) -> QPixmap:
    """A pixmap ``logical`` px wide on screen, drawn from device pixels so it stays sharp at any scale.

    ``rgb``: (H, W, 3) uint8 pixels, or the bytes of an encoded image (the gallery's thumbnails).
    """
    if isinstance(rgb, bytes):
        image = QImage.fromData(rgb)
    else:
        rgb = np.ascontiguousarray(rgb)
        h, w, _ = rgb.shape
        image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    side = max(1, round(logical * dpr))
    pm = QPixmap.fromImage(image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation))
    pm.setDevicePixelRatio(dpr)
    return pm


class PhotoDialog(QDialog):
    """The whole photo (EXIF rotation applied), as large as the screen allows."""

    def __init__(self, path: Path, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoDialog")
        self.setWindowTitle(f"{Path(path).name} — {caption}" if caption else Path(path).name)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        image = reader.read()
        label = QLabel()
        label.setObjectName("photoLarge")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if image.isNull():
            label.setText(f"Cannot show {path}: {reader.errorString()}")
        else:
            screen = (parent.screen() if parent is not None else QGuiApplication.primaryScreen())
            avail = screen.availableGeometry()
            dpr = screen.devicePixelRatio()
            w, h = int(avail.width() * 0.8 * dpr), int(avail.height() * 0.8 * dpr)
            if image.width() > w or image.height() > h:
                image = image.scaled(w, h, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            pm = QPixmap.fromImage(image)
            pm.setDevicePixelRatio(dpr)
            label.setPixmap(pm)
        cap = QLabel(caption)
        cap.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label, 1)
        layout.addWidget(cap)


def open_large(path: Path, caption: str, parent: QWidget) -> PhotoDialog:
    dialog = PhotoDialog(path, caption, parent)
    dialog.show()
    return dialog
