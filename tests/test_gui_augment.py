"""The Train page's augmentation choice: augmentCombo, mixupSpin, cutmixSpin and the preview that follows them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from conftest import write_flat
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox
from window_actions import configure_tiny_run

from core.data.augment import augment_batch, cache_side
from core.data.decode import decode_square
from core.runs.meta import read_meta
from gui.main_window import MainWindow

WAIT_MS = 60_000


def _controls(window) -> tuple[QComboBox, QDoubleSpinBox, QDoubleSpinBox]:
    return (window.findChild(QComboBox, "augmentCombo"), window.findChild(QDoubleSpinBox, "mixupSpin"),
            window.findChild(QDoubleSpinBox, "cutmixSpin"))


def test_the_augment_combo_sets_the_config_of_the_run_it_starts(window, qtbot, tmp_path):
    combo, mixup, cutmix = _controls(window)
    configure_tiny_run(window, write_flat(tmp_path / "train", 16), epochs=1)
    assert [combo.itemData(i) for i in range(combo.count())] == ["none", "basic", "trivial", "randaugment"]
    assert combo.currentData() == "basic" and mixup.value() == 0 and cutmix.value() == 0  # today's run
    assert "TrivialAugmentWide" in combo.itemData(2, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(combo.findData("trivial"))
    mixup.setValue(0.2)
    with qtbot.waitSignal(window.trainingFinished, timeout=120_000) as finished:
        qtbot.mouseClick(window.trainButton, Qt.MouseButton.LeftButton)
    config = read_meta(Path(finished.args[0]))["config"]
    assert (config["augment"], config["mixup"], config["cutmix"]) == ("trivial", 0.2, 0.0)


def test_a_frozen_start_turns_the_choice_off_and_says_why(window):
    combo, mixup, cutmix = _controls(window)
    page = window.trainPage
    page.set_arch("efficientnet_lite0")
    page.set_start("scratch")
    combo.setCurrentIndex(combo.findData("randaugment"))
    cutmix.setValue(1.0)
    assert combo.isEnabled() and page.config("d", 0.2, "w").augment == "randaugment"
    page.set_start("imagenet-frozen")
    assert not combo.isEnabled() and not mixup.isEnabled() and not cutmix.isEnabled()
    assert "frozen backbone" in combo.toolTip() and "frozen backbone" in cutmix.toolTip()
    cfg = page.config("d", 0.2, "w")
    assert (cfg.augment, cfg.mixup, cfg.cutmix) == ("basic", 0.0, 0.0)  # what a frozen run accepts
    page.set_start("scratch")
    assert combo.isEnabled() and page.config("d", 0.2, "w").cutmix == 1.0


def test_the_preview_shows_what_the_chosen_policy_draws(window, qtbot, tmp_path):
    combo, mixup, _ = _controls(window)
    data = write_flat(tmp_path / "train", per_class=3, size=80)
    preview = window.trainPage.augPreview
    configure_tiny_run(window, data)
    window.imageSizeSpin.setValue(48)
    window.tabs.setCurrentWidget(window.trainPage)
    qtbot.waitUntil(lambda: bool(preview.views) and preview.views[0].pixels.shape == (48, 48, 3), timeout=WAIT_MS)
    basic = [v.pixels.copy() for v in preview.views]

    combo.setCurrentIndex(combo.findData("trivial"))
    qtbot.waitUntil(lambda: "TrivialAugmentWide" in preview.caption.text(), timeout=WAIT_MS)  # with its views
    path, n = preview.paths[preview.index], len(preview.views)
    square = torch.from_numpy(decode_square(path, cache_side(48)).copy())[None].expand(n, -1, -1, -1)
    want = augment_batch(square, 48, torch.Generator().manual_seed(preview.seed), "trivial")
    assert all(np.array_equal(v.pixels, w.permute(1, 2, 0).numpy()) for v, w in zip(preview.views, want))
    assert any(not np.array_equal(a, v.pixels) for a, v in zip(basic, preview.views))

    mixup.setValue(0.2)
    qtbot.waitUntil(lambda: "MixUp blends" in preview.caption.text(), timeout=WAIT_MS)

    combo.setCurrentIndex(combo.findData("none"))
    qtbot.waitUntil(lambda: [v.caption for v in preview.views] == ["centre"], timeout=WAIT_MS)
    assert not preview.refreshButton.isEnabled()  # nothing random to redraw


def test_the_choice_is_remembered_between_sessions(qtbot, tmp_path):
    w = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(w)
    w.trainPage.set_arch("lenet")
    combo, mixup, cutmix = _controls(w)
    combo.setCurrentIndex(combo.findData("randaugment"))
    cutmix.setValue(1.0)
    w.close()
    again = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(again)
    combo, mixup, cutmix = _controls(again)
    assert combo.currentData() == "randaugment" and cutmix.value() == 1.0 and mixup.value() == 0


def test_a_resumed_run_shows_its_own_choice_and_old_runs_show_basic(qtbot):
    from gui.pages.train.form import TrainForm

    form = TrainForm()
    qtbot.addWidget(form)
    form.show_run_settings({"arch": "lenet", "image_size": 32, "config": {"augment": "randaugment", "mixup": 0.2}})
    assert (form.augmentCombo.currentData(), form.mixupSpin.value(), form.cutmixSpin.value()) == ("randaugment", 0.2, 0)
    form.show_run_settings({"arch": "lenet", "image_size": 32, "config": {"epochs": 3}})  # before --augment existed
    assert (form.augmentCombo.currentData(), form.mixupSpin.value()) == ("basic", 0)
