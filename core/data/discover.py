"""Find labelled photos in a folder, in either of the two layouts users have.

* Kaggle flat: ``cat.123.jpg``, ``dog.45.jpg``; the class is the name before the first dot.
* One sub-folder per class: ``cat/``, ``dog/`` (or ``cats/``, ``dogs/``, any names).

Class indices are the sorted class names, so cat = 0 and dog = 1 as the submission wants.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


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
    ignored: list[tuple[Path, str]] = field(default_factory=list)  # files with no usable class

    def counts(self) -> dict[str, int]:
        c = Counter(s.label for s in self.samples)
        return {name: c.get(i, 0) for i, name in enumerate(self.classes)}

    def summary(self) -> str:
        per_class = ", ".join(f"{n} {name}" for name, n in self.counts().items())
        layout = "Kaggle flat names (cat.N.jpg)" if self.layout == "flat" else "one sub-folder per class"
        return f"{self.root}: {len(self.samples)} images in {len(self.classes)} classes ({per_class}); layout: {layout}"


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def natural_key(path: Path) -> list:
    """Sort 2.jpg before 10.jpg, and cat.2.jpg before cat.10.jpg."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def _image_files(folder: Path, recursive: bool = False) -> list[Path]:
    it = folder.rglob("*") if recursive else folder.iterdir()
    return sorted((p for p in it if p.is_file() and is_image_name(p)), key=natural_key)


def _flat_class(path: Path) -> str | None:
    parts = path.name.split(".")
    if len(parts) < 3 or not parts[0] or parts[0].isdigit():
        return None
    return parts[0].lower()


def discover(root: str | Path) -> DatasetIndex:
    """Index a training folder; raise InputError if it cannot be trained on."""
    root = Path(root).expanduser()
    if not root.exists():
        raise InputError(f"training folder {root} does not exist")
    if not root.is_dir():
        raise InputError(f"{root} is not a folder: expected a folder of cat.N.jpg / dog.N.jpg or cat/ and dog/ sub-folders")

    class_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    by_dir = {d.name: _image_files(d, recursive=True) for d in class_dirs}
    by_dir = {name: files for name, files in by_dir.items() if files}
    flat_files = _image_files(root)
    ignored: list[tuple[Path, str]] = []

    if len(by_dir) >= 2 or (by_dir and not flat_files):
        layout = "folders"
        classes = sorted(by_dir)
        samples = [Sample(p, classes.index(name)) for name in classes for p in by_dir[name]]
        ignored += [(p, "loose file next to the class folders") for p in flat_files]
    else:
        layout = "flat"
        labelled: list[tuple[Path, str]] = []
        for p in flat_files:
            cls = _flat_class(p)
            if cls is None:
                ignored.append((p, "no class in the name (expected e.g. cat.12.jpg)"))
            else:
                labelled.append((p, cls))
        classes = sorted({cls for _, cls in labelled})
        samples = [Sample(p, classes.index(cls)) for p, cls in labelled]

    expected = "expected cat.N.jpg / dog.N.jpg files or one sub-folder of images per class"
    if not samples:
        raise InputError(f"no labelled images in {root}: {expected}")
    if len(classes) < 2:
        raise InputError(f"only one class ({classes[0]!r}) in {root}: {expected}, at least two classes")
    return DatasetIndex(root, layout, classes, samples, ignored)


def collect_images(paths: list[str | Path]) -> list[Path]:
    """Image files named directly or found in the given folders (recursively), for prediction."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found += _image_files(p, recursive=True)
        elif p.is_file():
            found.append(p)
        else:
            raise InputError(f"{p} does not exist")
    return found
