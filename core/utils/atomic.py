"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

A crash, a full disk or a stopped run never leaves a half-written file under the final
name; the previous version stays intact until the new one is complete. The new file gets
the mode a plain ``open()`` would give (0666 less the umask), or keeps the mode of the file
it replaces; a path that is a symbolic link is written through to its target, so the link
stays a link. Only a regular file is ever replaced: a device, FIFO or socket (or a link to
one) is refused. The temporary name carries the writer's host and pid
(``.sub.csv.laptop.4242-x1y2z3w4.tmp``), so that this host's next writer into the folder removes what a
killed writer of this host left (once per folder and process: not a scan per write).
Text is written as UTF-8 with file names as the OS gives them: a name that is not valid
UTF-8 (surrogate-escaped by ``os.fsdecode``) keeps its own bytes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from core.errors import InputError
from core.utils.processes import HOST, left_by_dead_writer

_umask_lock = threading.Lock()
# what atomic_path makes: .NAME.HOST.PID-XXXXXXXX.tmp (the host: a folder shared with another machine or
# container, whose pids mean nothing here, is never cleaned of its files)
_TEMP_NAME = re.compile(r"\..*\.([A-Za-z0-9_-]{1,40})\.([0-9]{1,9})-[a-z0-9_]{8}\.tmp", re.ASCII | re.DOTALL)
_cleaned: set[str] = set()  # folders already cleaned by this process: a scan per folder, not per write
_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"))


def current_umask() -> int:
    """The process umask: from /proc on Linux, else by setting it briefly (under a lock)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_target(path: str | Path) -> Path:
    """Where writing ``path`` must land: the final target of a symbolic link, else ``path``."""
    path = Path(path).expanduser()
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def special_kind(path: str | Path) -> str | None:
    """'a device', 'a named pipe (FIFO)', 'a socket' or 'a folder' when ``path`` (links followed) is one."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    return next((kind for test, kind in _SPECIAL if test(mode)), None)


def check_write_target(path: str | Path, inputs: Sequence[Path] = (), force: bool = False, flag: str = "",
                       suffixes: Sequence[str] = (".csv",), what: str = "a .csv") -> Path:
    """Where a file the user named may go: a regular file or a new name, never an input, and over an
    existing file without one of ``suffixes`` (``what``) only with ``force``. InputError (one line) otherwise."""
    shown = f"{flag} {path}" if flag else str(path)
    if not str(path).strip():
        raise InputError(f"{flag}: empty file name" if flag else "empty file name")
    target = write_target(path)
    kind = special_kind(target)
    if kind == "a folder":
        raise InputError(f"{shown}: is a folder; give a file name such as name{suffixes[0]}")
    if kind:
        is_what = f"leads to {kind} ({target})" if target != Path(path).expanduser() else f"is {kind}"
        raise InputError(f"{shown}: {is_what}, not a regular file; only a regular file is ever replaced (--force included)")
    if target.exists():
        st = target.stat()
        for p in inputs:
            try:
                other = os.stat(p)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
                raise InputError(f"{shown}: that is an input ({p}); a result is never written onto an input")
        if target.suffix.lower() not in suffixes and not force:
            raise InputError(f"{shown}: the file exists and is not {what}; refusing to replace it "
                             f"(use --force to replace it anyway)")
    elif target.parent.exists() and not target.parent.is_dir():
        raise InputError(f"cannot write {shown}: {target.parent} is not a folder")
    return Path(path).expanduser()


@contextlib.contextmanager
def user_file_errors(path: str | Path, flag: str = "") -> Iterator[None]:
    """An OSError while writing a file the user named (full disk, read-only folder) becomes one line naming it."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write {flag + ' ' if flag else ''}{path}: {exc.strerror or exc}") from None


def remove_stale_temp_files(folder: str | Path) -> list[Path]:
    """Temporary files of ours whose writer no longer runs (killed mid-write); another live writer's stay."""
    removed = []
    try:
        with os.scandir(folder) as it:
            names = [e.name for e in it]
    except OSError:
        return removed
    for name in names:
        m = _TEMP_NAME.fullmatch(name)
        if m and left_by_dead_writer(m[1], int(m[2])):
            p = Path(folder) / name
            with contextlib.suppress(OSError):
                if p.is_file() and not p.is_symlink():
                    p.unlink()
                    removed.append(p)
    return removed


def _new_file_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)  # replacing a file: keep its permissions
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` in one rename."""
    path = write_target(path)
    kind = special_kind(path)
    if kind:
        raise InputError(f"{path}: is {kind}, not a regular file; only a regular file is ever replaced")
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = os.path.realpath(path.parent)
    if folder not in _cleaned:
        _cleaned.add(folder)
        remove_stale_temp_files(path.parent)
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.{HOST}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", errors="surrogateescape", newline="")


def csv_text(rows: Iterable[Sequence]) -> str:
    """CSV with ``\\n`` line ends in which a field holding CR or LF is quoted: a carriage return in a
    photo name never splits a row (the csv module quotes only the line terminator's characters)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # both characters now force quoting
    lines = []
    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow(row)
        lines.append(buf.getvalue()[:-2])
    return "".join(line + "\n" for line in lines)
