"""The competition submission CSV: one row per test photo, ids sorted numerically.

Formats (DESIGN.md): ``competition`` (header ``id,label``, label 0/1), ``noheader`` (the
same rows, no header) and ``proba`` (header ``id,label``, label = P(class 1) clipped to
[0.005, 0.995] for log-loss scoring). Label 1 is class index 1, which is "dog" for the
cat/dog classes (sorted names).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from core.atomic import write_text_atomic
from core.errors import InputError
from core.predict import Prediction

FORMATS = ("competition", "noheader", "proba")
PROBA_CLIP = (0.005, 0.995)


def submission_id(path: Path) -> int:
    """123.jpg -> 123. Anything else cannot be matched to the competition's ids."""
    stem = Path(path).stem
    if not re.fullmatch(r"\d+", stem):
        raise InputError(f"cannot make a submission id from {path}: test files must be named like 123.jpg")
    return int(stem)


def submission_rows(preds: Sequence[Prediction], fmt: str = "competition") -> list[tuple[int, str]]:
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: choose one of {', '.join(FORMATS)}")
    rows, seen = [], {}
    for p in preds:
        i = submission_id(p.path)
        if i in seen:
            raise InputError(f"two test files share id {i}: {seen[i]} and {p.path}")
        seen[i] = p.path
        if fmt == "proba":
            if len(p.probs) != 2:
                raise InputError("--format proba needs a two-class model")
            value = f"{min(max(p.probs[1], PROBA_CLIP[0]), PROBA_CLIP[1]):.6f}"
        else:
            value = str(p.label)
        rows.append((i, value))
    return sorted(rows)


def format_submission(preds: Sequence[Prediction], fmt: str = "competition") -> str:
    rows = submission_rows(preds, fmt)
    lines = [] if fmt == "noheader" else ["id,label"]
    lines += [f"{i},{v}" for i, v in rows]
    return "\n".join(lines) + "\n"


def write_submission(path: str | Path, preds: Sequence[Prediction], fmt: str = "competition") -> int:
    """Write the CSV atomically; returns the number of rows."""
    text = format_submission(preds, fmt)
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(preds)
