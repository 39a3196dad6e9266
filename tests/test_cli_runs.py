"""`catdog runs` / `catdog compare`, and the Qt-free parts under them: the run table, rename and
delete, the PNG overlay and the experiment queue."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_flat
from PIL import Image

from core.cli.parser import main
from core.errors import InputError
from core.runs import layout, lock, store
from core.runs.ops import delete_run, rename_run
from core.runs.plot import COLORS
from core.runs.table import list_rows, read_history, read_row
from core.training.config import TrainConfig
from core.training.engine import Trainer
from core.training.experiments import EXPERIMENTS, ExperimentQueue, experiment_configs


def fake_run(root: Path, name: str, arch: str = "resnet18", status: str = "finished", epochs: int = 3,
             planned: int = 3, start: str = "scratch", model_bytes: int = 1000, created: str | None = None) -> Path:
    """A run folder as the engine writes it (meta.json, metrics.csv, a stand-in model file)."""
    d = root / name
    d.mkdir(parents=True)
    history = [{"epoch": e, "train_loss": 0.7 / e, "train_acc": 0.5 + 0.1 * e, "val_loss": 0.8 / e,
                "val_acc": min(0.99, 0.5 + 0.12 * e), "lr": 1e-3, "images_per_s": 50.0, "seconds": 1.0}
               for e in range(1, epochs + 1)]
    best = max(history, key=lambda r: r["val_acc"]) if history else None
    meta = {"arch": arch, "image_size": 64, "start": start, "config": {"epochs": planned, "arch": arch},
            "epochs_done": epochs, "metrics": history, "best_epoch": best and best["epoch"],
            "best_val_acc": best and best["val_acc"], "status": status,
            "created": created or f"2026-01-{len(list(root.iterdir())) + 1:02d}T10:00:00+00:00"}
    (d / layout.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    store.write_metrics(d, history)
    (d / layout.MODEL_FILE).write_bytes(b"\0" * model_bytes)
    return d


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _lock(run: Path, pid: int) -> None:
    (run / layout.LOCK_FILE).write_text(json.dumps({"pid": pid, "host": socket.gethostname()}), encoding="utf-8")


def test_runs_json_fields_and_status_from_the_lock(tmp_path, capsys):
    root = tmp_path / "weights"
    fake_run(root, "a-finished", model_bytes=5000)
    fake_run(root, "b-failed", arch="lenet", status="failed", epochs=1)
    _lock(fake_run(root, "c-crashed", status="running", epochs=2, planned=10), _dead_pid())
    _lock(fake_run(root, "d-training", status="running", epochs=2, planned=10), os.getpid())
    (root / "not-a-run").mkdir()
    (root / ".deleting-x").mkdir()
    assert main(["runs", str(root), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"a-finished", "b-failed", "c-crashed", "d-training"}
    assert {k: rows[k]["status"] for k in rows} == {"a-finished": "finished", "b-failed": "failed",
                                                   "c-crashed": "stopped", "d-training": "running"}
    a = rows["a-finished"]
    assert (a["arch"], a["epochs"], a["epochs_planned"], a["best_val_acc"], a["start"]) == \
           ("resnet18", 3, 3, pytest.approx(0.86), "scratch")
    assert a["bytes"] == sum(f.stat().st_size for f in (root / "a-finished").iterdir())
    assert main(["runs", str(root)]) == 0
    text = capsys.readouterr().out
    assert "c-crashed" in text and "2/10" in text and "4 run(s)" in text


def test_runs_of_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    assert main(["runs", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "no such runs folder" in err and "Traceback" not in err


def test_real_run_compare_and_png(tmp_path, capsys):
    data = write_flat(tmp_path / "train", 8, size=32)
    out = tmp_path / "weights"
    for arch in ("lenet", "lenet"):
        Trainer(TrainConfig(data=str(data), arch=arch, epochs=2, batch_size=8, image_size=32,
                            out=str(out), name="tiny")).run()
    row = read_row(out / "tiny")
    assert (row.status, row.epochs, row.has_model, row.resumable) == ("finished", 2, True, True)
    assert [r["epoch"] for r in read_history(out / "tiny")] == [1, 2]
    png = tmp_path / "cmp.png"
    assert main(["compare", str(out / "tiny"), str(out / "tiny-2"), "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "tiny-2" in text and "epoch 2" in text and "best val. accuracy" in text
    img = Image.open(png).convert("RGB")
    assert img.size[0] == 1200
    colours = {c for _, c in img.getcolors(1 << 20)}
    for hexcol in COLORS[:2]:  # both runs are drawn in their colours
        assert tuple(int(hexcol[i:i + 2], 16) for i in (1, 3, 5)) in colours


def test_compare_errors_name_the_problem(tmp_path, capsys):
    run = fake_run(tmp_path / "w", "r1")
    assert main(["compare", str(run), str(tmp_path / "missing")]) == 2
    assert "missing: no such run folder" in capsys.readouterr().err
    assert main(["compare", str(run), "--plot", str(tmp_path / "out.jpg")]) == 2
    assert "must end in .png" in capsys.readouterr().err
    assert main(["compare", str(run), str(run)]) == 2
    assert "given twice" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(tmp_path / "empty")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_history_falls_back_to_meta_json_and_skips_bad_rows(tmp_path, capsys):
    run = fake_run(tmp_path, "r", epochs=4)
    (run / layout.METRICS_FILE).unlink()
    assert [r["epoch"] for r in read_history(run)] == [1, 2, 3, 4]
    (run / layout.METRICS_FILE).write_bytes(b"garbage\n\x00\xff\n")
    assert [r["epoch"] for r in read_history(run)] == [1, 2, 3, 4]
    odd = fake_run(tmp_path, "odd", epochs=3)
    (odd / layout.METRICS_FILE).write_text("epoch,train_loss,val_acc\nnan,1,1\n1,inf,0.5\n2,0.4,x\n", encoding="utf-8")
    assert [(r["epoch"], r["val_acc"]) for r in read_history(odd)] == [(1, 0.5), (2, None)]
    assert main(["compare", str(run), str(odd), "--plot", str(tmp_path / "odd.png")]) == 0
    assert Image.open(tmp_path / "odd.png").size[0] == 1200


def test_rename_checks_name_target_and_lock(tmp_path):
    root = tmp_path / "w"
    run, other = fake_run(root, "old"), fake_run(root, "other")
    for bad, why in (("a/b", "letters, digits"), ("", "empty"), (".hidden", "cannot start"), ("other", "exists")):
        with pytest.raises(InputError, match=why):
            rename_run(run, bad)
    _lock(run, os.getpid())  # this very process trains it (the window's own job)
    with pytest.raises(InputError, match="training now"):
        rename_run(run, "new")
    _lock(run, _dead_pid())  # a stale lock is no obstacle
    new = rename_run(run, "new")
    assert new == root / "new" and not run.exists() and not (new / lock.LOCK_FILE).exists()
    assert [r.name for r in list_rows(root)] == ["other", "new"]  # newest first
    assert other.exists()


def test_delete_refuses_a_training_run_then_deletes(tmp_path):
    root = tmp_path / "w"
    run = fake_run(root, "gone")
    _lock(run, os.getpid())
    with pytest.raises(InputError, match="training now"):
        delete_run(run)
    assert run.exists()
    (run / layout.LOCK_FILE).unlink()
    delete_run(run)
    assert list(root.iterdir()) == []
    with pytest.raises(InputError, match="not a run folder"):
        delete_run(tmp_path)


def test_a_damaged_run_can_be_renamed_and_deleted(tmp_path):
    """Listed as damaged (its meta.json lost), a run is still the user's to rename or delete."""
    root = tmp_path / "w"
    run = fake_run(root, "broken")
    (run / layout.META_FILE).unlink()
    assert [(r.name, r.status) for r in list_rows(root)] == [("broken", "damaged")]
    renamed = rename_run(run, "kept")
    assert renamed.is_dir() and not run.exists()
    delete_run(renamed)
    assert list(root.iterdir()) == []


def test_experiments_use_registered_archs_from_scratch():
    from core.models.registry import ARCHS

    assert EXPERIMENTS["degradation"].archs == ("plain18", "plain34", "resnet18", "resnet34")
    assert EXPERIMENTS["blocks"].archs == ("resnet50", "resnext50_32x4d")
    base = TrainConfig(data="d", arch="efficientnet_lite0", weights="imagenet", freeze=True, epochs=7, image_size=64)
    for key, exp in EXPERIMENTS.items():
        assert all(a in ARCHS for a in exp.archs) and exp.look_for.endswith(".")
        configs = experiment_configs(key, base, stamp="S")
        assert [c.arch for c in configs] == list(exp.archs)
        assert all(c.weights == "none" and not c.freeze and c.epochs == 7 and c.image_size == 64 for c in configs)
        assert configs[0].name == f"{key}-S-{exp.archs[0]}"


def test_queue_runs_in_order_and_a_stopped_run_ends_it():
    q = ExperimentQueue.create("degradation", TrainConfig(data="d", epochs=1, image_size=32))
    assert q.next_config().arch == "plain18"
    q.run_started("/w/a")
    q.run_ended("finished")
    assert q.next_config().arch == "plain34" and "run 2 of 4" in q.progress_text()
    q.run_ended("stopped")
    assert q.done and q.next_config() is None and "stopped (1 of 4 runs finished)" in q.progress_text()
    with pytest.raises(InputError, match="unknown experiment"):
        ExperimentQueue.create("nope", TrainConfig())
