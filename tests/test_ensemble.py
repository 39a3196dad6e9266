"""Ensembles of runs: `catdog predict RUN_A RUN_B DIR` and `catdog eval RUN_A RUN_B [DATA]`."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import write_flat, write_folders, write_test_folder

from core.cli.parser import main
from core.data.discover import collect_images
from core.errors import InputError
from core.inference.ensemble import Ensemble, load_model
from core.inference.eval_sets import eval_set
from core.inference.evaluate import evaluate
from core.inference.predict import load_run, predict_files
from core.inference.submission import format_submission
from core.runs.layout import ensemble_ref, model_refs

pytestmark = pytest.mark.xdist_group(__name__)


def train(data, out, name, arch="lenet", size="32", seed="0"):
    assert main(["train", str(data), "--arch", arch, "--epochs", "2", "--image-size", size, "--batch-size", "16",
                 "--lr", "0.003", "--seed", seed, "--out", str(out), "--name", name]) == 0
    return out / name


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ens")
    data = write_flat(root / "train", 20)
    a = train(data, root / "w", "a")
    b = train(data, root / "w", "b", size="40", seed="1")
    write_test_folder(root / "test", [1, 2, 3, 10, 11, 12])
    return root, a, b


def probs(lm, photos) -> np.ndarray:
    preds, failures = predict_files(lm, photos)
    assert not failures
    return np.array([p.probs for p in preds])


def test_an_ensemble_of_a_model_with_itself_equals_the_model(runs, tmp_path):
    root, a, _ = runs
    twin = shutil.copytree(a, tmp_path / "twin")
    photos = collect_images([root / "test"])
    alone = probs(load_run(a), photos)
    both = load_model([str(a), str(twin)])
    assert isinstance(both, Ensemble) and both.name == "Ensemble of 2 runs"
    assert np.allclose(probs(both, photos), alone, atol=1e-6)


def test_an_ensemble_averages_the_members_calibrated_probabilities(runs):
    root, a, b = runs
    photos = collect_images([root / "test"])
    ens = load_model(ensemble_ref([str(a), str(b)]))  # the window's reference names the same two runs
    assert [m.image_size for m in ens.members] == [32, 40]  # each decodes at its own size
    expected = (probs(load_run(a), photos) + probs(load_run(b), photos)) / 2
    assert np.allclose(probs(ens, photos), expected, atol=1e-6)
    assert model_refs(ens.ref) == [str(a), str(b)] and ens.is_current(ens.ref)


def test_predict_with_two_runs_writes_the_ensembles_csv(runs, tmp_path, capsys):
    root, a, b = runs
    out = tmp_path / "sub.csv"
    assert main(["predict", str(a), str(b), str(root / "test"), "--csv", str(out), "--format", "proba"]) == 0
    captured = capsys.readouterr()
    assert "Ensemble of 2 runs" in captured.err and "clipped to" in captured.out
    ens = load_model([str(a), str(b)])
    preds, _ = predict_files(ens, collect_images([root / "test"]))
    assert out.read_text() == format_submission(preds, ens.classes, "proba", bound=ens.proba_bound)


def test_eval_with_two_runs_and_no_data_uses_photos_neither_trained_on(runs, capsys):
    root, a, b = runs
    assert main(["eval", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ensemble of 2 runs") and "validation photos of all 2 runs" in out
    chosen = eval_set([str(a), str(b)], ["cat", "dog"])
    val_a = {p for p, _ in eval_set(str(a), ["cat", "dog"]).samples}
    val_b = {p for p, _ in eval_set(str(b), ["cat", "dog"]).samples}
    assert {p for p, _ in chosen.samples} == val_a & val_b and chosen.samples  # different seeds: not the same split
    result = evaluate(load_model([str(a), str(b)]), chosen.samples)
    assert f"accuracy {result.report().accuracy:.2%} on {len(chosen.samples)} images" in out
    assert f"log loss {result.log_loss:.4f}" in out


def test_eval_with_two_runs_and_a_folder(runs, capsys):
    root, a, b = runs
    assert main(["eval", str(a), str(b), str(root / "train"), "--tta"]) == 0
    assert "with TTA" in capsys.readouterr().out


def test_runs_with_other_classes_are_one_line_exit_2(runs, tmp_path, capsys):
    root, a, _ = runs
    other = train(write_folders(tmp_path / "fruit", 12, names=("apple", "pear")), tmp_path / "w", "fruit")
    assert main(["predict", str(a), str(other), str(root / "test")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "its classes are apple, pear, not cat, dog" in err and str(other) in err
    assert main(["eval", str(a), str(other), str(root / "train")]) == 2
    assert "its classes are apple, pear" in capsys.readouterr().err


def test_a_run_named_twice_or_no_photos_is_an_input_error(runs, capsys):
    root, a, b = runs
    for again in (str(a), str(a) + "/", str(a / "model.safetensors"), str(a.parent / "." / a.name)):
        with pytest.raises(InputError, match="named twice"):  # one run, however it is spelled
            load_model([str(a), again])
    assert main(["predict", str(a), str(root / "test" / "1.jpg"), str(b)]) == 2  # b would be searched for photos
    assert "is a run, given after the photos" in capsys.readouterr().err
    assert main(["predict", str(a), str(b)]) == 2
    assert "no photos given after the models" in capsys.readouterr().err
    assert main(["eval", str(a), str(root / "train"), str(root / "test")]) == 2
    assert "takes one data folder, last" in capsys.readouterr().err
