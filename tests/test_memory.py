"""Peak training memory, simulated on fake tensors: its parts add up, it is cached, CLI and window show it.

scripts/check_memory.py compares it with real training steps (peak RSS); here the checks
are the exact ones: the optimizer's state, the weights, linear growth with the batch.
"""

from __future__ import annotations

import json

import pytest
from conftest import write_flat

from core.cli.parser import main as cli_main
from core.data.augment import cache_side
from core.models.catalog import arch_info
from core.models.meta import on_meta
from core.models.registry import build_model
from core.planning import memory, run_memory
from core.planning.duration import Rates
from core.utils import ram

GB = 1 << 30


def test_the_optimizers_state_is_counted_exactly():
    adamw = memory.simulate("residual_mini", 4, 32, "fp32", optimizer="adamw")
    sgd = memory.simulate("residual_mini", 4, 32, "fp32", optimizer="sgd")
    params = arch_info("residual_mini")["params"]
    assert adamw.weights_bytes == sgd.weights_bytes == 4 * params  # no buffers in the note's net
    # AdamW keeps two float32 tensors per parameter tensor (and a float32 step counter), SGD one momentum buffer
    with on_meta():
        n_tensors = len(list(build_model("residual_mini", 2).parameters()))
    assert 4 * params <= adamw.peak_bytes - sgd.peak_bytes <= 4 * params + 4 * n_tensors
    assert sgd.peak_bytes >= 3 * sgd.weights_bytes  # weights, gradients, momentum


def test_peak_grows_linearly_with_the_batch_and_halves_with_16_bit():
    a, b, c = (memory.simulate("residual_mini", n, 64, "fp32") for n in (4, 8, 16))
    assert (c.peak_bytes - b.peak_bytes) == pytest.approx(2 * (b.peak_bytes - a.peak_bytes), rel=0.02)
    assert c.peak_bytes - c.weights_bytes > 8 * c.weights_bytes  # activations, not weights, dominate here
    half = memory.simulate("residual_mini", 16, 64, "bf16")
    assert half.peak_bytes - half.weights_bytes < 0.7 * (c.peak_bytes - c.weights_bytes)  # 2-byte activations


def test_a_frozen_start_needs_far_less_than_training():
    frozen = memory.simulate("resnet18", 32, 64, "fp32", start="imagenet-frozen")
    train = memory.simulate("resnet18", 32, 64, "fp32")
    assert frozen.weights_bytes < frozen.peak_bytes < train.peak_bytes / 2


def test_estimates_are_cached_on_disk(monkeypatch):
    first = memory.estimate("residual_mini", 8, 32)
    stored = json.loads(memory.SIMULATED.path.read_text())
    assert first.key in stored and "timm" in first.key  # timm builds the EfficientNets: its version counts
    monkeypatch.setattr(memory, "simulate", lambda *a, **k: pytest.fail("simulated again"))
    assert memory.estimate("residual_mini", 8, 32) == first


def test_simulation_can_be_stopped():
    with pytest.raises(memory.Stopped):
        memory.simulate("resnet18", 2, 32, should_stop=lambda: True)


def test_describe_warns_when_the_run_will_not_fit():
    mem = run_memory.RunMemory(process=GB, model=GB, photos=GB // 2, reading=GB // 2, photos_what="features of 9 photos")
    text, too_big = run_memory.describe(mem, 8 * GB)
    assert (text, too_big) == ("peak memory about 3.0 GB of 9.0 GB RAM available (PyTorch 1.0 GB, model 1.0 GB, "
                               "features of 9 photos 512 MB, reading the photos 512 MB)", False)
    text, too_big = run_memory.describe(mem, GB)  # the process holds its own GB already: 2 GB more will not fit
    assert too_big and "more than this computer has" in text and "batch size" in text
    gpu = run_memory.RunMemory(GB, 3 * GB, GB, 0, "pixels of 9 photos in RAM", device_type="cuda")
    text, too_big = run_memory.describe(gpu, 8 * GB, "RAM", gpu_free=2 * GB)
    assert too_big and "on the GPU about 3.0 GB of 2.0 GB free" in text and text.startswith("peak memory about 2.0 GB")
    assert ram.available_ram() > 0


def test_a_frozen_run_holds_features_and_never_pixels_the_others_pixels_where_they_fit():
    frozen = run_memory.plan("resnet18", 32, 64, 25_000, start="imagenet-frozen", process=0)
    assert frozen.photos == 25_000 * 2 * 512 * 4 and frozen.photos_what == "features of 25,000 photos"
    assert 25_000 * run_memory.PER_PHOTO_BYTES < frozen.reading < 200 << 20
    side = cache_side(64)
    fits = run_memory.plan("resnet18", 32, 64, 25_000, process=0, budget_bytes=1 << 40)
    assert fits.photos == 25_000 * side * side * 3 and fits.photos_what.endswith("in RAM")
    spills = run_memory.plan("resnet18", 32, 64, 25_000, process=0, budget_bytes=1 << 20)
    assert spills.photos == 0 and spills.photos_what.endswith("on disk")
    assert fits.model == spills.model > frozen.model  # a training step (gradients, optimizer) against a forward
    assert run_memory.plan("resnet18", 32, 64, 10).process > 100 << 20  # this process, measured


def test_cli_train_says_the_peak_memory_before_training(tmp_path, capsys, monkeypatch):
    data = write_flat(tmp_path / "train", 6)
    args = ["train", str(data), "--arch", "residual_mini", "--epochs", "1", "--image-size", "32", "--batch-size", "4",
            "--out", str(tmp_path / "w")]
    assert cli_main(args) == 0
    out = capsys.readouterr()
    assert "peak memory about" in out.out and "RAM available" in out.out
    assert out.out.index("peak memory") < out.out.index("epoch   1/1")
    monkeypatch.setattr(ram, "available_ram", lambda: 1024)
    assert cli_main(args + ["--name", "tight"]) == 0  # a warning, not a refusal
    assert "warning: peak memory about" in capsys.readouterr().err


def test_window_shows_memory_and_warns_when_it_will_not_fit(qtbot, tmp_path, monkeypatch):
    from gui.main_window import MainWindow

    monkeypatch.setattr("gui.pages.train.estimator.cached_rates", lambda *a, **k: Rates(100.0, 200.0))  # no speed test here
    window = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(window)
    window.dataPage.set_folder(str(write_flat(tmp_path / "train", 6)))
    window.archCombo.setCurrentIndex(window.archCombo.findData("residual_mini"))
    window.imageSizeSpin.setValue(64)
    label = window.trainPage.estimateLabel
    qtbot.waitUntil(lambda: "peak memory about" in label.text(), timeout=30_000)
    assert "⚠" not in label.text().split("\n")[-1]
    monkeypatch.setattr(ram, "available_ram", lambda: 1024)
    window.batchSizeSpin.setValue(64)
    qtbot.waitUntil(lambda: "more than this computer has" in label.text(), timeout=30_000)
    assert "this window (PyTorch loaded)" in label.toolTip() and "pixels of 12 photos in RAM" in label.toolTip()
    from gui.widgets.colors import tone

    assert "⚠" in label.text() and tone("error") in label.styleSheet()
    window.close()


def test_a_simulation_for_settings_left_behind_is_stopped(qtbot, tmp_path, monkeypatch):
    """Choosing another architecture while one is simulated stops that one: the window shows the new one's."""
    import time

    from gui.main_window import MainWindow

    monkeypatch.setattr("gui.pages.train.estimator.cached_rates", lambda *a, **k: Rates(100.0, 200.0))  # no speed test here
    stopped, real = [], memory.simulate

    def slow_for_efficientnet(arch, batch_size, image_size, precision="fp32", start="scratch", optimizer="adamw",
                              should_stop=None):
        while arch.startswith("efficientnet"):  # as long as a big net takes on a slow laptop, or longer
            if should_stop is not None and should_stop():
                stopped.append(arch)
                raise memory.Stopped
            time.sleep(0.01)
        return real(arch, batch_size, image_size, precision, start, optimizer, should_stop)

    monkeypatch.setattr(memory, "simulate", slow_for_efficientnet)
    window = MainWindow(weights_dir=tmp_path / "weights")  # its default is efficientnet_lite0
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.estimator.memory_job is not None and window.estimator.memory_job.is_running(),
                    timeout=30_000)
    window.archCombo.setCurrentIndex(window.archCombo.findData("residual_mini"))
    label = window.trainPage.estimateLabel
    qtbot.waitUntil(lambda: "peak memory about" in label.text(), timeout=30_000)
    assert stopped == ["efficientnet_lite0"] and window.estimator.memory_job.settings[0] == "residual_mini"
    qtbot.waitUntil(window.preloader.is_done, timeout=60_000)  # no import left running when pytest exits
    window.close()
