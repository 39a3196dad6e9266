"""Find labelled photos in a folder, in either of the two layouts users have.

* Kaggle flat: ``cat.123.jpg``, ``dog.45.jpg``; the class is the name before the first dot.
* One sub-folder per class: ``cat/``, ``dog/`` (or ``cats/``, ``dogs/``, any names).

Class indices are the sorted class names. Hidden and system folders are never classes.
When a folder holds both layouts (a Kaggle folder with a stray ``test/`` inside), the one
with the photos wins and what was left out is listed; when that is not clear, it refuses
rather than guess. Training, evaluation and the window all use this one rule.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.data.walk import (
    IMAGE_SUFFIXES,
    image_files,
    is_image_name,
    natural_key,
    sub_folders,
)
from core.errors import InputError

__all__ = ["IMAGE_SUFFIXES", "DatasetIndex", "Sample", "collect_images", "discover", "is_image_name",
           "natural_key"]
CLEAR_MAJORITY = 4  # one layout must hold this many times the photos of the other to win


@dataclass(frozen=True)
class Sample:
    path: Path
    label: int


@dataclass
class DatasetIndex:
    """What a training folder holds: layout, classes and labelled samples."""

    root: Path
    layout: str  # "flat" or "folders"
    classes: list[str]
    samples: list[Sample]
    ignored: list[tuple[Path, str]] = field(default_factory=list)  # files and folders left out, and why
    warnings: list[str] = field(default_factory=list)  # filled once the photos are decoded

    def counts(self) -> dict[str, int]:
        c = Counter(s.label for s in self.samples)
        return {name: c.get(i, 0) for i, name in enumerate(self.classes)}

    def summary(self) -> str:
        per_class = ", ".join(f"{n} {name}" for name, n in self.counts().items())
        layout = "Kaggle flat names (cat.N.jpg)" if self.layout == "flat" else "one sub-folder per class"
        text = f"{self.root}: {len(self.samples)} images in {len(self.classes)} classes ({per_class}); layout: {layout}"
        return text + "".join(f"\nwarning: {w}" for w in self.warnings)


def _flat_class(path: Path) -> str | None:
    parts = path.name.split(".")
    if len(parts) < 3 or not parts[0] or re.fullmatch(r"[0-9]+", parts[0]):  # 12.3.jpg: no class
        return None
    return parts[0].lower()


def _count(n: int) -> str:
    return f"{n} photo{'s' if n != 1 else ''}"


def _choose_layout(root: Path, n_flat: int, by_dir: dict[str, list[Path]], flat_classes: set) -> str:
    """'flat' or 'folders' for a folder that may hold both; InputError when it is not clear."""
    n_dir = sum(len(f) for f in by_dir.values())
    flat_ok, folders_ok = len(flat_classes) >= 2, len(by_dir) >= 2
    if not n_flat:
        return "folders"
    if not by_dir:
        return "flat"
    if flat_ok and (not folders_ok or n_flat >= CLEAR_MAJORITY * n_dir):
        return "flat"
    if folders_ok and (not flat_ok or n_dir >= CLEAR_MAJORITY * n_flat):
        return "folders"
    raise InputError(
        f"{root} holds both Kaggle flat names ({_count(n_flat)} like cat.1.jpg) and sub-folders "
        f"({', '.join(f'{d}/' for d in by_dir)}: {_count(n_dir)}); it is not clear which to train on: "
        f"move one of them out")


def discover(root: str | Path) -> DatasetIndex:
    """Index a training folder; raise InputError if it cannot be trained on."""
    root = Path(root).expanduser()
    if not root.exists():
        raise InputError(f"training folder {root} does not exist")
    if not root.is_dir():
        raise InputError(f"{root} is not a folder: expected a folder of cat.N.jpg / dog.N.jpg or cat/ and dog/ sub-folders")

    folders, system = sub_folders(root)
    by_dir = {d.name: image_files(d, recursive=True) for d in folders}
    by_dir = {name: files for name, files in by_dir.items() if files}
    flat_files = image_files(root)
    labelled = [(p, _flat_class(p)) for p in flat_files]
    flat_classes = {c for _, c in labelled if c}
    ignored: list[tuple[Path, str]] = []
    for d in system:
        n = len(image_files(d, recursive=True))
        if n:
            ignored.append((d, f"hidden or system folder ({_count(n)}): never a class"))

    layout = _choose_layout(root, sum(1 for _, c in labelled if c), by_dir, flat_classes)
    if layout == "folders":
        classes = sorted(by_dir)
        samples = [Sample(p, classes.index(name)) for name in classes for p in by_dir[name]]
        ignored += [(p, "loose file next to the class folders") for p in flat_files]
    else:
        classes = sorted(flat_classes)
        samples = [Sample(p, classes.index(c)) for p, c in labelled if c]
        ignored += [(p, "no class in the name (expected e.g. cat.12.jpg)") for p, c in labelled if not c]
        why = "ignored: the training photos are the flat cat.N.jpg files"
        ignored += [(root / name, f"sub-folder ({_count(len(files))}) {why}") for name, files in by_dir.items()]

    expected = "expected cat.N.jpg / dog.N.jpg files or one sub-folder of images per class"
    if not samples:
        raise InputError(f"no labelled images in {root}: {expected}")
    if len(classes) < 2:
        raise InputError(f"only one class ({classes[0]!r}) in {root}: {expected}, at least two classes")
    return DatasetIndex(root, layout, classes, samples, ignored)


def collect_images(paths: list[str | Path]) -> list[Path]:
    """Image files named directly or found in the given folders (recursively), for prediction.

    A named file that is a broken link is kept: decoding names it as unreadable.
    """
    found: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found += image_files(p, recursive=True)
        elif p.is_file() or p.is_symlink():
            found.append(p)
        else:
            raise InputError(f"{p} does not exist")
    return found
