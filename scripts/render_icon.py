"""Render resources/icon.svg to the PNG sizes desktops ask for (16-256 px); run after editing the SVG."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 24, 32, 48, 64, 128, 256)


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 (QPainter needs it)
    root = Path(__file__).resolve().parents[1] / "resources"
    renderer = QSvgRenderer(str(root / "icon.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(root / f"icon-{size}.png"))
        print(root / f"icon-{size}.png")


if __name__ == "__main__":
    main()
