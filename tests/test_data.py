"""Finding photos in both layouts, decoding odd files, caching pixels, splitting."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import torch
from conftest import write_flat, write_folders
from PIL import Image

from core.data import cache as cache_mod
from core.data.augment import eval_batch, train_batch
from core.data.cache import build_cache
from core.data.decode import UnreadableImage, decode_square
from core.data.discover import collect_images, discover
from core.data.split import stratified_split
from core.errors import InputError
from core.utils.processes import HOST


def test_flat_layout(tmp_path):
    root = write_flat(tmp_path / "d", 3)
    (root / "12.jpg").write_bytes((root / "cat.0.jpg").read_bytes())  # no class in the name
    (root / "notes.txt").write_text("not an image")
    index = discover(root)
    assert index.layout == "flat"
    assert index.classes == ["cat", "dog"]
    assert index.counts() == {"cat": 3, "dog": 3}
    assert [p.name for p, _ in index.ignored] == ["12.jpg"]
    assert "6 images in 2 classes (3 cat, 3 dog)" in index.summary()


def test_folder_layout_any_names(tmp_path):
    root = write_folders(tmp_path / "d", 2, names=("cats", "dogs"))
    index = discover(root)
    assert index.layout == "folders"
    assert index.classes == ["cats", "dogs"]
    assert {s.label for s in index.samples if s.path.parent.name == "dogs"} == {1}


@pytest.mark.parametrize("case", ["missing", "file", "empty", "one_class", "unlabelled"])
def test_unusable_folders_raise_clear_errors(tmp_path, case):
    root = tmp_path / "d"
    if case == "file":
        root.write_text("x")
    elif case != "missing":
        root.mkdir()
    if case == "one_class":
        write_flat(root, 2)
        for p in root.glob("dog.*"):
            p.unlink()
    if case == "unlabelled":
        Image.new("RGB", (8, 8)).save(root / "1.jpg")
    with pytest.raises(InputError) as info:
        discover(root)
    msg = str(info.value)
    assert str(root) in msg
    expected = {"missing": "does not exist", "file": "is not a folder", "empty": "no labelled images",
                "one_class": "only one class", "unlabelled": "no labelled images"}[case]
    assert expected in msg


def test_collect_images_sorts_numerically(tmp_path):
    for i in (10, 2, 1):
        Image.new("RGB", (8, 8)).save(tmp_path / f"{i}.jpg")
    assert [p.name for p in collect_images([tmp_path])] == ["1.jpg", "2.jpg", "10.jpg"]
    with pytest.raises(InputError, match="nope.jpg does not exist"):
        collect_images([tmp_path / "nope.jpg"])


def test_stratified_split_is_seeded_and_balanced():
    labels = [0] * 50 + [1] * 30
    tr, va = stratified_split(labels, 0.2, seed=3)
    assert sorted(tr + va) == list(range(80))
    assert sum(labels[i] == 0 for i in va) == 10 and sum(labels[i] == 1 for i in va) == 6
    assert stratified_split(labels, 0.2, seed=3) == (tr, va)
    assert stratified_split(labels, 0.2, seed=4) != (tr, va)


# --- odd files: each case writes its own file --------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_bomb_png(path, width=40000, height=40000):
    """A tiny file that claims 1.6 gigapixels: Pillow must refuse it before decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
                     + _png_chunk(b"IEND", b""))


def test_exif_rotation_applied(tmp_path):
    im = Image.new("RGB", (80, 40), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, 40, 40))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers rotate 90 degrees clockwise
    path = tmp_path / "rotated.jpg"
    im.save(path, exif=exif, quality=95)
    px = decode_square(path, 32)
    # after the rotation the red half is on top, blue at the bottom (32x32 centre square of 40x80)
    assert px[2, 16, 0] > 200 and px[2, 16, 2] < 60
    assert px[29, 16, 2] > 200 and px[29, 16, 0] < 60


@pytest.mark.parametrize("mode", ["L", "CMYK", "P", "RGBA", "LA", "I;16", "1"])
def test_odd_modes_become_rgb(tmp_path, mode):
    base = Image.new("RGB", (30, 20), (200, 100, 50))
    if mode == "I;16":
        im = Image.fromarray(np.full((20, 30), 40000, np.uint16))
        path = tmp_path / "deep.png"
    elif mode == "RGBA":
        im = Image.new("RGBA", (30, 20), (0, 0, 0, 0))  # fully transparent -> white
        path = tmp_path / "alpha.png"
    elif mode == "CMYK":
        im = base.convert("CMYK")
        path = tmp_path / "cmyk.jpg"
    else:
        im = base.convert(mode)
        path = tmp_path / f"mode_{mode}.png"
    im.save(path)
    px = decode_square(path, 16)
    assert px.shape == (16, 16, 3) and px.dtype == np.uint8
    if mode == "RGBA":
        assert (px == 255).all()
    if mode == "I;16":
        assert abs(int(px[8, 8, 0]) - 40000 * 255 // 65535) <= 1  # scaled, not clipped to 255
    if mode == "CMYK":
        assert abs(int(px[8, 8, 0]) - 200) < 20 and abs(int(px[8, 8, 2]) - 50) < 20


def _truncated_jpeg(path):
    Image.effect_noise((64, 64), 50).convert("RGB").save(path, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("case,reason", [
    ("empty", "empty file"),
    ("text", "not an image"),
    ("garbage", "not an image"),
    ("truncated", "truncated or corrupt"),
    ("bomb", "decompression bomb"),
])
def test_unreadable_files_raise_with_reason(tmp_path, case, reason):
    path = tmp_path / f"cat.{case}.jpg"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "text":
        path.write_text("this is a note, not a photo")
    elif case == "garbage":
        path.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4)
    elif case == "truncated":
        _truncated_jpeg(path)
    else:
        path = tmp_path / "cat.bomb.png"
        write_bomb_png(path)
    with pytest.raises(UnreadableImage, match=reason):
        decode_square(path, 32)


def test_cache_skips_and_lists_bad_files(tmp_path):
    root = write_flat(tmp_path / "d", 3)
    (root / "cat.99.jpg").write_text("oops")
    _truncated_jpeg(root / "dog.98.jpg")
    index = discover(root)
    cache = build_cache([s.path for s in index.samples], 24)
    assert sorted(p.name for p, _ in cache.failures) == ["cat.99.jpg", "dog.98.jpg"]
    assert cache.ok.sum() == 6 and cache.on_disk is None


def test_disk_cache_beyond_budget_matches_ram_and_is_reused(tmp_path, monkeypatch):
    root = write_flat(tmp_path / "d", 4)
    paths = [s.path for s in discover(root).samples]
    ram = build_cache(paths, 20)
    disk = build_cache(paths, 20, budget_bytes=1000, cache_dir=tmp_path / "c")
    assert disk.on_disk is not None and disk.on_disk.parent == tmp_path / "c"
    assert isinstance(disk.pixels, np.memmap)
    np.testing.assert_array_equal(ram.pixels, disk.pixels)

    def must_not_decode(*a, **k):
        raise AssertionError("decoded again although the disk cache is complete")

    monkeypatch.setattr(cache_mod, "decode_square", must_not_decode)
    again = build_cache(paths, 20, budget_bytes=1000, cache_dir=tmp_path / "c")
    np.testing.assert_array_equal(again.pixels, ram.pixels)


def test_augmentation_is_seeded_and_eval_is_centre_crop():
    px = torch.randint(0, 256, (4, 36, 36, 3), dtype=torch.uint8)
    a = train_batch(px, 32, torch.Generator().manual_seed(1))
    b = train_batch(px, 32, torch.Generator().manual_seed(1))
    c = train_batch(px, 32, torch.Generator().manual_seed(2))
    assert a.shape == (4, 3, 32, 32) and a.dtype == torch.uint8
    assert torch.equal(a, b) and not torch.equal(a, c)
    e = eval_batch(px, 32)
    assert torch.equal(e, px[:, 2:34, 2:34].permute(0, 3, 1, 2))


def test_stale_cache_files_with_odd_names_are_left_alone(tmp_path):
    """Only our own `.KEY.PID.npy.tmp` names count: a '²' where the pid goes is no number (int() raised)."""
    odd, dead = tmp_path / f".k.{HOST}.².npy.tmp", tmp_path / f".k.{HOST}.999999999.npy.tmp"
    odd.write_bytes(b""), dead.write_bytes(b"")
    cache_mod.remove_stale_temp_files(tmp_path)
    assert odd.exists() and not dead.exists()
