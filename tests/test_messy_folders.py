"""Ordinary messy folders a new user has: stray sub-folders, system clutter, dead classes, bad flags."""

from __future__ import annotations

import json
import time

import pytest
from conftest import write_flat, write_folders
from PIL import Image

from core.cli.parser import main
from core.data import cache as cache_mod
from core.data.discover import discover
from core.errors import InputError

# its module-scoped fixture is built once: every test of this file runs in one xdist worker
pytestmark = pytest.mark.xdist_group(__name__)

TINY = ["--arch", "lenet", "--epochs", "1", "--image-size", "32", "--batch-size", "16"]


def _clutter(root):
    """What a Kaggle download, a Mac zip and a notebook leave next to the photos."""
    write_flat(root / "test", 0)
    for i in range(3):
        Image.new("RGB", (8, 8)).save(root / "test" / f"{i + 1}.jpg")
    (root / "__MACOSX").mkdir()
    Image.new("RGB", (8, 8)).save(root / "__MACOSX" / "cat.1.jpg")
    (root / ".ipynb_checkpoints").mkdir()
    Image.new("RGB", (8, 8)).save(root / ".ipynb_checkpoints" / "x.jpg")


def test_flat_folder_with_stray_subfolders_trains_on_the_flat_photos(tmp_path):
    root = write_flat(tmp_path / "train", 6)
    _clutter(root)
    index = discover(root)
    assert index.layout == "flat" and index.classes == ["cat", "dog"] and len(index.samples) == 12
    reasons = {p.name: r for p, r in index.ignored}
    assert "test" in reasons and "3 photos" in reasons["test"]
    assert "never a class" in reasons["__MACOSX"] and "never a class" in reasons[".ipynb_checkpoints"]


def test_hidden_and_system_folders_are_never_classes(tmp_path):
    root = write_folders(tmp_path / "d", 3, names=("cats", "dogs"))
    _clutter(root)  # test/ has photos too: a third class by name, like kittens/
    index = discover(root)
    assert index.classes == ["cats", "dogs", "test"]
    assert not any(c.startswith((".", "__")) for c in index.classes)


def test_both_layouts_of_similar_size_are_refused(tmp_path):
    root = write_flat(tmp_path / "d", 5)
    write_folders(root, 4, names=("cats", "dogs"))
    with pytest.raises(InputError, match="both Kaggle flat names .*cats/, dogs/.* move one of them out"):
        discover(root)
    write_folders(root, 40, names=("cats", "dogs"))  # now clearly the folders
    assert discover(root).layout == "folders"


def test_class_with_no_readable_photo_is_an_error_naming_it(tmp_path, capsys):
    root = write_folders(tmp_path / "d", 12, names=("cats", "dogs"))
    for p in (root / "dogs").iterdir():
        p.write_bytes(b"\xff\xd8 not really a jpeg")
    assert main(["train", str(root), *TINY, "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "class 'dogs' has no readable photo" in err and "img_" in err
    assert not list((tmp_path / "w").glob("*/model.safetensors"))


def test_starved_class_is_warned_in_summary_and_meta(tmp_path, capsys):
    root = write_folders(tmp_path / "d", 30, names=("cats", "dogs"))
    for p in sorted((root / "dogs").iterdir())[6:]:
        p.unlink()
    assert main(["train", str(root), *TINY, "--out", str(tmp_path / "w"), "--name", "r"]) == 0
    out = capsys.readouterr().out
    assert "warning: class 'dogs' has only 6 readable photo(s)" in out
    meta = json.loads((tmp_path / "w" / "r" / "meta.json").read_text())
    assert meta["warnings"] == ["class 'dogs' has only 6 readable photo(s): at least 10 are needed to learn it"]


def test_imbalance_20x_is_warned(tmp_path):
    from core.data.classes import balance_warnings

    assert balance_warnings({"cat": 400, "dog": 20}) == [
        "class 'dog' has 20 readable photos, 20x fewer than 'cat' (400): the model may learn to ignore it"]
    assert balance_warnings({"cat": 400, "dog": 21}) == []


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy")
    data = write_flat(root / "train", 12)
    assert main(["train", str(data), *TINY, "--out", str(root / "w"), "--name", "flat"]) == 0
    return root, root / "w" / "flat"


def test_eval_accepts_cats_dogs_folders_for_a_model_trained_on_flat_names(flat_run, tmp_path, capsys):
    _, run = flat_run
    data = write_folders(tmp_path / "holdout", 4, names=("Cats", "dogs"))
    assert main(["eval", str(run), str(data)]) == 0
    assert "accuracy" in capsys.readouterr().out


def test_eval_with_no_readable_photo_exits_2(flat_run, tmp_path, capsys):
    _, run = flat_run
    data = tmp_path / "bad"
    data.mkdir()
    for name in ("cat.1.jpg", "dog.1.jpg"):
        (data / name).write_text("not a photo")
    assert main(["eval", str(run), str(data)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no readable photo" in err and "cat.1.jpg" in err


def test_eval_missing_folder_names_it(flat_run, capsys):
    _, run = flat_run
    assert main(["eval", str(run), "/no/such/holdout"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("DATA: evaluation folder /no/such/holdout does not exist")


def _no_decoding(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("photos decoded before the flags were checked")

    monkeypatch.setattr(cache_mod, "decode_square", refuse)


@pytest.mark.parametrize("extra,needle", [
    (["--cache-mb", "-5"], "--cache-mb -5: must be 0 or more"),
    (["--name", "a/b"], "--name 'a/b'"),
    (["--val", "/no/such/val"], "--val: validation folder /no/such/val does not exist"),
    (["--val-split", "1.5"], "--val-split"),
])
def test_train_flags_checked_before_any_photo_is_read(tmp_path, monkeypatch, capsys, extra, needle):
    data = write_flat(tmp_path / "d", 3)
    _no_decoding(monkeypatch)
    start = time.monotonic()
    assert main(["train", str(data), *TINY, "--out", str(tmp_path / "w"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("extra,needle", [
    (["--csv", ""], "--csv: empty file name"),
    (["--positive-class", "dog"], "--positive-class: only used with --csv"),
    (["--force"], "--force: only used with --csv"),
    (["--csv", "x.csv", "--positive-class", "kittens"], "--positive-class kittens: not a class"),
])
def test_predict_flags_exit_2_naming_the_flag(flat_run, tmp_path, monkeypatch, capsys, extra, needle):
    _, run = flat_run
    (tmp_path / "t").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "t" / "1.jpg")
    monkeypatch.chdir(tmp_path)
    assert main(["predict", str(run), str(tmp_path / "t"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err
    assert not (tmp_path / "x.csv").exists()


def test_eval_refuses_a_class_the_model_does_not_know(flat_run, tmp_path, capsys):
    _, run = flat_run
    data = write_folders(tmp_path / "holdout", 2, names=("cats", "kittens"))
    assert main(["eval", str(run), str(data)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "kittens match none of the known classes (cat, dog" in err
