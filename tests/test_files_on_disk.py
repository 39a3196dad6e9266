"""Atomic writes, safe checkpoint loading, and the submission CSV formats byte for byte."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import torch

from core.errors import InputError
from core.inference.predict import Prediction
from core.inference.submission import format_submission, write_submission
from core.runs import layout, store
from core.utils.atomic import atomic_path, write_text_atomic


def test_crash_while_writing_keeps_previous_file(tmp_path):
    target = tmp_path / "metrics.csv"
    write_text_atomic(target, "old,complete\n")
    with pytest.raises(OSError):
        with atomic_path(target) as tmp:
            tmp.write_text("new,half-writ")
            raise OSError("disk full")
    assert target.read_text() == "old,complete\n"
    assert sorted(os.listdir(tmp_path)) == ["metrics.csv"]  # no temporary file left behind


def test_model_save_crash_keeps_previous_weights(tmp_path, monkeypatch):
    model = torch.nn.Linear(3, 2)
    store.save_model(tmp_path, model)
    before = (tmp_path / layout.MODEL_FILE).read_bytes()

    def half_then_fail(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"partial")
        raise OSError("No space left on device")

    import safetensors.torch

    monkeypatch.setattr(safetensors.torch, "save_file", half_then_fail)  # runs imports it when it saves
    with pytest.raises(OSError):
        store.save_model(tmp_path, torch.nn.Linear(3, 2))
    assert (tmp_path / layout.MODEL_FILE).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == [layout.MODEL_FILE]


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_checkpoint_loading_never_runs_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / layout.CHECKPOINT_FILE, "wb") as f:
        pickle.dump({"model": _Payload()}, f)
    with pytest.raises(InputError, match="cannot resume from .*holds objects other than tensors"):
        store.load_checkpoint(tmp_path)
    assert not (tmp_path / "PWNED").exists()


CD = ["cat", "dog"]
PREDS = [Prediction(Path("t/10.jpg"), [0.2, 0.8]), Prediction(Path("t/2.jpg"), [0.999, 0.001]),
         Prediction(Path("t/1.jpg"), [0.4, 0.6])]


def test_competition_format_exact_bytes():
    assert format_submission(PREDS, CD, "competition") == "id,label\n1,1\n2,0\n10,1\n"


def test_noheader_format_exact_bytes():
    assert format_submission(PREDS, CD, "noheader") == "1,1\n2,0\n10,1\n"


def test_proba_format_exact_bytes_clipped():
    assert format_submission(PREDS, CD, "proba") == "id,label\n1,0.600000\n2,0.005000\n10,0.800000\n"


def test_submission_needs_numeric_unique_ids(tmp_path):
    with pytest.raises(InputError, match="cat.3.jpg"):
        format_submission([Prediction(Path("cat.3.jpg"), [0.5, 0.5])], CD)
    with pytest.raises(InputError, match="share id 7"):
        format_submission([Prediction(Path("a/7.jpg"), [1, 0]), Prediction(Path("b/7.png"), [1, 0])], CD)


def test_write_submission_atomic_and_readable_error(tmp_path):
    out = tmp_path / "sub.csv"
    assert write_submission(out, PREDS, CD) == 3
    assert out.read_bytes() == b"id,label\n1,1\n2,0\n10,1\n"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write .*not-a-folder"):
        write_submission(blocker / "sub.csv", PREDS, CD)
