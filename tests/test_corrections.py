"""The corrections file: read and checked in one line per mistake, applied exactly by training, photos untouched."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import write_flat

from core.cli.parser import main
from core.data.corrections import (
    FILE_NAME,
    Correction,
    apply_corrections,
    read_corrections,
    set_decision,
    write_corrections,
)
from core.data.discover import discover
from core.errors import InputError
from core.runs import store

CLASSES = ["cat", "dog"]
TRAIN = ["--arch", "lenet", "--image-size", "32", "--batch-size", "16", "--lr", "0.003"]


def photo_hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.jpg"))}


def write_file(path, *rows: str) -> None:
    path.write_text("path,action,label\n" + "".join(r + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def data(tmp_path):
    return write_flat(tmp_path / "train", 12)


@pytest.mark.parametrize("row, needle", [
    ("cat.1.jpg,rename,", "line 3: action 'rename' is unknown"),
    ("cat.1.jpg,relabel,", "line 3: label is empty"),
    ("cat.1.jpg,relabel,horse", "line 3: label 'horse' is not a class"),
    ("../cat.1.jpg,exclude,", "line 3: path '../cat.1.jpg' is outside the data folder"),
    ("cat.1.jpg,exclude,,extra", "line 3: 4 fields"),
])
def test_a_wrong_row_is_one_line_naming_the_file_and_line(data, row, needle):
    file = data / FILE_NAME
    write_file(file, "dog.2.jpg,keep,", row)
    with pytest.raises(InputError) as err:
        read_corrections(file, data, CLASSES)
    message = str(err.value)
    assert "\n" not in message and str(file) in message and needle in message


def test_a_wrong_header_and_a_wrong_row_via_the_command_exit_2_before_training(data, tmp_path, capsys):
    (data / FILE_NAME).write_text("photo,decision\ncat.1.jpg,exclude\n", encoding="utf-8")
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and FILE_NAME in err and "line 1" in err and "header" in err
    assert not (tmp_path / "w").exists()
    other = tmp_path / "mine.csv"
    write_file(other, "dog.3.jpg,relabel,horse")
    assert main(["train", str(data), *TRAIN, "--corrections", str(other), "--out", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(other) in err and "line 2" in err and "horse" in err


def test_decisions_last_one_wins_keep_stays_and_undo_forgets(data):
    file = data / FILE_NAME
    set_decision(file, data, CLASSES, data / "cat.1.jpg", "exclude")
    set_decision(file, data, CLASSES, "dog.2.jpg", "keep")
    rows = set_decision(file, data, CLASSES, "cat.1.jpg", "relabel", "Dogs")  # the folder's spelling is written
    assert rows == [Correction("dog.2.jpg", "keep", "", 3), Correction("cat.1.jpg", "relabel", "dog")]
    assert file.read_text(encoding="utf-8") == "path,action,label\ndog.2.jpg,keep,\ncat.1.jpg,relabel,dog\n"
    set_decision(file, data, CLASSES, "cat.1.jpg", None)
    assert [(r.path, r.action) for r in read_corrections(file, data, CLASSES).rows] == [("dog.2.jpg", "keep")]
    with pytest.raises(InputError, match="label 'horse' is not a class"):
        set_decision(file, data, CLASSES, "cat.2.jpg", "relabel", "horse")


def test_apply_relabels_excludes_and_counts_only_changes(data, tmp_path):
    file = tmp_path / "c.csv"
    write_corrections(file, [Correction("cat.1.jpg", "relabel", "dog"), Correction("cat.2.jpg", "relabel", "cat"),
                             Correction("dog.3.jpg", "exclude"), Correction("dog.4.jpg", "keep"),
                             Correction("dog.5.jpg", "exclude"), Correction("dog.5.jpg", "relabel", "cat")])
    index = discover(data)
    samples, relabeled, excluded = apply_corrections(index.samples, read_corrections(file, data, index.classes))
    labels = {s.path.name: index.classes[s.label] for s in samples}
    assert (relabeled, excluded) == (2, 1)  # cat.2 is already a cat; dog.5's last row relabels it
    assert labels["cat.1.jpg"] == "dog" and labels["dog.5.jpg"] == "cat" and "dog.3.jpg" not in labels
    assert len(samples) == len(index.samples) - 1


def test_a_row_naming_a_photo_the_layout_leaves_out_is_an_error(data, tmp_path):
    write_flat(data / "test", 1)  # a stray sub-folder next to the flat names: not a training photo
    write_file(data / FILE_NAME, "dog.1.jpg,exclude,", "test/cat.0.jpg,exclude,")
    index = discover(data)
    with pytest.raises(InputError, match=r"line 3: path 'test/cat.0.jpg' is not one of the training photos"):
        apply_corrections(index.samples, read_corrections(data / FILE_NAME, data, index.classes))


def test_training_applies_the_file_exactly_and_never_touches_a_photo(data, tmp_path, capsys):
    write_file(data / FILE_NAME, "cat.0.jpg,relabel,dog", "cat.1.jpg,relabel,dog", "dog.0.jpg,relabel,cat",
               "dog.1.jpg,exclude,", "cat.2.jpg,exclude,", "dog.2.jpg,keep,")
    before = photo_hashes(data)
    csv_before = (data / FILE_NAME).read_bytes()
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w"), "--name", "r"]) == 0
    out = capsys.readouterr().out
    assert f"Applying {FILE_NAME}: 3 relabeled, 2 excluded" in out.splitlines()
    run = tmp_path / "w" / "r"
    meta = json.loads((run / "meta.json").read_text())
    assert meta["data"]["corrections"] == {"file": str(data / FILE_NAME), "relabeled": 3, "excluded": 2}
    assert meta["data"]["train_images"] + meta["data"]["val_images"] == 24 - 2
    split = store.load_checkpoint(run)["split"]
    labels = {name: label for name, label in split["train"] + split["val"]}
    assert "dog.1.jpg" not in labels and "cat.2.jpg" not in labels
    assert (labels["cat.0.jpg"], labels["cat.1.jpg"], labels["dog.0.jpg"], labels["dog.2.jpg"]) == (1, 1, 0, 1)
    assert photo_hashes(data) == before and (data / FILE_NAME).read_bytes() == csv_before
    assert sorted(p.name for p in data.iterdir()) == sorted([*before, FILE_NAME])


def test_a_photo_deleted_by_hand_since_its_decision_is_passed_over_not_an_error(data, tmp_path, capsys):
    """Deleting a decided photo in the file manager must not lock the folder: training, new decisions and the
    trash go on, and the row stays in case the photo comes back."""
    write_file(data / FILE_NAME, "cat.0.jpg,relabel,dog", "cat.1.jpg,exclude,", "dog.0.jpg,exclude,")
    (data / "cat.0.jpg").unlink()
    (data / "cat.1.jpg").unlink()
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w"), "--name", "r"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("Applying"))
    assert line.startswith(f"Applying {FILE_NAME}: 0 relabeled, 1 excluded (2 row(s) name photos no longer")
    assert "cat.0.jpg, cat.1.jpg" in line
    meta = json.loads((tmp_path / "w" / "r" / "meta.json").read_text())
    assert meta["data"]["corrections"]["excluded"] == 1
    assert meta["data"]["train_images"] + meta["data"]["val_images"] == 24 - 3
    rows = set_decision(data / FILE_NAME, data, CLASSES, data / "dog.5.jpg", "keep")
    assert [r.path for r in rows] == ["cat.0.jpg", "cat.1.jpg", "dog.0.jpg", "dog.5.jpg"]
    from core.data.trash import excluded_photos

    assert excluded_photos(data / FILE_NAME, data, CLASSES) == [data / "dog.0.jpg"]


def test_no_corrections_ignores_the_file_and_another_file_can_be_named(data, tmp_path, capsys):
    write_file(data / FILE_NAME, "dog.1.jpg,exclude,")
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w"), "--name", "off",
                 "--no-corrections"]) == 0
    assert "Applying" not in capsys.readouterr().out
    meta = json.loads((tmp_path / "w" / "off" / "meta.json").read_text())
    assert meta["data"]["corrections"] is None and meta["data"]["train_images"] + meta["data"]["val_images"] == 24
    other = tmp_path / "mine.csv"
    write_file(other, "cat.5.jpg,relabel,dog")
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w"), "--name", "other",
                 "--corrections", str(other)]) == 0
    assert f"Applying {other}: 1 relabeled, 0 excluded" in capsys.readouterr().out
    meta = json.loads((tmp_path / "w" / "other" / "meta.json").read_text())
    assert meta["data"]["corrections"] == {"file": str(other), "relabeled": 1, "excluded": 0}


def test_corrections_apply_to_data_not_to_the_validation_folder(data, tmp_path):
    val = write_flat(tmp_path / "val", 4, seed=3)
    write_file(data / FILE_NAME, "cat.1.jpg,exclude,")
    write_file(val / FILE_NAME, "cat.0.jpg,exclude,", "cat.1.jpg,exclude,")  # --val's own file is not read
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--val", str(val), "--out", str(tmp_path / "w"),
                 "--name", "v"]) == 0
    meta = json.loads((tmp_path / "w" / "v" / "meta.json").read_text())
    assert (meta["data"]["train_images"], meta["data"]["val_images"]) == (23, 8)
    assert meta["data"]["corrections"]["excluded"] == 1


def test_resume_after_the_file_changed_keeps_the_runs_labels_and_says_so(data, tmp_path, capsys):
    write_file(data / FILE_NAME, "cat.0.jpg,relabel,dog", "dog.1.jpg,exclude,")
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w"), "--name", "r"]) == 0
    run = tmp_path / "w" / "r"
    split = store.load_checkpoint(run)["split"]
    write_file(data / FILE_NAME, "cat.0.jpg,keep,", "dog.4.jpg,exclude,", "dog.5.jpg,exclude,")
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{FILE_NAME} changed since this run started (then: 1 relabeled, 1 excluded); continuing on the run's " \
           "recorded photos and labels" in out
    assert "Applying" not in out
    resumed = store.load_checkpoint(run)
    assert resumed["epoch"] == 2 and resumed["split"]["train"] == split["train"]
    assert resumed["split"]["val"] == split["val"]
    meta = json.loads((run / "meta.json").read_text())
    assert meta["data"]["corrections"] == {"file": str(data / FILE_NAME), "relabeled": 1, "excluded": 1}
    assert main(["train", "--resume", str(run), "--epochs", "3", "--no-corrections"]) == 2
    assert "--no-corrections" in capsys.readouterr().err


def test_resume_with_the_same_file_says_nothing_of_a_change(data, tmp_path, capsys):
    write_file(data / FILE_NAME, "cat.0.jpg,relabel,dog")
    assert main(["train", str(data), *TRAIN, "--epochs", "1", "--out", str(tmp_path / "w"), "--name", "r"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "w" / "r"), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert f"Applying {FILE_NAME}: 1 relabeled, 0 excluded" in out and "changed since" not in out


def test_a_data_folder_given_relatively_is_corrected_too(tmp_path, monkeypatch):
    """`catdog train data` from the folder above: discover() lists data/cat.1.jpg, the file says cat.1.jpg."""
    from core.data.corrections import apply_corrections, training_corrections
    from core.data.discover import discover

    write_flat(tmp_path / "data", 4)
    (tmp_path / "data" / "catdog-corrections.csv").write_text("path,action,label\ncat.1.jpg,exclude,\n"
                                                             "cat.2.jpg,relabel,dog\n")
    monkeypatch.chdir(tmp_path)
    index = discover("data")
    fixes = training_corrections(index.root, index.classes)
    samples, relabeled, excluded = apply_corrections(list(index.samples), fixes)
    assert (relabeled, excluded) == (1, 1) and len(samples) == 7


def test_excluded_photos_go_to_the_trash_and_their_rows_with_them(tmp_path, trash_files):
    """Only on request; the other photos stay byte-identical, and training runs on what is left."""
    from core.data.corrections import default_file, read_corrections, set_decision
    from core.data.trash import excluded_photos, trash_excluded

    data = write_flat(tmp_path / "data", 6)
    classes = ["cat", "dog"]
    file = default_file(data)
    set_decision(file, data, classes, data / "cat.1.jpg", "exclude")
    set_decision(file, data, classes, data / "cat.2.jpg", "relabel", "dog")
    set_decision(file, data, classes, data / "dog.3.jpg", "exclude")
    others = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.glob("*.jpg")
              if p.name not in ("cat.1.jpg", "dog.3.jpg")}
    assert sorted(p.name for p in excluded_photos(file, data, classes)) == ["cat.1.jpg", "dog.3.jpg"]
    moved, failed = trash_excluded(file, data, classes)
    assert sorted(p.name for p in moved) == ["cat.1.jpg", "dog.3.jpg"] and not failed
    assert not (data / "cat.1.jpg").exists() and not (data / "dog.3.jpg").exists()
    trashed = sorted(p.name for p in trash_files.iterdir())
    assert trashed == ["cat.1.jpg", "dog.3.jpg"]  # in the trash, not deleted
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.glob("*.jpg")} == others
    assert [(r.path, r.action) for r in read_corrections(file, data, classes).rows] == [("cat.2.jpg", "relabel")]
    assert main(["train", str(data), "--arch", "lenet", "--epochs", "1", "--image-size", "32",
                 "--out", str(tmp_path / "w"), "--name", "r"]) == 0  # no row names a photo that went
