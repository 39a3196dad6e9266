"""The engine learns, writes a proper run folder, stops, resumes, and fails cleanly."""

from __future__ import annotations

import csv
import json
import statistics
import threading

import numpy as np
import pytest
import torch
from conftest import write_flat
from safetensors.torch import load_file

from core.errors import InputError
from core.runs import layout
from core.runs.meta import read_meta
from core.training import events as ev
from core.training import loop
from core.training.batches import EpochBatches
from core.training.config import TrainConfig
from core.training.engine import Trainer, resume


def tiny_config(data, out, **kw) -> TrainConfig:
    base = dict(data=str(data), arch="lenet", epochs=4, batch_size=16, lr=3e-3, image_size=32, out=str(out),
                name="run", seed=0)
    base.update(kw)
    return TrainConfig(**base)


def test_small_model_learns_synthetic_task(tmp_path, flat_data):
    events = []
    result = Trainer(tiny_config(flat_data, tmp_path / "w", epochs=6), events.append).run()
    assert not result.stopped
    assert result.best_val_acc > 0.9
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("EpochEnd") == 6 and kinds[-1] == "Finished"
    started = next(e for e in events if isinstance(e, ev.RunStarted))
    assert started.num_train == 64 and started.num_val == 16 and started.steps_per_epoch == 4
    assert any(isinstance(e, ev.BatchEnd) for e in events)


def test_a_run_teaches_the_time_estimate_its_real_speed(tmp_path, flat_data):
    """A few batches timed on a busy computer said 1 image/s; the run's own epochs replace that."""
    from core.planning import duration as estimate

    key = estimate.rates_key("lenet", 32, 16, "cpu", "auto", True)
    estimate.remember_rates(key, estimate.Rates(1.0, 2.0))
    assert estimate.cached_rates("lenet", 32, 16, train=True, device="cpu") == estimate.Rates(1.0, 2.0)
    Trainer(tiny_config(flat_data, tmp_path / "w", epochs=3, device="cpu")).run()
    with open(tmp_path / "w" / "run" / "metrics.csv", newline="") as f:
        trained = [float(row["images_per_s"]) for row in csv.DictReader(f)]
    learned = estimate.cached_rates("lenet", 32, 16, train=True, device="cpu")
    assert learned.train_images_per_s == pytest.approx(statistics.median(trained[1:]), rel=1e-4)  # csv: 6 digits
    assert learned.predict_images_per_s > 2.0  # 16 validation photos take milliseconds, not 8 s
    assert estimate.cached_rates("lenet", 32, 32, train=True, device="cpu") is None  # another batch: not this run's


def test_run_folder_contents(tmp_path, flat_data):
    (flat_data / "dog.999.jpg").write_text("not a photo")
    Trainer(tiny_config(flat_data, tmp_path / "w", epochs=2)).run()
    run = tmp_path / "w" / "run"
    assert sorted(p.name for p in run.iterdir()) == ["last.ckpt", "meta.json", "metrics.csv", "model.safetensors"]
    meta = json.loads((run / "meta.json").read_text())
    assert meta["arch"] == "lenet" and meta["classes"] == ["cat", "dog"] and meta["image_size"] == 32
    assert meta["normalization"]["mean"] == [0.485, 0.456, 0.406]
    assert meta["config"]["epochs"] == 2 and meta["status"] == "finished"
    assert len(meta["metrics"]) == 2 and meta["best_epoch"] in (1, 2)
    assert {"torch", "torchvision", "safetensors"} <= set(meta["versions"])
    assert meta["skipped"] == [{"file": str(flat_data / "dog.999.jpg"), "reason": "not an image (unknown or damaged format)"}]
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert list(rows[0]) == layout.METRIC_FIELDS and [r["epoch"] for r in rows] == ["1", "2"]
    weights = load_file(str(run / "model.safetensors"))
    assert weights["fc3.weight"].shape == (2, 64)
    ckpt = torch.load(run / "last.ckpt", weights_only=True)
    assert ckpt["epoch"] == 2 and ckpt["config"]["arch"] == "lenet"


def _stop_at(global_step: int, trainer_holder: list):
    def on_event(e):
        if isinstance(e, ev.BatchEnd) and e.global_step >= global_step:
            trainer_holder[0].stop()
    return on_event


def test_stop_mid_epoch_then_resume_matches_uninterrupted(tmp_path, flat_data, monkeypatch):
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)  # report every batch, so we stop at an exact one
    full = Trainer(tiny_config(flat_data, tmp_path / "a", epochs=3)).run()
    full_meta = read_meta(tmp_path / "a" / "run")

    holder: list = []
    trainer = Trainer(tiny_config(flat_data, tmp_path / "b", epochs=3), _stop_at(6, holder))
    holder.append(trainer)
    stopped = trainer.run()
    assert stopped.stopped
    run = tmp_path / "b" / "run"
    meta = read_meta(run)
    assert meta["status"] == "stopped" and meta["epochs_done"] == 1
    ckpt = torch.load(run / "last.ckpt", weights_only=True)
    assert ckpt["epoch"] == 1 and ckpt["epoch_state"]["step"] == 2  # epoch 2, two of four batches done

    resumed = resume(run)
    assert not resumed.stopped
    meta = read_meta(run)
    assert meta["status"] == "finished" and meta["resumed"] == 1
    assert [m["epoch"] for m in meta["metrics"]] == [1, 2, 3]
    for got, want in zip(meta["metrics"], full_meta["metrics"]):
        assert got["val_acc"] == pytest.approx(want["val_acc"], abs=0.07)
        assert got["train_loss"] == pytest.approx(want["train_loss"], rel=0.05, abs=0.02)
    assert resumed.best_epoch == full.best_epoch


def test_resume_finished_run_is_an_input_error(tmp_path, flat_data):
    Trainer(tiny_config(flat_data, tmp_path / "w", epochs=1)).run()
    with pytest.raises(InputError, match="already finished all 1 epochs"):
        resume(tmp_path / "w" / "run")


def test_failure_is_reported_and_recorded(tmp_path, flat_data, monkeypatch):
    events = []

    def boom(*a, **k):
        raise RuntimeError("simulated crash in the middle of an epoch")

    monkeypatch.setattr(loop, "train_step", boom)
    with pytest.raises(RuntimeError):
        Trainer(tiny_config(flat_data, tmp_path / "w"), events.append).run()
    failed = [e for e in events if isinstance(e, ev.Failed)]
    assert failed and "simulated crash" in failed[0].message
    meta = read_meta(tmp_path / "w" / "run")
    assert meta["status"] == "failed" and "simulated crash" in meta["error"]


def test_stop_flag_during_decoding_ends_quietly(tmp_path):
    data = write_flat(tmp_path / "d", 80)
    stop = threading.Event()
    stop.set()
    result = Trainer(tiny_config(data, tmp_path / "w"), None, stop).run()
    assert result.stopped and result.run_dir == ""


def test_config_validation_names_the_flag():
    with pytest.raises(InputError, match="--arch nope"):
        TrainConfig(data="x", arch="nope").validate()
    with pytest.raises(InputError, match="--weights imagenet: lenet"):
        TrainConfig(data="x", arch="lenet", weights="imagenet").validate()


def test_prefetched_batches_equal_inline_batches():
    """The helper thread used on GPUs must hand out exactly the batches made in line on a CPU."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (20, 37, 37, 3), dtype=np.uint8)
    labels = rng.integers(0, 2, 20).astype(np.int64)
    args = dict(seed=3, epoch=1, batch_size=6, image_size=32, device=torch.device("cpu"))
    inline = list(EpochBatches(pixels, labels, np.arange(20), prefetch=False, **args).iterate(1, 4))
    ahead = list(EpochBatches(pixels, labels, np.arange(20), prefetch=True, **args).iterate(1, 4))
    assert len(inline) == len(ahead) == 3
    for (i1, x1, y1), (i2, x2, y2) in zip(inline, ahead):
        assert np.array_equal(i1, i2) and torch.equal(x1, x2) and torch.equal(y1, y2)
    assert len(inline[-1][0]) == 2  # the last step holds the remainder of 20 = 3 * 6 + 2


def test_best_epoch_is_the_most_accurate_then_the_lowest_loss():
    from core.training.loop import improves

    assert improves(0.9, 0.5, {"epoch": None, "val_acc": None})
    best = {"epoch": 3, "val_acc": 0.99, "val_loss": 0.08}
    assert improves(0.995, 0.2, best)  # more accurate wins, whatever its loss
    assert not improves(0.98, 0.01, best)  # less accurate loses, whatever its loss
    assert improves(0.99, 0.07, best) and not improves(0.99, 0.08, best)  # a tie: only a lower loss wins
    assert improves(0.99, 0.5, {"epoch": 3, "val_acc": 0.99})  # a checkpoint from before losses were kept
