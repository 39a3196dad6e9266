"""Calibrated probabilities: the temperature fit, its record in meta.json, and every place that uses it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import write_flat, write_test_folder

from core.calibration.clipping import CANDIDATES, FIXED_BOUND, choose_bound, proba_bound
from core.calibration.temperature import fit_temperature, log_loss
from core.cli.parser import main
from core.data.discover import collect_images
from core.errors import InputError
from core.inference.predict import load_run, predict_files
from core.runs.meta import read_meta, write_meta

pytestmark = pytest.mark.xdist_group(__name__)


def synthetic_logits(scale: float, n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two-class logits whose true calibration is scale 1: P(dog) = sigmoid(m), m ~ the evidence."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0, 3, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-m))).astype(np.int64)  # drawn from the true probabilities
    return np.stack([np.zeros(n), m * scale], 1), labels


@pytest.mark.parametrize("scale, side", [(4.0, "above"), (0.25, "below")])
def test_over_and_under_confident_models_get_temperatures_on_the_right_side_of_1(scale, side):
    logits, labels = synthetic_logits(scale)
    cal = fit_temperature(logits, labels)
    assert (cal.temperature > 1.5) if side == "above" else (cal.temperature < 0.67)
    assert cal.temperature == pytest.approx(scale, rel=0.25)  # it undoes the distortion
    assert cal.val_log_loss_after < cal.val_log_loss_before - 0.02
    assert cal.val_log_loss_after == pytest.approx(log_loss(logits, labels, cal.temperature))


def test_a_perfect_validation_split_does_not_promise_certainty():
    """All right: plain NLL would send T to 0; Platt's targets stop near (n + 1) / (n + 2)."""
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1], 150)
    margin = rng.uniform(1, 3, 300)
    logits = np.stack([np.where(labels == 0, margin, 0), np.where(labels == 1, margin, 0)], 1)
    cal = fit_temperature(logits, labels)
    p_true = 1 / (1 + np.exp(-margin / cal.temperature))
    assert cal.temperature < 1 and np.median(p_true) < 0.999 and cal.val_errors == 0


def test_the_clip_is_the_bound_with_the_lowest_validation_log_loss():
    sure_and_right = np.full(99, 0.9999)
    assert choose_bound(sure_and_right) == 0.0005  # clipping only costs: the narrowest bound
    one_sure_mistake = np.append(sure_and_right, 0.001)  # -ln 0.001 = 6.9: a wider bound pays for itself
    assert choose_bound(one_sure_mistake) == 0.01
    assert choose_bound(np.full(300, 0.9)) == 0.0005  # no photo that sure: no reason to cost the test's sure ones
    old = proba_bound([None])
    assert old.low == FIXED_BOUND and "without a bound chosen" in old.why
    mixed = proba_bound([{"temperature": 1, "proba_clip": 0.001}, None])
    assert mixed.low == FIXED_BOUND  # an ensemble with an uncalibrated member keeps the fixed bound
    both = proba_bound([{"temperature": 1, "proba_clip": 0.001}, {"temperature": 2, "proba_clip": 0.002}])
    assert both.low == 0.002 and "widest" in both.why


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cal")
    data = write_flat(root / "train", 24)
    assert main(["train", str(data), "--arch", "lenet", "--epochs", "3", "--image-size", "32", "--batch-size", "16",
                 "--lr", "0.003", "--out", str(root / "w"), "--name", "r"]) == 0
    write_test_folder(root / "test", list(range(1, 13)))
    return root, root / "w" / "r"


def test_training_records_the_calibration_of_the_best_epoch_and_prints_it(trained, capsys):
    root, run = trained
    assert main(["train", str(root / "train"), "--arch", "lenet", "--epochs", "2", "--image-size", "32",
                 "--out", str(root / "w"), "--name", "again"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("calibrated: temperature"))
    assert "before" in line and "after" in line
    meta = read_meta(root / "w" / "again")
    cal = meta["calibration"]
    assert cal["val_photos"] == meta["data"]["val_images"] and 0 < cal["temperature"]
    assert cal["proba_clip"] in CANDIDATES
    assert cal["val_log_loss_before"] == pytest.approx(meta["metrics"][meta["best_epoch"] - 1]["val_loss"], rel=1e-4)
    assert f"{cal['val_log_loss_before']:.4f} before, {cal['val_log_loss_after']:.4f} after" in line


def test_predict_divides_the_logits_by_the_recorded_temperature(trained, tmp_path):
    _, run = trained
    photos = collect_images([run.parent.parent / "test"])
    meta = read_meta(run)
    write_meta(run, {**meta, "calibration": None})
    raw = np.array([p.probs for p in predict_files(load_run(run, "cpu", "fp32"), photos)[0]])
    write_meta(run, {**meta, "calibration": {**meta["calibration"], "temperature": 0.5}})
    try:
        cal = np.array([p.probs for p in predict_files(load_run(run, "cpu", "fp32"), photos)[0]])
    finally:
        write_meta(run, meta)
    expected = torch.softmax(torch.log(torch.tensor(raw, dtype=torch.float64)) / 0.5, 1).numpy()
    assert np.allclose(cal, expected, atol=1e-4) and not np.allclose(cal, raw, atol=1e-3)


@pytest.mark.parametrize("value", [0, -1, "1", None, 1e-300, 1e6])
def test_a_broken_temperature_is_one_line_naming_the_field(trained, value):
    """1e-300 would turn every probability into NaN or exactly 0 and 1 (and an export into a NaN model)."""
    _, run = trained
    meta = read_meta(run)
    write_meta(run, {**meta, "calibration": {**meta["calibration"], "temperature": value}})
    try:
        with pytest.raises(InputError, match=r"meta\.json: \"calibration\.temperature\" .* from 0\.02 to 50"):
            load_run(run)
    finally:
        write_meta(run, meta)


def test_proba_csv_clips_to_the_bound_from_validation_and_says_so(trained, tmp_path, capsys):
    root, run = trained
    meta = read_meta(run)
    # a very sure model: without a clip some rows would read 0.000000 or 1.000000
    write_meta(run, {**meta, "calibration": {**meta["calibration"], "temperature": 0.02, "proba_clip": 0.002}})
    try:
        assert main(["predict", str(run), str(root / "test"), "--csv", str(tmp_path / "p.csv"), "--format", "proba"]) == 0
    finally:
        write_meta(run, meta)
    out = capsys.readouterr().out
    low = 0.002
    assert "P(dog) clipped to [0.002, 0.998]: the bound with the lowest log loss on the validation photos" in out
    values = [float(x.split(",")[1]) for x in (tmp_path / "p.csv").read_text().splitlines()[1:]]
    assert min(values) == pytest.approx(low, abs=1e-6) or max(values) == pytest.approx(1 - low, abs=1e-6)
    assert all(low - 1e-6 <= v <= 1 - low + 1e-6 for v in values)


def test_onnx_export_of_a_calibrated_run_matches_predict(trained, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from core.data.augment import eval_batch, to_model_input
    from core.data.decode import decode_square
    from core.export.model_file import export_model

    _, run = trained
    meta = read_meta(run)
    write_meta(run, {**meta, "calibration": {**meta["calibration"], "temperature": 0.4}})
    try:
        out = export_model(run, "onnx", tmp_path / "m.onnx")
        lm = load_run(run, "cpu", "fp32")
        photos = collect_images([run.parent.parent / "test"])[:4]
        preds, _ = predict_files(lm, photos)
    finally:
        write_meta(run, meta)
    x = to_model_input(eval_batch(torch.from_numpy(np.stack([decode_square(p, lm.side) for p in photos])),
                                  lm.image_size), torch.device("cpu"), False, mean=lm.mean, std=lm.std).numpy()
    session = ort.InferenceSession(str(out.path))
    got = session.run(None, {"image": x})[0]
    assert np.allclose(got, np.array([p.probs for p in preds]), atol=1e-4)
    assert json.loads(out.json_path.read_text())["temperature"] == pytest.approx(0.4)


def test_grad_cam_shows_the_calibrated_probabilities_predict_gives(trained):
    from core.explain.photos import explain_files

    _, run = trained
    meta = read_meta(run)
    write_meta(run, {**meta, "calibration": {**meta["calibration"], "temperature": 0.3}})
    try:
        lm = load_run(run, "cpu", "fp32")
        photos = collect_images([run.parent.parent / "test"])[:3]
        cams, _ = explain_files(lm, photos)
        preds, _ = predict_files(lm, photos)
    finally:
        write_meta(run, meta)
    assert np.allclose([c.probs for c in cams], [p.probs for p in preds], atol=1e-4)
