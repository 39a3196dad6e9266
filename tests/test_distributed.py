"""``torchrun --nproc_per_node 2 -m core.cli train``: two CPU processes (gloo), one ordinary run folder.

Each test launches the real command, one thread per process, on tiny photos: torchrun itself where
it is what is tested (Ctrl-C passed on to both processes), else (on Linux) tests/fork_launch.py, which
gives two forks of one process torchrun's variables (a third of the CPU time: torch is imported once, not
three times).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import write_flat

from core.errors import InputError
from core.inference.predict import load_run, predict_files
from core.runs import store
from core.runs.meta import read_meta
from core.training.config import TrainConfig
from core.training.engine import Trainer, resume

# its module-scoped fixture is built once: every test of this file runs in one xdist worker
pytestmark = pytest.mark.xdist_group(__name__)

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = 8
#: lenet at 32 px, fp32 (bit-for-bit repeatable); --batch-size is per process: 2 x 4 = a global batch of 8
FLAGS = ["--arch", "lenet", "--image-size", "32", "--batch-size", "4", "--lr", "3e-3", "--precision", "fp32",
         "--seed", "0"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
            "--master_port", str(free_port()), "-m", "core.cli", "train", *args]


def env(cache: Path) -> dict:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", "CATDOG_CACHE_DIR": str(cache)}


def launch(cache: Path, *args: str) -> subprocess.CompletedProcess:
    """``catdog train ARGS`` in two processes, as torchrun starts them; all of them killed if it hangs."""
    cmd = ([sys.executable, str(ROOT / "tests" / "fork_launch.py"), "2", str(free_port()), "train", *args]
           if sys.platform.startswith("linux") else torchrun_cmd(*args))
    proc = subprocess.Popen(cmd, env=env(cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd[:4])}… still running after 180 s\n{out[-2000:]}{err[-3000:]}")
    assert proc.returncode == 0, out[-2000:] + err[-3000:]
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def metrics(run_dir: Path) -> list[dict]:
    with open(run_dir / "metrics.csv", newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    """One uninterrupted 2-process run, the reference for the tests below."""
    tmp = tmp_path_factory.mktemp("ddp")
    data = write_flat(tmp / "train", per_class=30)
    done = launch(tmp / "cache", str(data), "--epochs", str(EPOCHS), "--out", str(tmp / "w"), "--name", "ddp",
                    *FLAGS)
    return data, tmp / "w" / "ddp", done.stdout


def test_two_processes_write_one_ordinary_run(two_process_run, tmp_path):
    data, run_dir, stdout = two_process_run
    assert sorted(p.name for p in run_dir.parent.iterdir()) == ["ddp"]  # one folder, written by rank 0 alone
    assert stdout.count("done: ") == 1 and stdout.count(f"epoch {EPOCHS:>3}/{EPOCHS}") == 1  # rank 0 alone prints
    assert re.search(r"Decoding images at \d+ px: (\d+) done", stdout)[1] == "30"  # its own half of the 60 photos
    meta = read_meta(run_dir)
    assert meta["status"] == "finished" and meta["world_size"] == 2 and meta["epochs_done"] == EPOCHS
    assert meta["data"]["train_images"] + meta["data"]["val_images"] == 60  # all photos, not one process's share
    assert not (run_dir / ".lock").exists()
    assert len(metrics(run_dir)) == EPOCHS

    # the saved model, loaded as predict/eval load it, scores the recorded validation photos exactly as
    # the all-reduced metrics say: every photo counted once, every process validating rank 0's weights
    lm = load_run(run_dir, device="cpu", precision="fp32")
    val = store.load_checkpoint(run_dir)["split"]["val"]
    preds, failures = predict_files(lm, [data / name for name, _ in val])
    assert not failures and len(preds) == len(val) == meta["data"]["val_images"]
    labels = torch.tensor([label for _, label in val])
    probs = torch.tensor([p.probs for p in preds])
    best = metrics(run_dir)[meta["best_epoch"] - 1]
    assert float((probs.argmax(1) == labels).float().mean()) == pytest.approx(meta["best_val_acc"])
    cal = meta["calibration"]  # fitted on the validation logits of both processes, every photo once
    assert cal["val_photos"] == len(val) and cal["val_log_loss_before"] == pytest.approx(best["val_loss"], rel=1e-4)
    nll = float(torch.nn.functional.nll_loss(probs.clamp_min(1e-12).log(), labels))
    assert nll == pytest.approx(cal["val_log_loss_after"], rel=1e-3, abs=1e-4)  # predict applies the temperature
    raw = probs ** cal["temperature"]  # softmax(z / T) ** T is proportional to softmax(z): the uncalibrated model
    raw = raw / raw.sum(1, keepdim=True)
    assert float(torch.nn.functional.nll_loss(raw.log(), labels)) == pytest.approx(best["val_loss"], rel=1e-3, abs=1e-4)

    # one process with the same global batch (8) learns as well
    cfg = TrainConfig(data=str(data), arch="lenet", image_size=32, batch_size=8, lr=3e-3, precision="fp32",
                      epochs=EPOCHS, out=str(tmp_path / "w"), name="one", seed=0)
    single = Trainer(cfg).run()
    assert abs(single.best_val_acc - meta["best_val_acc"]) <= 0.1
    assert abs(metrics(tmp_path / "w" / "one")[-1]["val_loss"] - metrics(run_dir)[-1]["val_loss"]) <= 0.15


def test_ctrl_c_stops_both_processes_and_the_run_resumes_exactly(two_process_run, tmp_path):
    data, reference, _ = two_process_run
    out = tmp_path / "w"
    proc = subprocess.Popen(torchrun_cmd(str(data), "--epochs", str(EPOCHS), "--out", str(out), "--name", "ddp",
                                         *FLAGS), env=env(tmp_path / "cache"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(f"run {out}"):  # training begins: stop it somewhere in its {EPOCHS} epochs
                proc.send_signal(signal.SIGINT)  # what Ctrl-C in its terminal does: torchrun passes it on
                break
        lines += proc.stdout.readlines()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    log = "".join(lines)
    run_dir = out / "ddp"
    meta = read_meta(run_dir)
    assert meta["status"] == "stopped", log[-3000:]
    assert meta["epochs_done"] < EPOCHS
    assert f"resume with: torchrun --nproc_per_node 2 -m core.cli train --resume {run_dir}" in log

    with pytest.raises(InputError, match="trained by 2 process"):  # its steps depend on the process count
        resume(run_dir)
    launch(tmp_path / "cache", "--resume", str(run_dir))
    meta = read_meta(run_dir)
    assert meta["status"] == "finished" and meta["resumed"] == 1 and meta["world_size"] == 2
    # the stopped and resumed run ends exactly where the uninterrupted one did
    for got, want in zip(metrics(run_dir), metrics(reference), strict=True):
        for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
            assert got[key] == pytest.approx(want[key], rel=1e-4, abs=1e-6), (got["epoch"], key)


def test_a_finished_two_process_run_can_go_on_in_one(two_process_run, tmp_path):
    """After a whole epoch (a new schedule for the added ones) the number of processes may change."""
    _, reference, _ = two_process_run
    run_dir = tmp_path / "ddp"
    shutil.copytree(reference, run_dir)
    resume(run_dir, epochs=EPOCHS + 1)
    meta = read_meta(run_dir)
    assert meta["status"] == "finished" and meta["epochs_done"] == EPOCHS + 1 and meta["world_size"] == 1
    assert len(metrics(run_dir)) == EPOCHS + 1


def test_two_processes_stream_frozen_features_each_for_its_own_photos(tmp_path):
    data = write_flat(tmp_path / "train", per_class=10)
    args = [str(data), "--arch", "efficientnet_lite0", "--weights", "imagenet", "--freeze", "--epochs", "2",
            "--image-size", "32", "--batch-size", "4", "--precision", "fp32", "--out", str(tmp_path / "w")]
    first = launch(tmp_path / "cache", *args, "--name", "one").stdout
    assert re.search(r"Computing ImageNet features: (\d+) done", first)[1] == "10"  # rank 0's own half
    meta = read_meta(tmp_path / "w" / "one")
    assert meta["status"] == "finished" and meta["world_size"] == 2
    again = launch(tmp_path / "cache", *args, "--name", "two").stdout  # both halves come from the shared cache
    assert "Reusing the cached features of 10 of 10 photos" in again
    learned = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")
    assert [[row[k] for k in learned] for row in metrics(tmp_path / "w" / "two")] == \
        [[row[k] for k in learned] for row in metrics(tmp_path / "w" / "one")]
