"""The learning-rate range test (core.lr_find, ``catdog lr-find``): real tiny runs, and the rules on made-up curves."""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import pytest
from conftest import write_flat
from PIL import Image

from core.cli.parser import main
from core.lr_find import rules
from core.lr_find.range_test import LrStep, find_lr
from core.training.config import TrainConfig

TINY = ["--arch", "lenet", "--image-size", "32", "--batch-size", "8"]


@pytest.fixture
def data(tmp_path) -> Path:
    return write_flat(tmp_path / "data", 16)


def listing(root: Path) -> set[str]:
    """Every file and folder under ``root`` except the caches a run may fill (conftest's CATDOG_CACHE_DIR)."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if "pixel-cache" not in p.parts}


def test_json_suggests_a_tested_lr_and_leaves_no_file(data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the working folder, --out and DATA all lie under tmp_path
    before = listing(tmp_path)
    assert main(["lr-find", str(data), *TINY, "--steps", "40", "--json", "--out", str(tmp_path / "runs"),
                 "--name", "x", "--epochs", "3"]) == 0
    out = json.loads(capsys.readouterr().out)  # stdout is the JSON alone
    assert set(out) == {"suggested_lr", "rule", "lrs", "losses"}
    assert 2 <= len(out["lrs"]) == len(out["losses"]) <= 40
    assert min(out["lrs"]) <= out["suggested_lr"] <= max(out["lrs"])
    assert out["suggested_lr"] in out["lrs"]
    assert out["rule"] in (rules.VALLEY, rules.STEEPEST)
    assert all(math.isfinite(v) for v in out["losses"])
    assert out["lrs"] == sorted(out["lrs"]) and out["lrs"][0] == pytest.approx(1e-7)
    assert listing(tmp_path) == before  # no run folder, checkpoint, meta.json or plot anywhere


def test_text_output_and_plot(data, tmp_path, capsys):
    plot = tmp_path / "curve.png"
    assert main(["lr-find", str(data), *TINY, "--steps", "30", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "suggested lr" in out and "<- suggested" in out and "lenet from scratch" in out
    assert sum(" -> loss " in line for line in out.splitlines()) >= 5  # the text curve
    with Image.open(plot) as img:
        img.load()
        assert img.format == "PNG" and img.size[0] > 400
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_diverging_test_stops_early(data):
    cfg = TrainConfig(data=str(data), arch="lenet", image_size=32, batch_size=8, optimizer="sgd")
    result = find_lr(cfg, steps=100, start_lr=1e-2, end_lr=1e9)
    assert result.diverged and len(result.lrs) < 100
    assert all(math.isfinite(v) for v in result.losses)
    assert min(result.lrs) <= result.suggested_lr <= max(result.lrs)


def test_stop_flag_ends_the_test_without_a_suggestion(data):
    stop = threading.Event()
    seen: list[LrStep] = []

    def on_event(e) -> None:
        if isinstance(e, LrStep):
            seen.append(e)
            if e.step == 5:
                stop.set()
    cfg = TrainConfig(data=str(data), arch="lenet", image_size=32, batch_size=8)
    result = find_lr(cfg, steps=50, on_event=on_event, stop_event=stop)
    assert result.stopped and result.suggested_lr is None and len(result.lrs) == 5
    assert [e.step for e in seen] == [1, 2, 3, 4, 5] and seen[-1].lr == result.lrs[-1]


def test_frozen_start_tests_the_head_on_features(data):
    cfg = TrainConfig(data=str(data), arch="efficientnet_lite0", weights="imagenet", freeze=True, image_size=64,
                      batch_size=8)
    result = find_lr(cfg, steps=20)
    assert 2 <= len(result.lrs) <= 20 and min(result.lrs) <= result.suggested_lr <= max(result.lrs)


@pytest.mark.parametrize("argv, names", [
    (["--steps", "0"], "--steps"),
    (["--end-lr", "1e-9"], "--end-lr"),
    (["--start-lr", "-1"], "--start-lr"),
    (["--plot", "curve.txt"], "--plot"),
    (["--resume", "."], "--resume"),
    (["--arch", "nope"], "--arch"),
])
def test_bad_flags_are_one_line_exit_2(data, capsys, argv, names):
    with pytest.raises(SystemExit) as exc:  # argparse's own errors exit 2 themselves
        code = main(["lr-find", str(data), *TINY, *argv])
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert names in err[-1] and "Traceback" not in "".join(err)


def test_missing_folder_is_one_line_exit_2(tmp_path, capsys):
    assert main(["lr-find", str(tmp_path / "nowhere"), *TINY]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0]


def test_smoothing_is_bias_corrected():
    s = rules.Smoother()
    assert s.add(2.0) == pytest.approx(2.0)  # not 0.02: the first value is the loss itself
    assert s.add(2.0) == pytest.approx(2.0)
    assert rules.diverged(8.1, 2.0) and not rules.diverged(7.9, 2.0) and rules.diverged(math.nan, 2.0)


def test_valley_rule_on_a_known_curve():
    # flat at 1.0 (10 points), falling to 0.2 (20 points), then rising (10 points): the valley runs from the last
    # flat point (index 9) to the minimum (index 29); fastai's arithmetic: start 29 - 21 = 8, a third is 7,
    # 8 + 7 + 3 = 18
    losses = [1.0] * 10 + [1.0 - 0.8 * (k + 1) / 20 for k in range(20)] + [0.2 + 0.3 * (k + 1) for k in range(10)]
    lrs = [1e-7 * 10 ** (k / 5) for k in range(len(losses))]
    assert rules.valley_index(losses) == 18
    lr, rule, index = rules.suggest(lrs, losses, planned_steps=40)  # skips the first 4 and last 5 points
    assert (rule, index, lr) == (rules.VALLEY, 18, lrs[18])


def test_no_valley_falls_back_to_steepest_descent():
    losses = [1.0, 1.0, 1.0, 1.1, 1.2, 1.25, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8]  # never falls
    lrs = [10.0 ** (k - 7) for k in range(len(losses))]
    assert rules.valley_index(losses) is None
    lr, rule, index = rules.suggest(lrs, losses, planned_steps=len(losses))
    assert rule == rules.STEEPEST and lr == lrs[index] and min(lrs) <= lr <= max(lrs)
    assert rules.steepest_index([1, 10, 100, 1000], [1.0, 0.9, 0.2, 0.1]) == 1  # the drop 0.9 -> 0.2


def test_a_nearly_flat_curve_comes_with_a_caution():
    """resnet18 from scratch: 100 steps moved the loss 0.705 -> 0.685 and the 'valley' was noise at 18x below the
    lr that trains well; the suggestion must then say it means little. A real fall has no caution."""
    flat = [0.705 - 0.0002 * i for i in range(95)] + [0.8, 1.2, 2.0, 3.0, 5.0]
    falling = [0.70 * (1 - 0.006 * i) for i in range(95)] + [0.8, 1.2, 2.0, 3.0, 5.0]
    assert "hardly fell (0.705 -> 0.686, 3%)" in rules.caution(flat)
    assert rules.caution(falling) == ""


def test_the_form_value_is_what_the_box_holds_so_a_rounding_is_said():
    from PySide6.QtWidgets import QApplication, QDoubleSpinBox

    from gui.pages.train.lr_finder import clamp_to

    _app = QApplication.instance() or QApplication([])
    spin = QDoubleSpinBox()
    spin.setDecimals(5)
    spin.setRange(1e-5, 1.0)
    assert clamp_to(spin, 1.4e-5) == 1e-5 != 1.4e-5  # the dialog's note compares with this, not the raw value
    spin.setValue(clamp_to(spin, 2.34e-4))
    assert spin.value() == clamp_to(spin, 2.34e-4) == 0.00023


def test_a_fine_tune_start_tests_the_whole_network_not_the_head_alone(tmp_path):
    """A fine-tune trains its new head alone for the first epoch; the peak lr the test suggests governs the
    epochs after, where the backbone trains too (at its lr scale): the test must train both."""
    import torch

    from core.lr_find.range_test import _prepare, _sweep

    data = write_flat(tmp_path / "train", 12)
    cfg = TrainConfig(data=str(data), arch="efficientnet_lite0", weights="imagenet", image_size=64,
                      batch_size=8).validate()
    state, _ = _prepare(cfg, lambda e: None, threading.Event())
    before = {n: p.detach().clone() for n, p in state.model.named_parameters()}
    _sweep(state, 4, 1e-4, 1e-2, lambda e: None, threading.Event())
    changed = {n for n, p in state.model.named_parameters() if not torch.equal(p.detach(), before[n])}
    assert any(n.startswith("classifier") for n in changed)
    assert len([n for n in changed if not n.startswith("classifier")]) > 10
