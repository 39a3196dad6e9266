"""`catdog` as a user runs it: exit codes, one-line errors, train -> predict -> eval -> bench."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import write_flat, write_test_folder

from core.cli.parser import main
from core.data.discover import collect_images
from core.inference.predict import load_run, predict_files
from core.inference.submission import format_submission

# its module-scoped fixture is built once: every test of this file runs in one xdist worker
pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    data = write_flat(root / "train", 40)
    code = main(["train", str(data), "--arch", "lenet", "--epochs", "5", "--image-size", "32", "--batch-size", "16",
                 "--lr", "0.003", "--out", str(root / "weights"), "--name", "r1"])
    assert code == 0
    return root, root / "weights" / "r1"


def test_train_prints_epochs_and_result(trained_run, capsys):
    root, run = trained_run
    # the fixture's output is gone; train once more for one epoch to see the lines
    assert main(["train", str(root / "train"), "--arch", "lenet", "--epochs", "1", "--image-size", "32",
                 "--out", str(root / "weights"), "--name", "r1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith("epoch   1/1  train loss") and "img/s" in line and "val loss" in line for line in lines)
    assert any(line.startswith("done: ") and "r1-2" in line and "best validation accuracy" in line for line in lines)


def test_predict_csv_matches_core_predictions(trained_run, tmp_path, capsys):
    _, run = trained_run
    truth = write_test_folder(tmp_path / "test", [1, 2, 10, 11, 3])
    csv_path = tmp_path / "sub.csv"
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(csv_path)]) == 0
    text = csv_path.read_text()
    ids = [int(line.split(",")[0]) for line in text.splitlines()[1:]]
    assert text.startswith("id,label\n") and ids == [1, 2, 3, 10, 11]
    lm = load_run(run)
    preds, failures = predict_files(lm, collect_images([tmp_path / "test"]))
    assert not failures and text == format_submission(preds, lm.classes)
    correct = sum((int(line.split(",")[1]) == 1) == (truth[i] == "dog")
                  for i, line in zip(ids, text.splitlines()[1:]))
    assert correct >= 4  # a trained model, not a coin
    assert main(["predict", str(run / "model.safetensors"), str(tmp_path / "test" / "2.jpg")]) == 0
    out = capsys.readouterr().out
    assert "2.jpg" in out and ("cat" in out or "dog" in out) and "P(dog)=" in out


def test_predict_unreadable_test_image_names_it_and_writes_nothing(trained_run, tmp_path, capsys):
    _, run = trained_run
    write_test_folder(tmp_path / "test", [1, 2])
    (tmp_path / "test" / "3.jpg").write_text("broken")
    out_csv = tmp_path / "sub.csv"
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(out_csv)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "3.jpg" in err and "no CSV written" in err
    assert not out_csv.exists() and list(tmp_path.glob("*.tmp")) == []


def test_eval_prints_accuracy_and_confusion(trained_run, tmp_path, capsys):
    _, run = trained_run
    data = write_flat(tmp_path / "holdout", 10, seed=7)
    assert main(["eval", str(run), str(data)]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "confusion matrix" in out and "precision" in out and "recall" in out
    acc = float(out.split("accuracy ")[1].split("%")[0])
    assert acc >= 80


def test_bench_prints_numbers(capsys):
    assert main(["bench", "--arch", "lenet", "--image-size", "32", "--batch-size", "8", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    row = [line for line in out.splitlines() if line.startswith("lenet")][0].split()
    assert float(row[3]) > 0 and float(row[4]) > 0


@pytest.mark.parametrize("argv,needle", [
    (["train", "/no/such/folder"], "/no/such/folder does not exist"),
    (["train"], "DATA is required"),
    (["predict", "/no/such/run", "x.jpg"], "/no/such/run does not exist"),
    (["train", "--resume", "/tmp"], "no last.ckpt"),
])
def test_input_errors_exit_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_one_class_folder_and_bad_flag_via_real_command(tmp_path):
    data = write_flat(tmp_path / "d", 2)
    for p in data.glob("dog.*"):
        p.unlink()
    r = subprocess.run([sys.executable, "-m", "core", "train", str(data), "--epochs", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "only one class" in r.stderr and "Traceback" not in r.stderr
    # said before PyTorch loads (seconds on a laptop): a bad folder answers at once
    code = (f"import sys; from core.cli.parser import main; rc = main(['train', {str(data)!r}]); "
            "print(rc, 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stdout.split() == ["2", "False"] and "only one class" in r.stderr, r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "core", "train", str(data), "--optimizer", "rmsprop"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--optimizer" in r.stderr and "Traceback" not in r.stderr


def test_output_cut_short_by_a_closed_pipe_is_quiet(tmp_path):
    """`catdog runs | head -1`: the reader has gone before catdog writes; no "failed: Broken pipe"."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone: the first write fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "core.cli", "runs", str(tmp_path)], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 141 and proc.stderr == "", proc.stderr
