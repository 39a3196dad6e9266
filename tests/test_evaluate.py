"""`catdog eval` and `catdog explain` on a 3-class data set: the matrix, the per-photo CSV, the run's own split."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import draw_sample
from PIL import Image, ImageDraw

from core.cli.parser import main
from core.inference.eval_sets import eval_set
from core.runs import layout, store
from core.runs.meta import read_meta

CLASSES = ("cat", "dog", "fox")


def write_three_classes(folder: Path, per_class: int, seed: int = 0, size: int = 40) -> Path:
    """cat: red disc, dog: blue square, fox: green triangle, one sub-folder per class."""
    rng = np.random.default_rng(seed)
    for name in CLASSES:
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            if name == "fox":
                im = Image.fromarray(rng.integers(60, 200, (size, size, 3), dtype=np.uint8))
                x, y = (int(v) for v in rng.integers(4, size - 16, 2))
                ImageDraw.Draw(im).polygon([(x, y + 12), (x + 12, y + 12), (x + 6, y)], fill=(30, 200, 30))
            else:
                im = draw_sample(name, rng, size)
            im.save(folder / name / f"{name}_{i}.png")
    return folder


def confusion_from_output(out: str, n: int) -> np.ndarray:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix")) + 2
    return np.array([[int(v) for v in line.split()[1:]] for line in lines[start:start + n]])


_TRAINED: dict[str, tuple[Path, Path]] = {}


def trained_three(tmp_path_factory) -> tuple[Path, Path]:
    """One tiny 3-class LeNet run per test session (the GUI tests use it too): (training folder, run folder)."""
    if "run" not in _TRAINED:
        root = tmp_path_factory.mktemp("three")
        data = write_three_classes(root / "train", 10)
        assert main(["train", str(data), "--arch", "lenet", "--image-size", "32", "--epochs", "1",
                     "--batch-size", "8", "--out", str(root / "w"), "--name", "three"]) == 0
        _TRAINED["run"] = (data, root / "w" / "three")
    return _TRAINED["run"]


@pytest.fixture
def run3(tmp_path_factory) -> tuple[Path, Path]:
    return trained_three(tmp_path_factory)


def test_eval_three_classes_matrix_csv_and_log_loss(run3, tmp_path, capsys):
    _, run = run3
    holdout = write_three_classes(tmp_path / "holdout", 5, seed=3)
    (holdout / "dog" / "broken.png").write_text("not a photo")
    out_csv = tmp_path / "preds.csv"
    capsys.readouterr()
    assert main(["eval", str(run), str(holdout), "--predictions", str(out_csv)]) == 0
    out = capsys.readouterr().out
    m = confusion_from_output(out, 3)
    assert m.shape == (3, 3) and m.sum() == 15 and m.sum(1).tolist() == [5, 5, 5]
    assert "broken.png" in out and "log loss" in out and "F1" in out
    rows = list(csv.DictReader(out_csv.open()))
    assert list(rows[0]) == ["path", "true", "predicted", "p_cat", "p_dog", "p_fox", "loss"]
    assert len(rows) == 15 and {Path(r["path"]).parent.name for r in rows} == set(CLASSES)
    losses = [float(r["loss"]) for r in rows]
    assert losses == sorted(losses, reverse=True)
    for r in rows:
        probs = {c: float(r[f"p_{c}"]) for c in CLASSES}
        assert abs(sum(probs.values()) - 1) < 1e-4 and r["predicted"] == max(probs, key=probs.get)
        assert abs(float(r["loss"]) + math.log(probs[r["true"]])) < 1e-3
    counted = np.zeros((3, 3), int)
    for r in rows:
        counted[CLASSES.index(r["true"]), CLASSES.index(r["predicted"])] += 1
    assert (counted == m).all()
    printed = float(out.split("log loss ")[1].split()[0])
    assert abs(printed - np.mean(losses)) < 1e-3
    assert list(tmp_path.glob(".*.tmp")) == []


def test_eval_defaults_to_the_runs_own_validation_photos(run3, capsys):
    data, run = run3
    meta = read_meta(run)
    record = store.load_checkpoint(run)["split"]
    chosen = eval_set(str(run), meta["classes"])
    assert sorted(str(p.relative_to(data)) for p, _ in chosen.samples) == sorted(name for name, _ in record["val"])
    assert len(chosen.samples) == meta["data"]["val_images"] == 6
    capsys.readouterr()
    assert main(["eval", str(run)]) == 0
    out = capsys.readouterr().out
    assert "validation photos of three" in out and confusion_from_output(out, 3).sum() == 6


def test_a_run_without_its_checkpoint_redraws_the_same_split(run3, tmp_path):
    data, run = run3
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (layout.META_FILE, layout.MODEL_FILE):
        (copy / name).write_bytes((run / name).read_bytes())
    classes = read_meta(run)["classes"]
    assert sorted(eval_set(str(copy), classes).samples) == sorted(eval_set(str(run), classes).samples)


def test_eval_errors_are_one_line(run3, tmp_path, capsys):
    data, run = run3
    assert main(["eval", "imagenet:efficientnet_lite0"]) == 2
    assert "choose a labelled folder" in capsys.readouterr().err
    photo = data / "cat" / "cat_0.png"
    before = photo.read_bytes()
    assert main(["eval", str(run), str(data), "--predictions", str(photo), "--force"]) == 2
    assert "never written onto an input" in capsys.readouterr().err and photo.read_bytes() == before


def test_explain_writes_titled_pictures(run3, tmp_path, capsys):
    data, run = run3
    photos = [data / "cat" / "cat_0.png", data / "fox" / "fox_1.png"]
    out = tmp_path / "cams"
    capsys.readouterr()
    assert main(["explain", str(run), *map(str, photos), "--out", str(out), "--stage", "conv1"]) == 0
    printed = capsys.readouterr().out
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 2 and str(out) in printed and "stage conv1" in printed
    for png in pngs:
        stem, cls, prob = png.stem.rsplit("_", 2)
        assert cls in CLASSES and 0 < float(prob) <= 1
        assert Image.open(png).size[0] > 2 * 300
    assert main(["explain", str(run), str(photos[0]), "--out", str(out), "--stage", "layer9"]) == 2
    assert "conv1, conv2" in capsys.readouterr().err
