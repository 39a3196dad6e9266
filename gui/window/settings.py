"""What the window remembers between sessions (QSettings), with defaults taken from core.

Every training default comes from ``TrainConfig`` (the one place defaults live); the only
window-specific ones are a new user's first choice of architecture and start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray

from core.training.config import NEW_USER_ARCH, NEW_USER_START, TrainConfig


def _form_defaults() -> dict:
    """The Train form's QSettings keys and a new user's values; imageSize None: the architecture's own."""
    d = TrainConfig()
    return {"arch": NEW_USER_ARCH, "start": NEW_USER_START, "epochs": d.epochs, "batchSize": d.batch_size,
            "imageSize": None, "lr": d.lr, "optimizer": d.optimizer, "augment": d.augment, "mixup": d.mixup,
            "cutmix": d.cutmix}


def _tta_boxes(window) -> list:
    """(QSettings key, check box) of the "Average with the mirrored photo (TTA)" boxes."""
    return [("predictTta", window.predictPage.ttaCheck), ("evalTta", window.evaluatePage.evalTtaCheck)]


def restore(window) -> None:
    s, t, d = window.settings, window.trainPage, TrainConfig()
    geometry = s.value("geometry")
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
    else:
        window.resize(1200, 780)
    t.apply_form_settings({key: s.value(key, default) for key, default in _form_defaults().items()})
    window.dataPage.set_val_split(float(s.value("valSplit", d.val_split)))
    window.predictPage.last_dir = str(s.value("predictDir", ""))
    for key, box in _tta_boxes(window):  # before any photo is classified: no rows to classify again yet
        box.setChecked(str(s.value(key, "false")).lower() == "true")
    folder = str(s.value("dataDir", ""))
    if folder and Path(folder).is_dir():
        window.dataPage.set_folder(folder)


def save(window) -> None:
    s, t = window.settings, window.trainPage
    s.setValue("geometry", window.saveGeometry())
    s.setValue("dataDir", window.dataPage.folder())
    for key, value in t.form_settings().items():
        s.setValue(key, value)
    s.setValue("valSplit", window.dataPage.val_split())
    s.setValue("predictDir", window.predictPage.last_dir)
    for key, box in _tta_boxes(window):
        s.setValue(key, box.isChecked())
    s.setValue("weightsDir", window.weights_dir)
    s.sync()
