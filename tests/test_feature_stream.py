"""Frozen starts stream photos through the backbone and keep only pooled features, cached on disk per
backbone and photo; runs that train the network say where their pixels go."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from conftest import write_flat

from core.cli.parser import main as cli_main
from core.data import cache as pixel_cache
from core.data.feature_store import FeatureStore, photo_key
from core.models.registry import get_arch
from core.training import events as ev
from core.training import features
from core.training.config import TrainConfig
from core.training.engine import Trainer
from core.training.features import store_for, stream_features

CPU = torch.device("cpu")


def small_net():
    return get_arch("residual_mini").build(2, weights="none").eval()


def stream(model, paths, store, **kw):
    return stream_features(model, paths, image_size=32, device=CPU, precision="fp32", mean=(0.5,) * 3,
                           std=(0.5,) * 3, store=store, **kw)


def counting(model) -> dict:
    calls = {"n": 0}
    model.register_forward_hook(lambda *_: calls.__setitem__("n", calls["n"] + 1))
    return calls


def test_features_are_computed_once_then_read_from_the_disk_cache(tmp_path):
    paths = sorted(write_flat(tmp_path / "d", 10).iterdir())
    good_bytes = paths[0].read_bytes()
    bad = tmp_path / "d" / "cat.99.jpg"
    bad.write_bytes(b"x" * len(good_bytes))  # unreadable now; fixed later with the same size and time
    paths.append(bad)
    store, model = FeatureStore(tmp_path / "cache" / "mini"), small_net()
    calls, said = counting(model), []
    first = stream(model, paths, store, say=said.append)
    assert calls["n"] == 3 and not said  # 21 photos in batches of 8 (each with its mirror), nothing cached yet
    assert first.feats.shape[:2] == (21, 2) and first.reused == 0
    assert first.ok.tolist() == [True] * 20 + [False] and first.failures[0][0] == paths[-1]
    assert "not an image" in first.failures[0][1]
    assert not torch.equal(first.feats[0, 0], first.feats[0, 1])  # each photo as is and mirrored

    again = stream(model, paths, store, say=said.append)
    assert calls["n"] == 3 and again.reused == 20  # no forward at all; the unreadable photo is tried again
    assert torch.equal(again.feats, first.feats) and again.failures == first.failures
    assert said == [f"Reusing the cached features of 20 of 21 photos ({store.folder}); computing 1"]

    stamp = bad.stat().st_mtime_ns  # what failed once (a permission, a drive) is never remembered as failing
    bad.write_bytes(good_bytes)
    os.utime(bad, ns=(stamp, stamp))
    fixed = stream(model, paths, store)
    assert calls["n"] == 4 and fixed.ok.all() and torch.equal(fixed.feats[20], first.feats[0])

    edited = paths[3]  # a photo changed on disk: computed again, alone
    os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 10**9))
    said.clear()
    third = stream(model, paths, store, say=said.append)
    assert calls["n"] == 5 and said[0].endswith(f"20 of 21 photos ({store.folder}); computing 1")
    assert third.reused == 20 and torch.equal(third.feats[:20], first.feats[:20])


def test_a_stopped_extraction_keeps_what_it_computed(tmp_path, monkeypatch):
    paths = sorted(write_flat(tmp_path / "d", 12).iterdir())
    store, model = FeatureStore(tmp_path / "cache" / "mini"), small_net()
    monkeypatch.setattr(features, "SAVE_EVERY", 8)
    monkeypatch.setattr(features, "DECODE_CHUNK", 8)
    seen = []
    with pytest.raises(InterruptedError):
        stream(model, paths, store, progress=lambda d, t: seen.append(d), should_stop=lambda: len(seen) >= 3)
    assert seen == [0, 8, 16]  # stopped before the third batch: two batches computed and kept
    calls = counting(model)
    rest = stream(model, paths, store)
    assert calls["n"] == 1 and rest.reused == 16 and rest.ok.all()


def test_the_cache_stays_under_its_cap_dropping_what_was_used_longest_ago(tmp_path):
    root = tmp_path / "features"
    a, b = FeatureStore(root / "a", cap=10_000), FeatureStore(root / "b", cap=10_000)
    a.add(["k1"], np.ones((1, 2, 500), np.float32))  # 4 KB
    old = next((root / "a").glob("*.npy"))
    os.utime(old, (1, 1))
    b.add(["k2"], np.ones((1, 2, 500), np.float32))
    b.add(["k3"], np.ones((1, 2, 500), np.float32))  # 12 KB in all: the oldest chunk goes
    assert not old.exists() and not list((root / "a").glob("*.json"))
    assert a.load(["k1"], lambda d: np.zeros((1, 2, d), np.float32)) == set()
    out = np.zeros((2, 2, 500), np.float32)
    filled = b.load(["k3", "k2"], lambda d: out)
    assert filled == {0, 1} and out.min() == 1


def test_a_photo_is_known_by_its_path_size_and_time_not_by_its_content(tmp_path):
    photo = write_flat(tmp_path / "d", 1) / "cat.0.jpg"
    link = tmp_path / "link.jpg"
    link.symlink_to(photo)
    assert photo_key(photo) != photo_key(link)  # two links to one file: two photos (a benchmark's folder of links)
    before = photo_key(photo)
    photo.write_bytes(photo.read_bytes() + b"\0")
    assert photo_key(photo) != before


def test_a_frozen_run_never_decodes_a_pixel_cache_and_a_second_run_starts_from_the_cached_features(
        tmp_path, monkeypatch, capsys):
    data = write_flat(tmp_path / "d", 10)
    monkeypatch.setattr(pixel_cache, "build_cache", lambda *a, **k: pytest.fail("a frozen run decoded pixels"))
    args = ["train", str(data), "--arch", "efficientnet_lite0", "--weights", "imagenet", "--freeze", "--epochs", "2",
            "--image-size", "64", "--batch-size", "8", "--precision", "fp32", "--out", str(tmp_path / "w")]
    assert cli_main([*args, "--name", "one"]) == 0
    first = capsys.readouterr().out
    assert "features of 20 photos" in first.splitlines()[0] and "Reusing" not in first
    assert cli_main([*args, "--name", "two", "--seed", "3"]) == 0
    second = capsys.readouterr().out
    store = store_for("efficientnet_lite0", 64, CPU, "fp32")
    assert f"Reusing the cached features of 20 of 20 photos ({store.folder})" in second
    assert "Computing ImageNet features: 20 done" in second


def test_a_run_that_trains_the_network_says_where_its_pixels_go(tmp_path, monkeypatch):
    data = write_flat(tmp_path / "d", 6)
    said = []

    def run(name, **kw):
        cfg = TrainConfig(data=str(data), arch="lenet", image_size=32, epochs=1, batch_size=4, precision="fp32",
                          out=str(tmp_path / "w"), name=name, **kw)
        Trainer(cfg, lambda e: said.append(e.message) if isinstance(e, ev.Preparing) and not e.total else None).run()
        return [m for m in said if m.startswith("Pixels")][-1]

    assert run("ram").startswith("Pixels in RAM: 12 photos at 37 px take 48.1 KB (they may use up to ")
    assert run("disk", cache_mb=0).startswith("Pixels on disk: 12 photos at 37 px take 48.1 KB, more than the 0 B")
    monkeypatch.setenv("CATDOG_CACHE_DIR", str(data / "cat.0.jpg"))  # a file: no cache folder can be made there
    assert run("fly", cache_mb=0).startswith("Pixels decoded on the fly by")


def test_processes_on_one_machine_share_the_pixel_budget(monkeypatch):
    """Each torchrun process measured the free RAM before any had decoded: together they could take N/2 of it."""
    monkeypatch.setattr(pixel_cache, "available_ram", lambda: 8 << 30)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    assert pixel_cache.default_budget_bytes() == 4 << 30
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    assert pixel_cache.default_budget_bytes() == 1 << 30
