"""Odd file names and odd write targets (issue 22, items 5 and 6): CR and non-UTF-8 names, '²', devices,
FIFOs, full disks, exporter errors, killed writers. A full disk is real where no root mount is needed
(RLIMIT_FSIZE: a write past the limit fails as on a full disk), else the writer raises ENOSPC."""

from __future__ import annotations

import contextlib
import csv
import errno
import os
import resource
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import write_folders, write_test_folder
from test_export_safety import fake_run

from core.cli.parser import main
from core.data.discover import discover
from core.data.walk import image_files, natural_key
from core.errors import InputError
from core.failures import describe_failure
from core.inference.evaluate import EvalResult, PhotoResult, predictions_csv
from core.inference.predict import Prediction
from core.inference.submission import submission_id, write_submission

ROOT = Path(__file__).parents[1]
NOT_UTF8 = b"\xff\xfe"  # what a Windows-1252 or Latin-1 name looks like to a UTF-8 system


def catdog(*args: str, fsize: int | None = None) -> subprocess.CompletedProcess:
    """The real command in a real process; stdout strict UTF-8, as in an en_US.UTF-8 terminal (not C.UTF-8)."""
    def limit() -> None:  # a write past ``fsize`` bytes fails (EFBIG), as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, timeout=300,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"}, preexec_fn=limit if fsize else None)


def one_line(stderr: str | bytes) -> str:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    assert len(lines := [x for x in text.strip().splitlines() if "arning" not in x and "warn(" not in x]) == 1, text
    return lines[0]


def leftovers(folder: Path) -> list[str]:  # temporary files
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def run(tmp_path) -> Path:
    return fake_run(tmp_path / "w", ["cat", "dog"])  # an untrained lenet at 32 px: loads in an instant


@pytest.fixture
def labelled(tmp_path) -> Path:
    return write_folders(tmp_path / "data", 2, names=("cat", "dog"), size=40)


# item 1: CR/LF in a name never splits a row

def test_predictions_csv_quotes_carriage_returns_and_newlines():
    names = ["a\rb.png", "c\nd.png", "e\r\nf.png", "plain.png"]
    text = predictions_csv(EvalResult(["cat", "dog"], [PhotoResult(Path(n), 0, [0.6, 0.4]) for n in names]))
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert len(rows) == 1 + len(names) and sorted(r[0] for r in rows[1:]) == sorted(names)
    assert text.endswith("\n") and "\r\n" not in text.replace('"e\r\nf.png"', "")  # lines end in \n only


def test_eval_predictions_with_a_carriage_return_in_a_photo_name(run, labelled, tmp_path, capsys):
    odd = labelled / "cat" / "a\rb.png"
    (labelled / "cat" / "img_0.png").rename(odd)
    assert main(["eval", str(run), str(labelled), "--predictions", str(out := tmp_path / "preds.csv")]) == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 5 and str(odd) in [r[0] for r in rows]
    assert all(len(r) == len(rows[0]) for r in rows)


# item 2: names that are not UTF-8 are written as the OS gives them

def test_eval_predictions_keeps_a_non_utf8_name_as_its_bytes(run, labelled, tmp_path):
    raw = os.fsencode(labelled / "dog") + b"/" + NOT_UTF8 + b".png"
    os.rename(os.fsencode(labelled / "dog" / "img_0.png"), raw)
    out = tmp_path / "preds.csv"
    proc = catdog("eval", str(run), str(labelled), "--predictions", str(out))
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert NOT_UTF8 + b".png" in proc.stdout  # the console shows the name as ls would
    assert raw + b"," in out.read_bytes()  # the CSV holds the name's own bytes: open(path) finds the photo again
    with open(out, newline="", encoding="utf-8", errors="surrogateescape") as f:
        paths = [r[0] for r in csv.reader(f)][1:]
    assert os.fsdecode(raw) in paths and all(os.path.exists(p) for p in paths)


def test_predict_csv_in_a_non_utf8_folder_and_file_name(run, tmp_path):
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/" + NOT_UTF8))
    write_test_folder(folder, [4, 5])
    out = os.fsdecode(os.fsencode(tmp_path) + b"/sub-" + NOT_UTF8 + b".csv")
    proc = catdog("predict", str(run), str(folder), "--csv", out, "-v")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert b"wrote 2 rows to " + os.fsencode(out) in proc.stdout
    assert [row.split(",")[0] for row in Path(out).read_text().splitlines()] == ["id", "4", "5"]


# item 3: only ASCII 0-9 are numbers

def test_natural_sort_never_calls_int_on_other_digits(tmp_path):
    names = ["cat10.jpg", "²", "cat2.jpg", "1²3.jpg", "١٢.jpg", "x³y.jpg", "cat1.jpg"]
    ordered = [p.name for p in sorted((Path(n) for n in names), key=natural_key)]
    assert ordered.index("cat1.jpg") < ordered.index("cat2.jpg") < ordered.index("cat10.jpg")
    train = write_folders(tmp_path / "train", 2, names=("²", "1²3"))
    (train / "³").mkdir()
    (train / "²" / "img_0.png").rename(train / "³" / "1²³.png")
    assert (index := discover(train)).classes == ["1²3", "²", "³"] and len(index.samples) == 4
    assert [p.name for p in image_files(train / "³")] == ["1²³.png"]


def test_submission_ids_are_ascii_digits_only():
    assert submission_id(Path("0012.jpg")) == 12
    for name in ("١٢.jpg", "²3.jpg", "12 .jpg"):
        with pytest.raises(InputError, match="named like 123.jpg"):
            submission_id(Path(name))


# item 4: --force replaces regular files only

def make_node(kind: str, folder: Path, monkeypatch) -> Path:
    """A FIFO, a socket, a copy of /dev/full (a device node of our own: never the system's) or a link to one."""
    real = folder / ("full.csv" if kind.endswith("device") else f"{kind.removeprefix('link-to-')}.csv")
    if kind.endswith("fifo"):
        os.mkfifo(real)
    elif kind == "socket":
        monkeypatch.chdir(folder)  # a relative name: AF_UNIX paths are limited to 108 bytes
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(real.name)
    else:
        try:
            os.mknod(real, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        except PermissionError:
            pytest.skip("no permission to make a device node here")
    if kind.startswith("link-to-"):
        (folder / "link.csv").symlink_to(real)
        return folder / "link.csv"
    return real


@pytest.mark.parametrize("kind", ["fifo", "socket", "device", "link-to-device", "link-to-fifo"])
def test_force_never_replaces_a_device_fifo_or_socket(kind, run, labelled, tmp_path, monkeypatch, capsys):
    write_test_folder(tmp_path / "test", [1])
    (targets := tmp_path / "targets").mkdir()
    node = make_node(kind, targets, monkeypatch)
    before = os.stat(real := Path(os.path.realpath(node)))
    for argv, flag in ((["predict", str(run), str(tmp_path / "test"), "--csv"], "--csv"),
                       (["eval", str(run), str(labelled), "--predictions"], "--predictions"),
                       (["export", str(run), "--format", "onnx", "--out"], "--out")):
        assert main([*argv, str(node), "--force"]) == 2
        err = one_line(capsys.readouterr().err)
        assert f"{flag} {node}: " in err and "not a regular file" in err
        after = os.stat(real)
        assert (after.st_ino, stat.S_IFMT(after.st_mode)) == (before.st_ino, stat.S_IFMT(before.st_mode))
        assert node.is_symlink() == kind.startswith("link")
    assert leftovers(targets) == []


# item 5: exports write atomically, survive the exporter's errors, keep the user's name

def test_torchscript_onto_a_full_disk_is_one_line_and_leaves_nothing(run, tmp_path):
    (out := tmp_path / "out").mkdir()
    proc = catdog("export", str(run), "--format", "torchscript", "--out", str(out / "m.pt"), fsize=400_000)
    assert proc.returncode == 2, proc.stderr.decode(errors="replace")  # PyTorch's own writer aborts: 134
    assert one_line(proc.stderr) == f"catdog export: error: cannot write --out {out / 'm.pt'}: File too large"
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_an_exporters_c10_error_is_one_line_and_leaves_nothing(fmt, run, tmp_path, monkeypatch, capsys):
    import torch

    def c10_error(*args, **kwargs):
        target = args[1] if fmt == "torchscript" else args[2]
        with open(target, "wb") if isinstance(target, (str, Path)) else contextlib.nullcontext(target) as f:
            f.write(b"PK half a zip")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed\nframe #0: c10::ThrowEnforceNotMet(...)")

    monkeypatch.setattr(*((torch.jit, "save") if fmt == "torchscript" else (torch.onnx, "export")), c10_error)
    (out := tmp_path / "out").mkdir()
    assert main(["export", str(run), "--format", fmt, "--out", str(out / "model.bin")]) == 2
    err = one_line(capsys.readouterr().err)
    assert f"cannot export {run} as {fmt}: [enforce fail" in err and "frame #0" not in err
    assert list(out.iterdir()) == []


def test_export_file_and_json_are_replaced_together_or_not_at_all(run, tmp_path, monkeypatch, capsys):
    assert main(["export", str(run), "--format", "onnx", "--out", str(out := tmp_path / "m.onnx")]) == 0
    before = out.read_bytes(), (tmp_path / "m.onnx.json").read_bytes()
    real_replace = os.replace

    def full_at_json(src, dst, *a, **k):
        if str(dst).endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real_replace(src, dst, *a, **k)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", full_at_json)
        assert main(["export", str(run), "--format", "torchscript", "--out", str(out), "--force"]) == 2
    assert one_line(capsys.readouterr().err) == f"catdog export: error: cannot write --out {out}: No space left on device"
    assert (out.read_bytes(), (tmp_path / "m.onnx.json").read_bytes()) == before
    assert leftovers(tmp_path) == []


def test_export_out_keeps_the_name_the_user_gave(run, tmp_path, capsys):
    for name in ("name", "model.bin", "model.v2"):
        assert main(["export", str(run), "--format", "onnx", "--out", str(tmp_path / name)]) == 0
        assert (tmp_path / name).is_file() and (tmp_path / f"{name}.json").is_file()
        assert f"wrote {tmp_path / name} (onnx" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.onnx"))
    (notes := tmp_path / "notes.txt").write_text("mine")
    assert main(["export", str(run), "--format", "onnx", "--out", str(notes)]) == 2
    assert "--force" in one_line(capsys.readouterr().err) and notes.read_text() == "mine"
    meta = (run / "meta.json").read_bytes()
    for out in (run / "meta.json", run / "meta"):  # the model file itself, or the JSON beside it
        assert main(["export", str(run), "--format", "torchscript", "--out", str(out), "--force"]) == 2
        assert "meta.json: that is an input" in one_line(capsys.readouterr().err)
    assert (run / "meta.json").read_bytes() == meta and not (run / "meta").exists()
    for _ in range(2):  # the default file beside the weights, replaced by the next export
        assert main(["export", str(run), "--format", "torchscript"]) == 0


WRITER = ("import sys, time\nfrom core.utils.atomic import atomic_path\nwith atomic_path(sys.argv[1]) as tmp:\n"
          "    tmp.write_bytes(b'half a file'); print('writing', flush=True); time.sleep(300)")


def writer(target: Path) -> subprocess.Popen:  # a real process of ours, stopped in the middle of an atomic write
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "writing\n"
    return proc


@pytest.mark.parametrize("what", ["csv", "export"])
def test_a_killed_writers_temp_file_is_removed_at_the_next_write(what, run, tmp_path, capsys):
    folder = tmp_path / "out"
    name = "sub.csv" if what == "csv" else "m.onnx"
    killed, alive = writer(folder / name), writer(folder / "other.csv")
    try:
        killed.kill()
        killed.wait(30)
        stale = [n for n in leftovers(folder) if n.startswith(f".{name}.")]
        assert len(stale) == 1 and len(leftovers(folder)) == 2
        if what == "csv":
            write_submission(folder / name, [Prediction(Path("1.jpg"), [0.3, 0.7])], ["cat", "dog"])
        else:
            assert main(["export", str(run), "--format", "onnx", "--out", str(folder / name)]) == 0
        assert leftovers(folder) != [] and stale[0] not in leftovers(folder)
        assert [n for n in leftovers(folder) if n.startswith(".other.csv.")]  # a live writer's file stays
    finally:
        alive.kill()
        alive.wait(30)
    assert (folder / name).stat().st_size > 10


# item 6: the smaller ones

def test_a_full_disk_under_eval_predictions_is_one_line_without_resume(run, labelled, tmp_path, monkeypatch, capsys):
    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with monkeypatch.context() as patched:
        patched.setattr("core.utils.atomic.write_text_atomic", full)
        assert main(["eval", str(run), str(labelled), "--predictions", str(out := tmp_path / "preds.csv")]) == 2
    assert one_line(capsys.readouterr().err) == f"catdog eval: error: cannot write --predictions {out}: No space left on device"
    assert "resume" not in describe_failure(OSError(errno.ENOSPC, "No space left on device", str(out)))
    proc = catdog("eval", str(run), str(labelled), "--predictions", str(out), fsize=200)  # a real write error
    assert proc.returncode == 2 and "cannot write --predictions" in one_line(proc.stderr)
    assert not out.exists() and leftovers(tmp_path) == []


def test_explain_out_that_cannot_be_written_is_one_line_exit_2(run, tmp_path, monkeypatch, capsys):
    write_test_folder(tmp_path / "photos", [1])
    (tmp_path / "file.txt").write_text("x")
    assert main(["explain", str(run), str(tmp_path / "photos"), "--out", str(tmp_path / "file.txt" / "cams")]) == 2
    assert "--out" in one_line(capsys.readouterr().err)
    (read_only := tmp_path / "ro").mkdir()
    real_mkstemp = tempfile.mkstemp

    def erofs(*args, dir=None, **kwargs):  # root writes through chmod 0555: the file system says no instead
        if dir is not None and Path(dir) == read_only:
            raise OSError(errno.EROFS, "Read-only file system", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", erofs)
    assert main(["explain", str(run), str(tmp_path / "photos"), "--out", str(read_only)]) == 2
    assert one_line(capsys.readouterr().err) == f"catdog explain: error: cannot write --out {read_only}: Read-only file system"
    assert list(read_only.iterdir()) == []
