"""Run folders survive ordinary use: changed data, kill -9, corrupt files, two trainings, Ctrl-C, a full disk."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import write_flat

from core.cli.parser import main as cli_main
from core.data import cache as pixel_cache
from core.errors import InputError
from core.runs import store
from core.runs.meta import read_meta
from core.training import loop
from core.training.config import TrainConfig
from core.training.engine import Trainer, resume


def tiny(data, out, **kw) -> TrainConfig:
    base = dict(data=str(data), arch="lenet", epochs=3, batch_size=16, lr=3e-3, image_size=32, out=str(out),
                name="run", seed=0)
    base.update(kw)
    return TrainConfig(**base)


def _stopped_run(tmp_path, monkeypatch, data, at_step: int = 3) -> Path:
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)
    holder: list = []

    def on_event(e):
        if type(e).__name__ == "BatchEnd" and e.global_step >= at_step:
            holder[0].stop()

    trainer = Trainer(tiny(data, tmp_path / "w"), on_event)
    holder.append(trainer)
    assert trainer.run().stopped
    return tmp_path / "w" / "run"


def test_resume_equals_an_uninterrupted_run_exactly(tmp_path, flat_data, monkeypatch):
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)  # the same folding of running sums in both runs
    Trainer(tiny(flat_data, tmp_path / "a")).run()
    run = _stopped_run(tmp_path, monkeypatch, flat_data, at_step=6)
    resume(run)
    want, got = read_meta(tmp_path / "a" / "run"), read_meta(run)
    for a, b in zip(want["metrics"], got["metrics"], strict=True):
        for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
            assert a[key] == b[key], (a["epoch"], key)
    wa, wb = store.load_weights(tmp_path / "a" / "run"), store.load_weights(run)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_resume_after_photos_were_added_continues_on_the_recorded_split(tmp_path, flat_data, monkeypatch):
    run = _stopped_run(tmp_path, monkeypatch, flat_data)
    write_flat(tmp_path / "more", 5, seed=9)
    for p in (tmp_path / "more").iterdir():
        p.rename(flat_data / p.name.replace(".", ".9", 1))  # cat.90.jpg ... new names
    notes = []
    resume(run, lambda e: notes.append(getattr(e, "message", "")))
    assert any("changed since this run started" in n and "recorded" in n for n in notes)
    meta = read_meta(run)
    assert meta["status"] == "finished" and meta["data"]["train_images"] == 64  # the recorded 64, not 72


def test_resume_after_photos_were_removed_refuses_and_keeps_the_run(tmp_path, flat_data, monkeypatch):
    run = _stopped_run(tmp_path, monkeypatch, flat_data)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    (flat_data / "cat.3.jpg").unlink()
    with pytest.raises(InputError, match=r"photos are gone from .*cat\.3\.jpg"):
        resume(run)
    after = {p.name: p.read_bytes() for p in run.iterdir() if p.name != ".lock"}
    assert after == before and not (run / ".lock").exists()


def test_stale_temporary_files_are_removed_on_resume(tmp_path, flat_data, monkeypatch):
    run = _stopped_run(tmp_path, monkeypatch, flat_data)
    (run / ".last.ckpt.abc123.tmp").write_bytes(b"half a checkpoint")
    resume(run)
    assert not list(run.glob(".*.tmp"))


@pytest.mark.parametrize("damage,expected", [
    (lambda run: (run / "meta.json").write_text("{not json"), "meta.json"),
    (lambda run: (run / "last.ckpt").write_bytes((run / "last.ckpt").read_bytes()[:500]), "last.ckpt"),
    (lambda run: torch.save({"model": {}}, run / "last.ckpt"), "has no optimizer"),
])
def test_a_damaged_run_folder_is_one_line_naming_the_file(tmp_path, flat_data, monkeypatch, capsys, damage, expected):
    run = _stopped_run(tmp_path, monkeypatch, flat_data)
    damage(run)
    assert cli_main(["train", "--resume", str(run)]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and len(err.splitlines()) == 1 and "weights_only=False" not in err


def test_damaged_weights_are_named_by_predict_and_by_resume_of_a_finished_run(tmp_path, flat_data, capsys):
    Trainer(tiny(flat_data, tmp_path / "w", epochs=1)).run()
    run = tmp_path / "w" / "run"
    (run / "model.safetensors").write_bytes(b"\x00" * 10)
    assert cli_main(["predict", str(run), str(flat_data / "cat.1.jpg")]) == 2
    assert "model.safetensors" in capsys.readouterr().err
    assert cli_main(["train", "--resume", str(run)]) == 2
    err = capsys.readouterr().err
    assert "model.safetensors" in err and "already finished" not in err


def test_finished_run_says_how_to_train_more_and_epochs_extends_it(tmp_path, flat_data, capsys):
    Trainer(tiny(flat_data, tmp_path / "w", epochs=2)).run()
    run = tmp_path / "w" / "run"
    assert cli_main(["train", "--resume", str(run)]) == 2
    assert f"--resume {run} --epochs 7" in capsys.readouterr().err
    assert cli_main(["train", "--resume", str(run), "--epochs", "4"]) == 0
    meta = read_meta(run)
    assert [m["epoch"] for m in meta["metrics"]] == [1, 2, 3, 4] and meta["status"] == "finished"
    assert meta["config"]["epochs"] == 4 and meta["config"]["schedule_from_epoch"] == 2
    assert meta["metrics"][2]["lr"] > meta["metrics"][1]["lr"]  # a new schedule for the added epochs
    assert cli_main(["train", "--resume", str(run), "--epochs", "3"]) == 2
    assert "already trained 4" in capsys.readouterr().err


def test_resume_refuses_flags_that_contradict_the_run(tmp_path, flat_data, monkeypatch, capsys):
    run = _stopped_run(tmp_path, monkeypatch, flat_data)
    assert cli_main(["train", "--resume", str(run), "--arch", "resnet18"]) == 2
    assert "--arch resnet18: this run was trained with lenet" in capsys.readouterr().err
    assert cli_main(["train", "--resume", str(run), "--image-size", "32", "--batch-size", "16"]) == 0  # agree


def test_two_trainings_cannot_share_a_run_folder(tmp_path, flat_data, monkeypatch):
    run = _stopped_run(tmp_path, monkeypatch, flat_data)
    # another live process trains it (here: pytest's parent process)
    (run / ".lock").write_text(json.dumps({"pid": os.getppid(), "host": os.uname().nodename}))
    with pytest.raises(InputError, match="being trained by another process"):
        resume(run)
    (run / ".lock").write_text(json.dumps({"pid": 2**22 + 12345, "host": os.uname().nodename}))  # dead pid
    assert not resume(run).stopped  # a stale lock is taken over
    assert not (run / ".lock").exists()


def test_ctrl_c_stops_saves_and_says_how_to_resume(tmp_path):
    data = write_flat(tmp_path / "d", 40)
    cmd = [sys.executable, "-m", "core.cli", "train", str(data), "--arch", "lenet", "--image-size", "32",
           "--epochs", "500", "--out", str(tmp_path / "w"), "--name", "r"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=Path(__file__).parents[1], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("epoch   2/500"):
            proc.send_signal(signal.SIGINT)
            break
    out = "".join(lines) + proc.stdout.read()
    assert proc.wait(60) == 130
    meta = read_meta(tmp_path / "w" / "r")
    assert meta["status"] == "stopped" and meta["epochs_done"] >= 2
    assert f"catdog train --resume {tmp_path / 'w' / 'r'}" in out


def test_full_disk_falls_back_to_decoding_per_batch(tmp_path, flat_data, monkeypatch):
    def no_space(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", no_space)
    result = Trainer(tiny(flat_data, tmp_path / "w", epochs=1, cache_mb=0)).run()  # cache_mb=0: the disk cache
    assert result.best_val_acc is not None
    folder = pixel_cache.default_cache_dir()
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp")) and not list(folder.glob("*.npy"))
    cache = pixel_cache.build_cache(sorted(flat_data.iterdir())[:4], 16, budget_bytes=0)
    assert cache.pixels[np.array([0, 2])].shape == (2, 16, 16, 3) and cache.ok.all()


def test_a_killed_decoders_temporary_cache_file_is_removed(tmp_path, flat_data):
    folder = pixel_cache.default_cache_dir()
    folder.mkdir(parents=True)
    stale = folder / f".abc.{2**22 + 4321}.npy.tmp"
    stale.write_bytes(b"x" * 100)
    pixel_cache.build_cache(sorted(flat_data.iterdir())[:4], 16, budget_bytes=0)
    assert not stale.exists()
