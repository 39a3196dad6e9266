"""`catdog check`: wrong labels and near-duplicates found among synthetic photos, and nothing touched."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import write_flat
from PIL import Image, ImageDraw

from core.check.suspects import check_folder
from core.cli.parser import main

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    """30 red discs (cat) and 30 blue squares (dog), 3 of them under the other class's name, a scene twice."""
    root = tmp_path_factory.mktemp("check")
    data = write_flat(root / "data", 30, size=64)
    flipped = []
    for i in (1, 2, 3):
        (data / f"cat.{i}.jpg").rename(data / f"dog.{100 + i}.jpg")
        flipped.append(f"dog.{100 + i}.jpg")
    for k in range(4):
        scene(k).save(data / f"dog.{300 + k}.jpg", quality=92)
    scene(0).save(data / "dog.200.jpg", quality=75)  # dog.300 again, re-encoded (a resized copy: scripts/check_bench.py)
    (root / "test").mkdir()
    shutil.copy(data / "cat.9.jpg", root / "test" / "1.jpg")  # a test photo seen in training
    Image.open(data / "dog.8.jpg").rotate(90).save(root / "test" / "2.jpg")
    return root, data, flipped


def scene(seed: int, size: int = 160) -> Image.Image:
    """A photo-like picture: a smooth two-colour background and a dozen shapes, different for every seed."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 255, (2, 3))
    t = np.linspace(0, 1, size)[:, None, None]
    im = Image.fromarray((a * (1 - t) + b * t).repeat(size, 1).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, size - 20, 2))
        w, h = (int(v) for v in rng.integers(10, 60, 2))
        shape = d.ellipse if rng.random() < 0.5 else d.rectangle
        shape([x, y, x + w, y + h], fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return im


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_flipped_labels_are_the_most_suspicious_and_the_copy_is_found(dirty, tmp_path, monkeypatch):
    root, data, flipped = dirty
    monkeypatch.setenv("CATDOG_CACHE_DIR", str(tmp_path / "cache"))
    before = digest(data)
    result = check_folder(data, folds=5, test=root / "test")
    top = [s.path.name for s in result.suspects[:6]]
    assert set(flipped) <= set(top), top
    first = next(s for s in result.suspects if s.path.name in flipped)
    assert first.kind == "label" and first.given == "dog" and first.predicted == "cat" and first.p_given < 0.5
    pairs = [{p.name for p in g.paths} for g in result.duplicates if not g.with_test]
    assert {"dog.300.jpg", "dog.200.jpg"} in pairs
    leaks = [{p.name for p in g.paths} for g in result.duplicates if g.with_test]
    assert {"cat.9.jpg", "1.jpg"} in leaks and not any("2.jpg" in g for g in leaks)
    assert digest(data) == before  # a check reads; it never renames, moves or rewrites a photo


def test_cli_json_lists_suspects_most_suspicious_first(dirty, capsys):
    _, data, flipped = dirty
    assert main(["check", str(data), "--json", "--top", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["photos"] == 65 and out["seconds"] > 0 and 3 <= len(out["suspects"]) <= 5
    assert {s["path"] for s in out["suspects"][:3]} == {str(data / name) for name in flipped}
    scores = [s["score"] for s in out["suspects"]]
    assert scores == sorted(scores, reverse=True)
    assert set(out["suspects"][0]) == {"path", "given", "predicted", "p_given", "kind", "score"}
    assert any(set(d["paths"]) == {str(data / "dog.300.jpg"), str(data / "dog.200.jpg")} for d in out["duplicates"])


def test_cli_table_and_bad_flags(dirty, capsys):
    _, data, flipped = dirty
    assert main(["check", str(data), "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "65 photos checked in" in out and any(name in out for name in flipped) and "duplicate " in out
    assert main(["check", str(data), "--arch", "resnet18x"]) == 2
    assert "--arch resnet18x" in capsys.readouterr().err
    assert main(["check", str(data), "--folds", "1"]) == 2
    assert "--folds 1: at least 2" in capsys.readouterr().err
    assert main(["check", "/no/such/folder"]) == 2


def test_neither_needs_imagenet_to_see_no_animal_and_the_folds_to_be_unsure():
    """A 'neither' photo: ImageNet's own classes see no cat, dog, wolf or fox AND the out-of-fold model cannot
    tell its class. A cat ImageNet calls a 'notebook' but the folds are sure of is no suspect; another class
    set has no ImageNet test, only the folds' doubt."""
    import torch

    from core.check.suspects import _neither_scores, _rank
    from core.models.zero_shot import CANID_FELID_CLASSES

    head = torch.nn.Linear(2, 1000, bias=False)
    with torch.no_grad():
        head.weight.zero_()
        head.weight[CANID_FELID_CLASSES.start + 5, 0] = 1.0  # feature 0: ImageNet sees a dog breed
        head.weight[620, 1] = 1.0  # feature 1: ImageNet sees a laptop, not an animal
    feats = torch.tensor([[30.0, 0.0], [0.0, 30.0], [0.0, 30.0]])  # an animal, a laptop, a laptop
    probs = np.array([[0.5, 0.5], [0.5, 0.5], [0.98, 0.02]])  # the folds: unsure, unsure, sure of "cat"
    scores = _neither_scores(head, feats, torch.device("cpu"), probs, cat_dog=True)
    assert scores[0] < 0.01 and scores[1] > 0.99 and scores[2] < 0.25
    ranked = _rank(["cat", "dog"], [Path("a.jpg"), Path("b.jpg"), Path("c.jpg")], np.array([0, 0, 0]), probs, scores)
    kinds = {s.path.name: s.kind for s in ranked}
    assert kinds["b.jpg"] == "neither" and kinds.get("a.jpg") == "label" and "c.jpg" not in kinds
    assert ranked[0].path.name == "b.jpg"
    three = np.array([[1 / 3, 1 / 3, 1 / 3], [0.9, 0.05, 0.05]])
    generic = _neither_scores(head, feats[:2], torch.device("cpu"), three, cat_dog=False)
    assert generic[0] > 0.99 and generic[1] < 0.2
