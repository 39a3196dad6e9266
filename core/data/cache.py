"""Decode a list of photos once into one uint8 array, in memory or on disk.

Up to a memory budget (a share of the RAM available when the run starts) the pixels live in
RAM; beyond it (the full 25,000-photo set at 224 px is about 5 GB) they go to a numpy memmap in
the user's cache folder, which the OS pages in as needed, and which later runs on the same files
and size reuse. Its blocks are reserved before decoding; where the disk cannot hold it, photos are
decoded per batch by a pool of threads. The choice is said in one line. Decoding runs on a thread
pool: Pillow releases the GIL while it decodes and resizes, so all cores work.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.decode import UnreadableImage, decode_square, decode_workers
from core.data.on_demand import DecodedOnDemand, Discard
from core.utils.atomic import write_text_atomic
from core.utils.formatting import format_bytes
from core.utils.paths import cache_root
from core.utils.processes import HOST, left_by_dead_writer
from core.utils.ram import available_ram, total_ram

ProgressFn = Callable[[int, int], None]


RAM_SHARE = 0.5  # of the RAM available at the start: the rest is for the model, the OS and other programs
IN_RAM, ON_DISK, ON_THE_FLY = "in RAM", "on disk", "decoded on the fly"


def default_budget_bytes() -> int:
    """Half the RAM available now (a quarter of all RAM where the OS does not say), shared by the processes
    torchrun starts on this machine: each measures it before any has decoded a photo."""
    available = available_ram()
    share = int(available * RAM_SHARE) if available is not None else total_ram() // 4
    try:
        return share // max(1, int(os.environ.get("LOCAL_WORLD_SIZE") or 1))
    except ValueError:
        return share


def pixel_bytes(n: int, side: int) -> int:
    return n * side * side * 3


def where_pixels_go(n: int, side: int, budget_bytes: int | None = None) -> str:
    """IN_RAM when the pixels fit the budget, else ON_DISK (ON_THE_FLY only when the disk then says no)."""
    budget = default_budget_bytes() if budget_bytes is None else budget_bytes
    return IN_RAM if pixel_bytes(n, side) <= budget else ON_DISK


def default_cache_dir() -> Path:
    return cache_root() / "pixels"


@dataclass
class PixelCache:
    pixels: np.ndarray  # (N, side, side, 3) uint8, RAM or memmap
    ok: np.ndarray  # (N,) bool: False where the photo could not be read
    failures: list[tuple[Path, str]]
    on_disk: Path | None = None

    @property
    def side(self) -> int:
        return int(self.pixels.shape[1])


def _fingerprint(paths: Sequence[Path], side: int) -> str:
    h = hashlib.sha256(f"v1:{side}".encode())
    for p in paths:
        try:
            st = p.stat()
        except OSError:  # a broken or looping link: decoding names it, the key just has to be stable
            st = p.lstat()
        h.update(f"{os.path.realpath(p)}|{st.st_size}|{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:24]


def _decode_into(pixels, paths, side, workers, progress, should_stop) -> list[tuple[int, str]]:
    """Decode in chunks of a few dozen: submitting thousands of futures at once holds the GIL
    long enough to freeze a GUI thread, and chunks give natural points to report and stop."""
    failures: list[tuple[int, str]] = []

    def work(i: int):
        try:
            pixels[i] = decode_square(paths[i], side)
            return None
        except UnreadableImage as exc:
            return i, str(exc)

    chunk = 16 * workers
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(paths), chunk):
            if should_stop and should_stop():
                raise InterruptedError("stopped while decoding images")
            failures += [r for r in pool.map(work, range(start, min(start + chunk, len(paths)))) if r is not None]
            if progress:
                progress(min(start + chunk, len(paths)), len(paths))
    return failures


def build_cache(
    paths: Sequence[str | Path],
    side: int,
    budget_bytes: int | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> PixelCache:
    """Decode every photo once at ``side`` x ``side``; unreadable ones are listed, not fatal."""
    paths = [Path(p) for p in paths]
    n = len(paths)
    need = pixel_bytes(n, side)
    budget = default_budget_bytes() if budget_bytes is None else budget_bytes
    workers = workers or decode_workers()
    size = f"{n:,} photos at {side} px take {format_bytes(need)}"

    if where_pixels_go(n, side, budget) == IN_RAM:
        say(f"Pixels {IN_RAM}: {size} (they may use up to {format_bytes(budget)} there)")
        pixels = np.zeros((n, side, side, 3), np.uint8)
        bad = _decode_into(pixels, paths, side, workers, progress, should_stop)
        return _finish(pixels, paths, bad, None)

    folder = cache_dir or default_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _on_demand(paths, side, workers, progress, should_stop, say, f"{size}; {folder}: {exc.strerror}")
    remove_stale_temp_files(folder)
    key = _fingerprint(paths, side)
    data_file, index_file = folder / f"{key}.npy", folder / f"{key}.json"
    if data_file.exists() and index_file.exists():  # the index is written last: its presence means complete
        index = json.loads(index_file.read_text(encoding="utf-8"))
        pixels = np.load(data_file, mmap_mode="r")
        if pixels.shape == (n, side, side, 3):
            say(f"Pixels {ON_DISK}: {size}, more than the {format_bytes(budget)} of RAM they may use; reusing "
                f"{data_file}")
            if progress:
                progress(n, n)
            return _finish(pixels, paths, [tuple(f) for f in index["failures"]], data_file)
    tmp_file = folder / f".{key}.{HOST}.{os.getpid()}.npy.tmp"
    try:
        pixels = np.lib.format.open_memmap(tmp_file, mode="w+", dtype=np.uint8, shape=(n, side, side, 3))
        reserve(tmp_file)  # a sparse file on a full disk would die with SIGBUS on the first page it writes
    except OSError as exc:
        tmp_file.unlink(missing_ok=True)
        return _on_demand(paths, side, workers, progress, should_stop, say,
                          f"{size}; the disk cannot hold them ({folder}: {exc.strerror or exc})")
    say(f"Pixels {ON_DISK}: {size}, more than the {format_bytes(budget)} of RAM they may use; the OS pages "
        f"them in from {data_file}")
    try:
        bad = _decode_into(pixels, paths, side, workers, progress, should_stop)
        pixels.flush()
        del pixels
        os.replace(tmp_file, data_file)
    except BaseException:
        tmp_file.unlink(missing_ok=True)
        raise
    write_text_atomic(index_file, json.dumps({"failures": bad}))
    return _finish(np.load(data_file, mmap_mode="r"), paths, bad, data_file)


def reserve(path: Path) -> None:
    """Allocate the file's blocks now (OSError ENOSPC if the disk cannot hold it)."""
    size = path.stat().st_size
    if hasattr(os, "posix_fallocate"):
        with open(path, "r+b") as f:
            os.posix_fallocate(f.fileno(), 0, size)
    elif shutil.disk_usage(path.parent).free < size:
        raise OSError(errno.ENOSPC, "not enough free space for the pixel cache", str(path))


def remove_stale_temp_files(folder: Path) -> None:
    """``.KEY.HOST.PID.npy.tmp`` left by a process of this host that was killed while it decoded (and
    ``.KEY.PID.npy.tmp`` of versions before the host was in the name, which no writer makes any more)."""
    for tmp in folder.glob(".*.npy.tmp"):
        parts = tmp.name.split(".")
        host, pid = (parts[-4], parts[-3]) if len(parts) >= 6 else (HOST, parts[-3])
        if pid.isascii() and pid.isdigit() and left_by_dead_writer(host, int(pid)):
            tmp.unlink(missing_ok=True)


def _on_demand(paths, side, workers, progress, should_stop, say, why: str) -> PixelCache:
    """Neither RAM nor disk can hold the pixels: check every photo once, then decode per batch."""
    say(f"Pixels {ON_THE_FLY} by {workers} threads for every batch (slower): {why}")
    bad = _decode_into(Discard(), paths, side, workers, progress, should_stop)
    return _finish(DecodedOnDemand(paths, side, workers), paths, bad, None)


def _finish(pixels, paths, bad, on_disk) -> PixelCache:
    ok = np.ones(len(paths), bool)
    for i, _ in bad:
        ok[i] = False
    failures = [(paths[i], reason) for i, reason in sorted(bad)]
    return PixelCache(pixels, ok, failures, on_disk)
