"""The competition submission CSV: one row per test photo, ids sorted numerically.

Formats (as the README documents them): ``competition`` (header ``id,label``, label 0/1), ``noheader`` (the
same rows, no header) and ``proba`` (header ``id,label``, label = calibrated P(dog), clipped to a bound chosen from the
model's validation error for log-loss scoring: core/calibration/clipping.py). Label 1 is the class *named* dog or dogs and 0 the
one named cat or cats, whatever their index order: a model with a stray ``kittens`` class
must not write kittens as 1. Any other class set needs the user to name the class that is 1.
The CLI and the window share every rule here: all rows or no file, never onto an input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.calibration.clipping import UNCHOSEN, ProbaBound
from core.errors import InputError
from core.utils.atomic import check_write_target, csv_text, user_file_errors, write_text_atomic

if TYPE_CHECKING:  # annotations only: writing a CSV needs no torch
    from core.inference.predict import Prediction

FORMATS = ("competition", "noheader", "proba")
DOG_NAMES, CAT_NAMES = ("dog", "dogs"), ("cat", "cats")


def positive_index(classes: Sequence[str], positive: str | None = None) -> int:
    """Index of the class written as 1: ``positive`` if given, else the one dog class next to one cat class."""
    if positive is not None:
        exact = [i for i, c in enumerate(classes) if c == positive]
        loose = [i for i, c in enumerate(classes) if c.lower() == positive.strip().lower()]
        if exact or len(loose) == 1:
            return (exact or loose)[0]
        raise InputError(f"--positive-class {positive}: not a class of this model ({', '.join(classes)})")
    dogs = [i for i, c in enumerate(classes) if c.lower() in DOG_NAMES]
    cats = [i for i, c in enumerate(classes) if c.lower() in CAT_NAMES]
    if len(classes) == 2 and len(dogs) == 1 and len(cats) == 1:
        return dogs[0]
    raise InputError(f"the model's classes are {', '.join(classes)}, not one cat class and one dog class: "
                     f"say which class is 1 with --positive-class NAME")


def label_words(classes: Sequence[str], positive: int) -> str:
    """'1 = dogs, 0 = cats' in the model's own class names."""
    others = [c for i, c in enumerate(classes) if i != positive]
    zero = others[0] if len(others) == 1 else "any other class (" + ", ".join(others) + ")"
    return f"1 = {classes[positive]}, 0 = {zero}"


def submission_id(path: Path) -> int:
    """123.jpg -> 123. Anything else cannot be matched to the competition's ids."""
    stem = Path(path).stem
    if not re.fullmatch(r"[0-9]+", stem):  # ASCII digits only: int() would take '١٢' but not '²'
        raise InputError(f"cannot make a submission id from {path}: test files must be named like 123.jpg")
    return int(stem)


def submission_rows(preds: Sequence[Prediction], fmt: str, positive: int,
                    bound: ProbaBound | None = None) -> list[tuple[int, str]]:
    """(id, label) sorted by id; ``bound``: the model's clip for ``proba`` (default: the fixed one)."""
    bound = bound or UNCHOSEN
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    rows, seen = [], {}
    for p in preds:
        i = submission_id(p.path)
        if i in seen:
            raise InputError(f"two test files share id {i}: {seen[i]} and {p.path}")
        seen[i] = p.path
        if fmt == "proba":
            value = f"{bound.clip(p.probs[positive]):.6f}"
        else:
            value = "1" if p.label == positive else "0"
        rows.append((i, value))
    return sorted(rows)


def format_submission(preds: Sequence[Prediction], classes: Sequence[str], fmt: str = "competition",
                      positive_class: str | None = None, bound: ProbaBound | None = None) -> str:
    rows = submission_rows(preds, fmt, positive_index(classes, positive_class), bound)
    return csv_text(([] if fmt == "noheader" else [("id", "label")]) + rows)


def check_complete(n_rows: int, failures: Sequence[tuple[Path, str]], cancelled: bool = False,
                   total: int | None = None) -> None:
    """All rows or no file: InputError if a photo was unreadable or the prediction stopped early."""
    if failures:
        listed = "; ".join(f"{p}: {r}" for p, r in failures)  # every one: the user must find them all
        raise InputError(f"cannot read {len(failures)} test image(s), no CSV written: {listed}")
    if cancelled or (total is not None and n_rows < total):
        of = f" of {total}" if total is not None else ""
        raise InputError(f"the prediction was cancelled after {n_rows}{of} photos, no CSV written: "
                         f"classify the whole folder again to export")


def check_csv_target(path: str | Path, inputs: Sequence[Path], force: bool = False, flag: str = "--csv") -> Path:
    """Where the CSV may go: never onto an input photo, a device or FIFO, nor over a non-CSV file unless forced."""
    return check_write_target(path, inputs, force, flag)


def write_submission(path: str | Path, preds: Sequence[Prediction], classes: Sequence[str],
                     fmt: str = "competition", positive_class: str | None = None,
                     bound: ProbaBound | None = None) -> int:
    """Write the CSV atomically (through a symlink, umask honoured); returns the number of rows."""
    text = format_submission(preds, classes, fmt, positive_class, bound)
    with user_file_errors(path):
        write_text_atomic(path, text)
    return len(preds)
