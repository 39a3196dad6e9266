"""Small image helpers for the GUI: numpy pixels and photo files to QPixmap thumbnails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPixmap

from core.data.decode import UnreadableImage, decode_square


def screen_ratio() -> float:
    """Device pixels per logical pixel of the primary screen (2.0 at 200% scaling)."""
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


def pixmap_from_array(rgb: np.ndarray, size: int | None = None, ratio: float | None = None) -> QPixmap:
    """A pixmap ``size`` logical pixels wide, drawn with ``ratio`` device pixels each, so that it stays
    sharp at 150% and 200% scaling (a pixmap at 1x is stretched, and blurry, there)."""
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()  # copy: own the buffer
    pm = QPixmap.fromImage(image)
    if size:
        ratio = ratio or screen_ratio()
        device = max(1, round(size * ratio))
        pm = pm.scaled(device, device, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        pm.setDevicePixelRatio(ratio)
    return pm


def thumbnail(path: Path, size: int = 72) -> QPixmap | None:
    try:
        return pixmap_from_array(decode_square(path, round(size * screen_ratio())), size)
    except UnreadableImage:
        return None
