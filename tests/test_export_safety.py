"""The submission CSV can never be wrong or destroy a file: label mapping, overwrites, modes, links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import write_test_folder

from core.cli.parser import main
from core.errors import InputError
from core.inference.predict import Prediction
from core.inference.submission import (
    check_complete,
    check_csv_target,
    format_submission,
    label_words,
    positive_index,
)
from core.runs import store
from core.runs.meta import write_meta


def fake_run(weights: Path, classes: list[str], name: str = "run") -> Path:
    """A run folder as core writes it (an untrained lenet at 32 px) with the given class names."""
    from core.models.registry import build_model

    run = weights / name
    run.mkdir(parents=True)
    store.save_model(run, build_model("lenet", len(classes)))
    write_meta(run, {"arch": "lenet", "classes": classes, "image_size": 32, "status": "finished"})
    return run


@pytest.mark.parametrize("classes,dog", [(["cat", "dog"], 1), (["Dogs", "cats"], 0), (["CATS", "Dog"], 1)])
def test_label_1_is_the_class_named_dog_whatever_the_index_order(classes, dog):
    assert positive_index(classes) == dog
    preds = [Prediction(Path("1.jpg"), [1.0, 0.0]), Prediction(Path("2.jpg"), [0.0, 1.0])]
    rows = format_submission(preds, classes).splitlines()[1:]
    assert rows == (["1,1", "2,0"] if dog == 0 else ["1,0", "2,1"])
    assert format_submission(preds, classes, "proba").splitlines()[1] == ("1,0.995000" if dog == 0 else "1,0.005000")


@pytest.mark.parametrize("classes", [["cats", "dogs", "kittens"], ["apple", "pear"], ["dog", "dogs"]])
def test_other_class_sets_need_the_positive_class(classes):
    with pytest.raises(InputError, match="--positive-class"):
        positive_index(classes)
    assert positive_index(classes, classes[-1]) == len(classes) - 1
    with pytest.raises(InputError, match="--positive-class nope: not a class"):
        positive_index(classes, "nope")


def test_label_words():
    assert label_words(["cats", "dogs"], 1) == "1 = dogs, 0 = cats"
    assert label_words(["cats", "dogs", "kittens"], 1) == "1 = dogs, 0 = any other class (cats, kittens)"


def test_cli_three_class_model_refuses_competition_csv_unless_told(tmp_path, capsys):
    run = fake_run(tmp_path / "w", ["cats", "dogs", "kittens"])
    write_test_folder(tmp_path / "test", [1, 2, 3])
    out = tmp_path / "sub.csv"
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--positive-class" in err and "kittens" in err
    assert not out.exists()
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(out), "--positive-class", "dogs"]) == 0
    assert "1 = dogs, 0 = any other class (cats, kittens)" in capsys.readouterr().out
    assert out.read_text().splitlines()[0] == "id,label" and len(out.read_text().splitlines()) == 4


def test_csv_never_written_onto_an_input_photo(tmp_path, capsys):
    run = fake_run(tmp_path / "w", ["cat", "dog"])
    write_test_folder(tmp_path / "test", [1, 2])
    photo = tmp_path / "test" / "2.jpg"
    before = photo.read_bytes()
    for target in (photo, tmp_path / "link.csv"):
        if target.name == "link.csv":
            target.symlink_to(photo)  # a link to an input is still the input
        assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(target), "--force"]) == 2
        err = capsys.readouterr().err
        assert "is an input" in err and "2.jpg" in err
    assert photo.read_bytes() == before


def test_csv_never_written_onto_the_model(tmp_path, capsys):
    run = fake_run(tmp_path / "w", ["cat", "dog"])
    write_test_folder(tmp_path / "test", [1])
    weights = (run / "model.safetensors").read_bytes()
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(run / "model.safetensors"), "--force"]) == 2
    assert "is an input" in capsys.readouterr().err and (run / "model.safetensors").read_bytes() == weights


def test_existing_non_csv_file_needs_force(tmp_path, capsys):
    run = fake_run(tmp_path / "w", ["cat", "dog"])
    write_test_folder(tmp_path / "test", [1])
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(notes)]) == 2
    assert "--force" in capsys.readouterr().err and notes.read_text() == "my notes"
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(notes), "--force"]) == 0
    assert notes.read_text().startswith("id,label\n1,")
    old = tmp_path / "old.csv"
    old.write_text("id,label\n")
    assert main(["predict", str(run), str(tmp_path / "test"), "--csv", str(old)]) == 0  # a CSV is replaced


def test_csv_target_checks():
    with pytest.raises(InputError, match="--csv: empty file name"):
        check_csv_target("  ", [])
    with pytest.raises(InputError, match="is a folder"):
        check_csv_target("/tmp", [])


def test_all_rows_or_no_file():
    check_complete(3, [], False)
    with pytest.raises(InputError, match="cannot read 1 test image.*9.jpg: empty file"):
        check_complete(3, [(Path("9.jpg"), "empty file")])
    with pytest.raises(InputError, match="cancelled after 3 of 10 photos"):
        check_complete(3, [], True, total=10)


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_new_csv_honours_umask_and_replaced_file_keeps_its_mode(tmp_path, umask_027, capsys):
    from core.inference.submission import write_submission

    preds = [Prediction(Path("1.jpg"), [0.2, 0.8])]
    new = tmp_path / "new.csv"
    write_submission(new, preds, ["cat", "dog"])
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    shared = tmp_path / "shared.csv"
    shared.write_text("old")
    shared.chmod(0o664)
    write_submission(shared, preds, ["cat", "dog"])
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664 and shared.read_text() == "id,label\n1,1\n"


def test_csv_path_that_is_a_symlink_is_written_through(tmp_path):
    from core.inference.submission import write_submission

    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "sub.csv"
    target.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    write_submission(link, [Prediction(Path("4.jpg"), [0.9, 0.1])], ["cat", "dog"])
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "id,label\n4,0\n"
    assert sorted(os.listdir(tmp_path / "real")) == ["sub.csv"]


def test_dangling_and_looping_links_in_test_folder_are_named_and_no_csv(tmp_path, capsys):
    run = fake_run(tmp_path / "w", ["cat", "dog"])
    test = tmp_path / "test"
    write_test_folder(test, [1, 2])
    (test / "3.jpg").symlink_to(tmp_path / "gone.jpg")
    (test / "4.jpg").symlink_to(test / "4.jpg")
    out = tmp_path / "sub.csv"
    assert main(["predict", str(run), str(test), "--csv", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot read 2 test image(s)" in err
    assert "3.jpg: broken symbolic link" in err and "4.jpg: symbolic link loop" in err
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))
    assert main(["predict", str(run), str(test)]) == 0  # without --csv: the readable ones, the others named
    captured = capsys.readouterr()
    assert "1.jpg" in captured.out and "skipped" in captured.err and "3.jpg" in captured.err


def test_umask_is_read_without_changing_it(umask_027):
    from core.utils.atomic import current_umask

    assert current_umask() == 0o027 and current_umask() == 0o027
