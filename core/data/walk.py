"""List the image files of a folder the same way everywhere (training, evaluation, prediction).

Hidden and system folders (``.x``, ``__MACOSX``, ``.ipynb_checkpoints``, ``$RECYCLE.BIN``...)
are never walked into: they hold thumbnails and copies, not photos. Symbolic links with an
image name are kept even when broken or looping, so that decoding names them as unreadable
instead of the file silently disappearing from a submission. Folder links are followed
once (a link back to a parent cannot loop forever).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from core.errors import InputError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
SYSTEM_FOLDERS = {"__macosx", "$recycle.bin", "system volume information", "@eadir", "__pycache__",
                  "lost+found", ".ipynb_checkpoints", ".trashes", ".spotlight-v100", ".fseventsd"}


def is_hidden_or_system(name: str) -> bool:
    """Folders (and files) a user never meant as data: dot-names, ``__x``, OS and notebook clutter."""
    return name.startswith((".", "__", "~$")) or name.lower() in SYSTEM_FOLDERS


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def natural_name_key(name: str) -> tuple:
    """Sort 2.jpg before 10.jpg, and cat.2.jpg before cat.10.jpg.

    Only ASCII 0-9 make numbers: ``int()`` fails on '²' (a digit to ``str.isdigit``), and
    numbers always sit at odd places of the split, so a key never compares a number with text.
    """
    return tuple(int(t) if i % 2 else t.lower() for i, t in enumerate(re.split(r"([0-9]+)", name)))


def natural_key(path: Path) -> tuple:
    return natural_name_key(Path(path).name)


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError as exc:
        raise InputError(f"cannot read folder {folder}: {exc.strerror or exc}") from None


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows links; False for broken or looping ones
    except OSError:
        return False


def sub_folders(folder: Path) -> tuple[list[Path], list[Path]]:
    """(ordinary sub-folders, hidden or system ones), each sorted by name."""
    dirs = sorted((Path(e.path) for e in _entries(folder) if _is_dir(e)), key=natural_key)
    return [d for d in dirs if not is_hidden_or_system(d.name)], [d for d in dirs if is_hidden_or_system(d.name)]


def image_files(folder: Path, recursive: bool = False) -> list[Path]:
    """Files with an image name in ``folder`` (and its ordinary sub-folders), naturally sorted.

    Anything that is not a folder counts (broken links, pipes, devices): decoding decides
    whether it is a photo and says why not. An unreadable folder is an InputError.
    """
    found: list[Path] = []
    seen: set[str] = set()

    def visit(d: Path) -> None:
        real = os.path.realpath(d)
        if real in seen:
            return
        seen.add(real)
        for e in _entries(d):
            if is_hidden_or_system(e.name):
                continue
            if _is_dir(e):
                if recursive:
                    visit(Path(e.path))
            elif is_image_name(Path(e.name)):
                found.append(Path(e.path))

    visit(Path(folder))
    return sorted(found, key=lambda p: (natural_key(p), str(p)))
