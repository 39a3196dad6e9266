"""The window's ways to start from ImageNet: defaults, Start-from choice, time estimate, missing weights."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_flat, write_test_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from core.planning.duration import Rates
from core.runs.meta import read_meta


def _start_items_enabled(window) -> dict[str, bool]:
    combo = window.trainPage.startCombo
    return {combo.itemData(i): combo.model().item(i).isEnabled() for i in range(combo.count())}


def test_a_new_user_starts_from_imagenet_frozen_efficientnet(window):
    assert window.archCombo.currentData() == "efficientnet_lite0"
    assert window.trainPage.startCombo.start() == "imagenet-frozen"
    assert window.imageSizeSpin.value() == 224
    assert "installed with the app" in window.trainPage.startNote.text()
    window.archCombo.setCurrentIndex(window.archCombo.findData("efficientnet_lite2"))
    assert window.imageSizeSpin.value() == 260  # the size its ImageNet weights were trained at
    window.archCombo.setCurrentIndex(window.archCombo.findData("lenet"))
    assert window.trainPage.startCombo.start() == "scratch"
    assert _start_items_enabled(window) == {"imagenet-frozen": False, "imagenet-finetune": False, "scratch": True}
    config = window.trainPage.config("data", 0.2, "out")
    assert (config.weights, config.freeze) == ("none", False)


def test_estimate_is_measured_once_then_read_from_the_cache(window, qtbot, tmp_path):
    window.dataPage.set_folder(str(write_flat(tmp_path / "train", 20)))
    window.imageSizeSpin.setValue(64)
    window.batchSizeSpin.setValue(8)
    label = window.trainPage.estimateLabel
    qtbot.waitUntil(lambda: "on this computer" in label.text(), timeout=60_000)
    assert "40 photos" in label.text()
    stored = json.loads((tmp_path / "pixel-cache" / "speed.json").read_text())
    assert any(k.startswith("efficientnet_lite0|64|8|") for k in stored)
    window.epochsSpin.setValue(20)  # same architecture and size: no new measurement, a new number at once
    qtbot.waitUntil(lambda: "on this computer" in label.text(), timeout=2_000)
    assert window.estimator.job is None or not window.estimator.job.is_running()


def test_a_long_run_is_flagged_before_start(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("gui.pages.train.estimator.cached_rates", lambda *a, **k: Rates(0.5, 5.0))
    window.dataPage.set_folder(str(write_flat(tmp_path / "train", 20)))
    window.archCombo.setCurrentIndex(window.archCombo.findData("resnet18"))
    window.trainPage.startCombo.set_start("scratch")
    window.epochsSpin.setValue(30)
    label = window.trainPage.estimateLabel
    qtbot.waitUntil(lambda: "⚠" in label.text(), timeout=5_000)
    assert "efficientnet_lite0" in label.text()  # the way to something faster
    window.epochsSpin.setValue(1)  # 32 photos at 0.5/s + validation: about a minute, no warning
    qtbot.waitUntil(lambda: "⚠" not in label.text() and "on this computer" in label.text(), timeout=5_000)


def test_missing_imagenet_weights_offer_a_choice(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # no resnet18 weights here
    window.dataPage.set_folder(str(write_flat(tmp_path / "train", 16)))
    window.archCombo.setCurrentIndex(window.archCombo.findData("resnet18"))
    window.trainPage.startCombo.set_start("imagenet-frozen")
    note = window.trainPage.startNote
    qtbot.waitUntil(lambda: window.preloader.is_done() and "45 MB" in note.text(), timeout=60_000)  # once torch is in
    assert "not here yet" in note.text()
    window.epochsSpin.setValue(1)
    qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    prompt = window.findChild(QMessageBox, "weightsPrompt")
    assert prompt is not None and prompt.isVisible() and "resnet18" in prompt.text()
    assert window.train_job is None  # nothing started behind the question
    with qtbot.waitSignal(window.trainingFinished, timeout=120_000) as finished:
        qtbot.mouseClick(prompt.findChild(QPushButton, "installedChoice"), Qt.MouseButton.LeftButton)
    meta = read_meta(Path(finished.args[0]))
    assert meta["arch"] == "efficientnet_lite0" and meta["start"] == "imagenet-frozen"
    assert meta["status"] == "finished"


def test_imagenet_classes_baseline_classifies_without_a_run(window, qtbot, tmp_path):
    combo = window.modelCombo
    i = combo.findData("imagenet:efficientnet_lite0")
    assert i >= 0 and "no training" in combo.itemText(i)
    combo.setCurrentIndex(i)
    write_test_folder(tmp_path / "test", [1, 2, 3])
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths([tmp_path / "test"])
    assert ready.args == [3]
    assert window.loaded_model.classes == ["cat", "dog"]


def test_a_closed_window_measures_nothing_more(window, qtbot, tmp_path, monkeypatch):
    """A memory job's result arriving after the close used to schedule a new estimate: the closed window
    then timed 224 px batches for seconds in the background."""
    import gui.pages.train.estimator

    started = []
    monkeypatch.setattr(gui.pages.train.estimator, "cached_rates", lambda *a, **k: None)
    monkeypatch.setattr(gui.pages.train.estimator, "EstimateJob", lambda *a: started.append(a))
    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)
    window.dataPage.set_folder(str(write_flat(tmp_path / "d", 4, size=32)))
    window._quitting = True
    window.close()
    window.estimator._memory_ready((("lenet", 32, 8, "scratch", "adamw", 12), "peak memory about 1 MB", False, "parts"))
    qtbot.wait(2 * window.estimator.timer.interval())
    assert not window.estimator.timer.isActive() and started == []
