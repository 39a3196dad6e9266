"""Many malformed files through discovery, training and prediction: nothing crashes, every bad
file is named, and no partial output is left behind."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import draw_sample, write_flat, write_test_folder
from PIL import Image
from test_export_safety import fake_run

from core.cli.parser import main
from core.data.decode import UnreadableImage, decode_square
from core.data.discover import collect_images, discover


def _png_bomb_header() -> bytes:
    """A valid PNG signature and IHDR claiming 60000 x 60000 pixels, then nothing."""
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _jpeg_bytes(seed: int) -> bytes:
    buf = io.BytesIO()
    draw_sample("cat", np.random.default_rng(seed), 40).save(buf, "JPEG")
    return buf.getvalue()


def bad_files(rng: np.random.Generator) -> dict[str, object]:
    """Name -> bytes, or a callable(path) that makes something odd at path. All of these are unreadable."""
    good = _jpeg_bytes(0)
    files: dict[str, object] = {
        "empty": b"",
        "text": b"just some notes, not a photo\n",
        "html": b"<html><body>404 Not Found</body></html>",
        "jpeg_header_only": good[:20],
        "jpeg_half": good[: len(good) // 3],
        "png_header_only": b"\x89PNG\r\n\x1a\n",
        "png_bomb": _png_bomb_header(),
        "gif_header_only": b"GIF89a\x10\x00\x10\x00",
        "zip": b"PK\x03\x04" + bytes(40),
        "broken_link": lambda p: p.symlink_to(p.parent / "missing-target.jpg"),
        "link_loop": lambda p: p.symlink_to(p),
        "fifo": lambda p: os.mkfifo(p),
    }
    for i in range(6):
        files[f"random_{i}"] = rng.integers(0, 256, int(rng.integers(1, 3000)), dtype=np.uint8).tobytes()
    return files


def odd_but_readable(folder: Path, prefix: str) -> list[Path]:
    """Unusual images that are still photos: 16-bit, CMYK, palette with transparency, 1 px, grey."""
    made = []
    arr16 = (np.arange(32 * 32, dtype=np.uint16).reshape(32, 32) * 60)
    for name, im, fmt in [
        ("g16", Image.fromarray(arr16), "PNG"),
        ("cmyk", Image.new("CMYK", (20, 20), (10, 200, 30, 0)), "JPEG"),
        ("pal", Image.new("P", (20, 20)), "GIF"),
        ("dot", Image.new("RGB", (1, 1), (255, 0, 0)), "PNG"),
        ("grey", Image.new("L", (30, 30), 128), "PNG"),
    ]:
        p = folder / f"{prefix}{name}.{'jpg' if fmt == 'JPEG' else fmt.lower()}"
        im.save(p, fmt)
        made.append(p)
    return made


def _make(folder: Path, name: str, what) -> Path:
    p = folder / name
    if callable(what):
        what(p)
    else:
        p.write_bytes(what)
    return p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decode_never_raises_anything_but_unreadable(tmp_path, seed):
    rng = np.random.default_rng(seed)
    good = _jpeg_bytes(seed)
    for i in range(40):  # flipped bytes and cut-offs of a real photo: readable or named, never a crash
        data = bytearray(good[: int(rng.integers(2, len(good) + 1))])
        for _ in range(int(rng.integers(0, 8))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        p = tmp_path / f"m{i}.jpg"
        p.write_bytes(bytes(data))
        try:
            assert decode_square(p, 24).shape == (24, 24, 3)
        except UnreadableImage as exc:
            assert str(exc)
    for name, what in bad_files(rng).items():
        with pytest.raises(UnreadableImage):
            decode_square(_make(tmp_path, f"{name}.jpg", what), 24)


def test_training_names_every_bad_file_and_still_trains(tmp_path, capsys):
    data = write_flat(tmp_path / "train", 12)
    bad = [_make(data, f"{'cat' if i % 2 else 'dog'}.{900 + i}.jpg", what)
           for i, what in enumerate(bad_files(np.random.default_rng(5)).values())]
    odd = odd_but_readable(data, "cat.8")  # cat.8g16.png ... : flat names with a class
    index = discover(data)
    assert {p.name for p in bad} <= {s.path.name for s in index.samples}
    assert main(["train", str(data), "--arch", "lenet", "--epochs", "1", "--image-size", "32",
                 "--out", str(tmp_path / "w"), "--name", "fz"]) == 0
    meta = json.loads((tmp_path / "w" / "fz" / "meta.json").read_text())
    skipped = {Path(s["file"]).name: s["reason"] for s in meta["skipped"]}
    assert {p.name for p in bad} == set(skipped), skipped
    assert all(skipped.values())
    assert not {p.name for p in odd} & set(skipped)
    out = capsys.readouterr().out
    assert f"skipped {len(bad)} file(s)" in out


def test_prediction_names_every_bad_file_and_writes_no_partial_csv(tmp_path, capsys):
    run = fake_run(tmp_path / "w", ["cat", "dog"])
    test = tmp_path / "test"
    write_test_folder(test, list(range(1, 9)))
    bad = [_make(test, f"{100 + i}.jpg", what) for i, what in enumerate(bad_files(np.random.default_rng(9)).values())]
    (test / "sub").mkdir()
    bad.append(_make(test / "sub", "200.png", b"\x89PNG\r\n\x1a\n garbage"))
    found = collect_images([test])
    assert {p.name for p in bad} <= {p.name for p in found}
    out = tmp_path / "sub.csv"
    assert main(["predict", str(run), str(test), "--csv", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"cannot read {len(bad)} test image(s)" in err
    for p in bad:
        assert f"{p}:" in err, p.name
    assert not out.exists() and sorted(os.listdir(tmp_path)) == ["test", "w"]
