"""Small image helpers for the GUI: numpy pixels and photo files to QPixmap thumbnails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

from core.data.decode import UnreadableImage, decode_square


def pixmap_from_array(rgb: np.ndarray, size: int | None = None) -> QPixmap:
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: own the buffer
    pm = QPixmap.fromImage(image)
    if size:
        pm = pm.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return pm


def thumbnail(path: Path, size: int = 72) -> QPixmap | None:
    try:
        return pixmap_from_array(decode_square(path, size))
    except UnreadableImage:
        return None
