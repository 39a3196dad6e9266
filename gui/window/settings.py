"""What the window remembers between sessions (QSettings), with defaults taken from core.

Every training default comes from ``TrainConfig`` (the one place defaults live); the only
window-specific ones are a new user's first choice of architecture and start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray

from core.models.registry import ARCHS
from core.training.config import NEW_USER_ARCH, NEW_USER_START, TrainConfig


def restore(window) -> None:
    s, t, d = window.settings, window.trainPage, TrainConfig()
    geometry = s.value("geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        window.resize(1200, 780)
    t.set_arch(str(s.value("arch", NEW_USER_ARCH)))
    t.startCombo.set_start(str(s.value("start", NEW_USER_START)))
    t.epochsSpin.setValue(int(s.value("epochs", d.epochs)))
    t.batchSizeSpin.setValue(int(s.value("batchSize", d.batch_size)))
    t.imageSizeSpin.setValue(int(s.value("imageSize", ARCHS[t.arch()].image_size)))
    t.lrSpin.setValue(float(s.value("lr", d.lr)))
    t.optimizerCombo.setCurrentText(str(s.value("optimizer", d.optimizer)))
    window.dataPage.set_val_split(float(s.value("valSplit", d.val_split)))
    window.predictPage.last_dir = str(s.value("predictDir", ""))
    folder = str(s.value("dataDir", ""))
    if folder and Path(folder).is_dir():
        window.dataPage.set_folder(folder)


def save(window) -> None:
    s, t = window.settings, window.trainPage
    s.setValue("geometry", window.saveGeometry())
    s.setValue("dataDir", window.dataPage.folder())
    s.setValue("arch", t.arch())
    s.setValue("start", t.startCombo.start())
    s.setValue("epochs", t.epochsSpin.value())
    s.setValue("batchSize", t.batchSizeSpin.value())
    s.setValue("imageSize", t.imageSizeSpin.value())
    s.setValue("lr", t.lrSpin.value())
    s.setValue("optimizer", t.optimizerCombo.currentText())
    s.setValue("valSplit", window.dataPage.val_split())
    s.setValue("predictDir", window.predictPage.last_dir)
    s.setValue("weightsDir", window.weights_dir)
    s.sync()
