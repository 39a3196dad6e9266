"""The window with runs that continue: resume from a list, train N more, close while training, crashes."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import write_flat
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from core.runs.meta import read_meta
from core.training.config import TrainConfig
from core.training.engine import Trainer

TIMEOUT_MS = 120_000


def _finished_run(tmp_path, epochs=2) -> Path:
    data = write_flat(tmp_path / "train", 16)
    cfg = TrainConfig(data=str(data), arch="lenet", epochs=epochs, batch_size=16, image_size=32, lr=3e-3,
                      out=str(tmp_path / "weights"), name="done")
    return Path(Trainer(cfg).run().run_dir)


def test_train_more_epochs_of_a_finished_run(window, qtbot, tmp_path):
    run = _finished_run(tmp_path)
    window.archCombo.setCurrentIndex(window.archCombo.findData("resnet18"))
    qtbot.mouseClick(window.trainPage.resumeButton, Qt.MouseButton.LeftButton)
    dialog = window.resume_dialog
    assert dialog.table.item(0, 0).text() == "done" and dialog.table.item(0, 3).text() == "2 / 2"
    assert dialog.epochsSpin.minimum() == 3 and dialog.epochsSpin.value() == 7  # finished: more than 2
    dialog.epochsSpin.setValue(4)
    with qtbot.waitSignal(window.trainingFinished, timeout=TIMEOUT_MS):
        dialog.buttons.accepted.emit()
        # the form shows the run's settings, the curves its earlier epochs at once
        assert window.archCombo.currentData() == "lenet" and window.imageSizeSpin.value() == 32
        assert [r["epoch"] for r in window.trainPage.curves.epochs[:2]] == [1, 2]
    meta = read_meta(run)
    assert meta["status"] == "finished" and [m["epoch"] for m in meta["metrics"]] == [1, 2, 3, 4]
    assert [r["epoch"] for r in window.trainPage.curves.epochs] == [1, 2, 3, 4]


def test_closing_while_training_asks_then_stops_and_saves(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 40)
    window.dataPage.set_folder(str(data))
    window.archCombo.setCurrentIndex(window.archCombo.findData("lenet"))
    window.imageSizeSpin.setValue(32)
    window.epochsSpin.setValue(200)
    with qtbot.waitSignal(window.trainPage.curves.timer.timeout, timeout=TIMEOUT_MS):
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.trainPage.run_name != "", timeout=TIMEOUT_MS)
    window.close()
    box = window.findChild(QMessageBox, "closeWhileTrainingBox")
    assert box is not None and window.isVisible() and window.train_job.is_running()
    qtbot.mouseClick(box.findChild(QPushButton, "keepTrainingButton"), Qt.MouseButton.LeftButton)
    assert window.isVisible() and window.train_job.is_running()
    window.close()
    box = window.findChild(QMessageBox, "closeWhileTrainingBox")
    qtbot.mouseClick(box.findChild(QPushButton, "stopAndQuitButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=TIMEOUT_MS)
    meta = read_meta(tmp_path / "weights" / window.trainPage.run_name)
    assert meta["status"] == "stopped" and (tmp_path / "weights" / window.trainPage.run_name / "last.ckpt").exists()


def test_an_unexpected_error_is_a_readable_dialog_and_logged(window, qtbot, tmp_path, monkeypatch):
    from gui.window import crash_report

    monkeypatch.setenv("CATDOG_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    import threading

    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    crash_report.install(window)
    try:
        raise ValueError("something nobody expected")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    box = window.findChild(QMessageBox, "crashBox")
    assert box is not None and "something nobody expected" in box.text()
    assert "Traceback" in box.detailedText() and "test_an_unexpected_error" in box.detailedText()
    log = (tmp_path / "logs" / "errors.log").read_text()
    assert "ValueError: something nobody expected" in log
    assert window.isVisible()  # the app goes on
