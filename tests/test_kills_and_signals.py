"""Every kill or signal leaves a run that ``catdog train --resume`` finishes; a diverged run stops as failed.

Real ``python -m core.cli train`` processes on tiny photo folders, killed (SIGKILL) or stopped (SIGTERM,
SIGHUP). A tiny run's moments last milliseconds, too short to hit from outside, so ``catdog(at=...)``
runs the command under HOOK, which has the process send itself the signal at that moment: inside an
atomic write, before a training step, at the first decoded chunk or feature batch. Mid-epoch SIGTERM
and SIGHUP come from outside, as ``kill`` sends them.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from conftest import write_flat

from core.cli.parser import main as cli_main
from core.data.discover import discover
from core.runs import store
from core.runs.meta import read_meta
from core.runs.split_record import fingerprint
from core.training import engine, loop
from core.training.config import TrainConfig
from core.training.engine import Trainer

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--arch", "lenet", "--image-size", "32", "--batch-size", "8", "--lr", "3e-3", "--precision", "fp32",
         "--seed", "0"]

HOOK = r"""
import contextlib, os, runpy, signal, sys
from pathlib import Path

kind, _, arg = os.environ["KILL_AT"].partition(":")
fired = []

def fire():
    if not fired:
        fired.append(1)
        os.kill(os.getpid(), getattr(signal, "SIG" + os.environ["KILL_SIGNAL"]))

if kind in ("write", "stage"):  # write:NAME in the run folder, stage:NAME in the hidden one a new run is made in
    import core.utils.atomic as atomic
    original = atomic.atomic_path

    @contextlib.contextmanager
    def atomic_path(path):
        with original(path) as tmp:
            yield tmp
            if Path(path).name == arg and Path(path).parent.name.startswith(".") == (kind == "stage"):
                fire()  # the temporary file is complete, not yet renamed
    atomic.atomic_path = atomic_path
elif kind == "step":  # before training step N of this process
    from core.training import loop
    step, calls = loop.train_step, []
    loop.train_step = lambda *a, **k: (calls.append(1), len(calls) == int(arg) and fire(), step(*a, **k))[2]
else:  # decode / features: at the first progress report
    import core.data.cache as decoding, core.training.features as features
    module, name = (decoding, "build_cache") if kind == "decode" else (features, "stream_features")
    original = getattr(module, name)
    setattr(module, name, lambda *a, progress=None, **k: original(
        *a, progress=lambda d, t: (fire(), progress and progress(d, t)), **k))
sys.argv = ["catdog", *sys.argv[1:]]
runpy.run_module("core.cli", run_name="__main__")
"""


def env(tmp: Path, **extra: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
            "CATDOG_CACHE_DIR": str(tmp / "cache"), **extra}


def catdog(tmp: Path, *args: str, at: str, sig: str = "KILL") -> subprocess.CompletedProcess:
    """``catdog ARGS``, signalled (``sig``) by itself at the moment ``at``."""
    return subprocess.run([sys.executable, "-c", HOOK, *args], cwd=ROOT, env=env(tmp, KILL_AT=at, KILL_SIGNAL=sig),
                          capture_output=True, text=True, timeout=300)


def resume_in_process(run: Path, *flags: str) -> None:
    """The last resume of each test runs in this process (torch is loaded here already): the same CLI code."""
    assert cli_main(["train", "--resume", str(run), *flags]) == 0
    meta = read_meta(run)
    assert meta["status"] == "finished" and meta["epochs_done"] == meta["config"]["epochs"]
    assert not (run / ".lock").exists() and not list(run.glob(".*.tmp"))


def test_a_kill_at_any_moment_of_the_first_epoch_leaves_a_run_that_resumes_to_the_end(tmp_path):
    data, out = write_flat(tmp_path / "d", 24), tmp_path / "w"
    run = out / "r"
    new = ["train", str(data), "--epochs", "2", "--out", str(out), "--name", "r", *FLAGS]

    # while the new folder is being made: nothing half-made is visible, and the next run clears it away
    killed = catdog(tmp_path, *new, at="stage:meta.json")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not run.exists() and [p.name.startswith(".catdog-new.") for p in out.iterdir()] == [True]

    for args, at in [(new, "write:meta.json"),  # the first meta.json write in the run folder
                     (["train", "--resume", str(run)], "step:3"),  # mid-epoch, before any checkpoint of it
                     (["train", "--resume", str(run)], "write:model.safetensors"),  # the first model write
                     (["train", "--resume", str(run)], "write:last.ckpt")]:  # the first checkpoint
        killed = catdog(tmp_path, *args, at=at)
        assert killed.returncode == -signal.SIGKILL, (at, killed.stderr[-2000:])
        assert (run / "meta.json").is_file() and (run / "last.ckpt").is_file(), at
    assert [p.name for p in out.iterdir()] == ["r"]  # the stale half-made folder is gone
    assert (run / "model.safetensors").is_file() and list(run.glob(".last.ckpt.*.tmp"))

    resume_in_process(run)
    Trainer(TrainConfig(data=str(data), arch="lenet", image_size=32, batch_size=8, lr=3e-3, precision="fp32",
                        seed=0, epochs=2, out=str(tmp_path), name="ref")).run()
    ref = tmp_path / "ref"  # the killed run ends where an uninterrupted one ends
    for got, want in zip(read_meta(run)["metrics"], read_meta(ref)["metrics"], strict=True):
        assert (got["val_loss"], got["val_acc"], got["lr"]) == (want["val_loss"], want["val_acc"], want["lr"])
    a, b = store.load_weights(run), store.load_weights(ref)
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_at_the_next_batch_save_and_resume(tmp_path, sig, status):
    data, out = write_flat(tmp_path / "d", 24), tmp_path / "w"
    run = out / "r"
    cmd = [sys.executable, "-m", "core.cli", "train", str(data), "--epochs", "500", "--out", str(out), "--name", "r",
           *FLAGS]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("epoch   1/500"):
                proc.send_signal(sig)  # what kill, timeout, docker stop (SIGTERM) or a closed terminal (SIGHUP) send
                break
        log = "".join(lines) + proc.stdout.read()
        assert proc.wait(60) == status, log[-2000:]
    finally:
        proc.kill()
    meta = read_meta(run)
    assert meta["status"] == "stopped" and 1 <= meta["epochs_done"] < 500, log[-2000:]
    assert f"resume with: catdog train --resume {run}" in log and "Traceback" not in log
    resume_in_process(run, "--epochs", str(meta["epochs_done"] + 1))


def test_sigterm_while_decoding_stops_at_once_and_the_run_resumes(tmp_path):
    data, out = write_flat(tmp_path / "d", 40), tmp_path / "w"  # 80 photos: more than one decoded chunk
    stopped = catdog(tmp_path, "train", str(data), "--epochs", "1", "--out", str(out), "--name", "r", *FLAGS,
                     at="decode", sig="TERM")
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert f"resume with: catdog train --resume {out / 'r'}" in stopped.stdout
    assert read_meta(out / "r")["status"] == "stopped" and "epoch   1/1" not in stopped.stdout
    resume_in_process(out / "r")


def test_kill_and_sigterm_while_computing_frozen_features_leave_a_run_that_resumes(tmp_path):
    data, out = write_flat(tmp_path / "d", 12), tmp_path / "w"
    run = out / "r"
    frozen = ["--arch", "efficientnet_lite0", "--weights", "imagenet", "--freeze", "--image-size", "32",
              "--batch-size", "8", "--precision", "fp32"]
    killed = catdog(tmp_path, "train", str(data), "--epochs", "1", "--out", str(out), "--name", "r", *frozen,
                    at="features")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    stopped = catdog(tmp_path, "train", "--resume", str(run), at="features", sig="TERM")
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert read_meta(run)["status"] == "stopped" and read_meta(run)["resumed"] == 1
    resume_in_process(run)
    assert read_meta(run)["start"] == "imagenet-frozen"


def test_a_second_signal_aborts_one_process_but_not_a_torchrun_process_that_is_saving():
    """Under torchrun a terminal's Ctrl-C reaches every process, and torchrun passes it on to them once more."""
    from core.cli.train import stop_on_signals

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers live in the main thread")
    for launched in (False, True):
        stop = threading.Event()
        with stop_on_signals(stop, quiet=True, launched=launched) as caught:
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.is_set() and caught == [signal.SIGTERM]
            with contextlib.nullcontext() if launched else pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)  # a second signal: saved anyway under torchrun, else abort
        assert caught == ([signal.SIGTERM, signal.SIGINT] if launched else [signal.SIGTERM])


def test_a_diverging_run_stops_as_failed_and_keeps_its_last_good_epoch(tmp_path, monkeypatch, capsys):
    data, out = write_flat(tmp_path / "d", 24), tmp_path / "w"
    epochs, one_epoch, step = [], engine.train_one_epoch, loop.train_step
    monkeypatch.setattr(engine, "train_one_epoch", lambda state, *a: (epochs.append(1), one_epoch(state, *a))[1])

    def poisoned(model, *a):  # in epoch 2 a weight turns NaN, as a too-high learning rate leaves it
        if len(epochs) == 2:
            with torch.no_grad():
                next(model.parameters()).fill_(float("nan"))
        return step(model, *a)

    monkeypatch.setattr(loop, "train_step", poisoned)
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)
    assert cli_main(["train", str(data), "--epochs", "3", "--out", str(out), "--name", "r", *FLAGS]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "training loss became nan in epoch 2" in err and "--lr" in err
    assert "TrainingDiverged" not in err  # a sentence for a person, not a class name
    meta = read_meta(out / "r")
    assert meta["status"] == "failed" and "loss became nan in epoch 2" in meta["error"]
    assert meta["epochs_done"] == 1 and meta["best_epoch"] == 1
    weights = store.load_weights(out / "r")  # the epoch-1 model: every weight finite
    assert all(bool(torch.isfinite(t).all()) for t in weights.values())
    assert store.load_checkpoint(out / "r")["epoch"] == 1


@pytest.fixture(scope="module")
def one_epoch_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("one")
    Trainer(TrainConfig(data=str(write_flat(tmp / "d", 12)), arch="lenet", image_size=32, batch_size=8, epochs=1,
                        out=str(tmp / "w"), name="r")).run()
    return tmp / "w" / "r"


@pytest.mark.xdist_group(__name__)
@pytest.mark.parametrize("damage,named", [
    pytest.param(lambda c: c.update(epoch="x"), '"epoch"', id="epoch-x"),
    pytest.param(lambda c: c.update(epoch=2), '"history"', id="epoch-without-history"),
    pytest.param(lambda c: c.update(split="junk"), '"split"', id="split-not-a-dict"),
    pytest.param(lambda c: c["split"].pop("fingerprint"), '"split.fingerprint"', id="no-fingerprint"),
    pytest.param(lambda c: c["split"].update(train=[["cat.1.jpg", 9]]), '"split.train"', id="split-class-9"),
    pytest.param(lambda c: c["config"].update(epochs="x"), '"config.epochs"', id="config-epochs-x"),
    pytest.param(lambda c: c.update(config=[1, 2]), '"config"', id="config-a-list"),
    pytest.param(lambda c: c.update(epoch_state={"step": 1}), '"epoch_state"', id="epoch-state"),
    pytest.param(lambda c: c.update(best="junk"), '"best"', id="best"),
    pytest.param(lambda c: c.update(model={"conv.weight": torch.zeros(1)}), '"model"', id="model-of-another-net"),
    pytest.param(lambda c: c.update(optimizer={"state": {}, "param_groups": []}), '"optimizer"', id="optimizer"),
])
def test_a_checkpoint_with_junk_fields_is_one_line_naming_the_file_and_field(one_epoch_run, tmp_path, capsys,
                                                                             damage, named):
    run = tmp_path / "r"
    shutil.copytree(one_epoch_run, run)
    ckpt = torch.load(run / "last.ckpt", weights_only=True)
    damage(ckpt)
    torch.save(ckpt, run / "last.ckpt")
    before = (run / "meta.json").read_bytes()
    assert cli_main(["train", "--resume", str(run), "--epochs", "3"]) == 2  # past the "already finished" check
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(run / "last.ckpt") in err and named in err, err
    assert (run / "meta.json").read_bytes() == before and not (run / ".lock").exists()


def test_names_that_are_not_utf8_are_trained_on_and_recorded(tmp_path):
    data = write_flat(tmp_path / "d", 12)
    os.rename(data / "cat.3.jpg", os.fsdecode(bytes(data / "cat.") + b"\xff3.jpg"))
    (data / os.fsdecode(b"dog.\xfe.jpg")).write_bytes(b"not a photo")
    out = tmp_path / "w"
    assert cli_main(["train", str(data), "--epochs", "1", "--out", str(out), "--name", "r", "--cache-mb", "0",
                     *FLAGS]) == 0
    run = out / "r"
    meta = json.loads((run / "meta.json").read_text(encoding="utf-8"))
    assert [s["file"] for s in meta["skipped"]] == [str(data / os.fsdecode(b"dog.\xfe.jpg"))]
    split = store.load_checkpoint(run)["split"]
    assert os.fsdecode(b"cat.\xff3.jpg") in [name for name, _ in split["train"] + split["val"]]
    index = discover(data)
    assert split["fingerprint"] == fingerprint(index.samples, index.classes, index.root)  # resumes on the same split
    assert cli_main(["train", "--resume", str(run), "--epochs", "2"]) == 0


def test_a_full_disk_leaves_no_half_made_folder_and_a_run_that_resumes(tmp_path, monkeypatch, capsys):
    """Full when the folder is made: one line, nothing left behind. Full at the first checkpoint: a failed run,
    resumable from its not-started checkpoint (the first checkpoint it holds)."""
    data, out = write_flat(tmp_path / "d", 12), tmp_path / "w"
    save, calls = store.save_checkpoint, []

    def full(run_dir, state):
        calls.append(1)
        if len(calls) in (1, 3):  # the first run's folder; the second run's first epoch
            raise OSError(errno.ENOSPC, "No space left on device", str(run_dir / "last.ckpt"))
        return save(run_dir, state)

    monkeypatch.setattr(store, "save_checkpoint", full)
    assert cli_main(["train", str(data), "--epochs", "1", "--out", str(out / "new"), *FLAGS]) == 2
    assert f"cannot create a run folder in {out / 'new'}: No space left on device" in capsys.readouterr().err
    assert not (out / "new").exists()
    assert cli_main(["train", str(data), "--epochs", "1", "--out", str(out), "--name", "r", *FLAGS]) == 1
    assert "disk is full" in capsys.readouterr().err and read_meta(out / "r")["status"] == "failed"
    monkeypatch.setattr(store, "save_checkpoint", save)
    resume_in_process(out / "r")


def test_photos_that_cannot_train_leave_no_run_folder(tmp_path, capsys):
    data = write_flat(tmp_path / "d", 12)
    for p in data.glob("cat.*"):
        p.write_bytes(b"junk")
    assert cli_main(["train", str(data), "--epochs", "1", "--out", str(tmp_path / "w"), *FLAGS]) == 2
    assert "class 'cat' has no readable photo" in capsys.readouterr().err
    assert not (tmp_path / "w").exists() or list((tmp_path / "w").iterdir()) == []
