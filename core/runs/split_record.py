"""The photo list and train/validation split of a run, kept so that a resume trains on the same photos.

A run records a fingerprint of its labelled photo list (names and classes, not pixels) in
meta.json, and the split itself in last.ckpt. On --resume, a data folder that changed since (photos added, removed, renamed)
would silently give another split and another schedule length; instead the run continues on
its recorded split when every recorded photo is still there, and refuses, naming what is
missing, when not. The run is never damaged either way. The photo list is the one training used, after
the corrections file (core.data.corrections): a relabel or an exclusion changes the fingerprint, and the
record keeps the fingerprint of the folder's own names beside it, so a resume tells "the corrections
changed" from "the photos changed".
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.data.discover import Sample
from core.errors import InputError


def _name(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def fingerprint(samples: list[Sample], classes: list[str], root: Path) -> str:
    """Names as the file system gives them: one that is not valid UTF-8 (cat.\\xff.jpg) hashes its own bytes."""
    h = hashlib.sha256("|".join(classes).encode("utf-8", "surrogateescape"))
    for s in sorted(samples, key=lambda s: _name(s.path, root)):
        h.update(f"{_name(s.path, root)}\t{s.label}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:16]


def make_record(samples: list[Sample], train_idx, val_idx, classes: list[str], root: Path,
                corrections: dict | None = None, photos: dict | None = None) -> dict:
    """``corrections``: what the corrections file did ({"file", "relabeled", "excluded"}, None: no file);
    ``photos``: fingerprints of DATA's photos as found and as used ({"found", "used"}; see ``data_prints``)."""
    return {
        "fingerprint": fingerprint(samples, classes, root),
        "classes": list(classes),
        "train": [[_name(samples[i].path, root), samples[i].label] for i in train_idx],
        "val": [[_name(samples[i].path, root), samples[i].label] for i in val_idx],
        "corrections": corrections,
        "photos": photos,
    }


def data_prints(found: list[Sample], used: list[Sample], classes: list[str], root: Path) -> dict:
    """DATA's photos as the folder names them and as training uses them (after the corrections file)."""
    return {"found": fingerprint(found, classes, root), "used": fingerprint(used, classes, root)}


def corrections_changed(record: dict, prints: dict) -> bool:
    """True when DATA's photos are those of the record but the corrections applied to them are not."""
    then = record.get("photos") or {}
    return then.get("found") == prints["found"] and then.get("used") != prints["used"]


def check_record(record: object, path: Path) -> None:
    """InputError naming ``path`` and the field when a recorded split is not one ``make_record`` wrote."""
    def bad(field: str, why: str) -> InputError:
        return InputError(f"cannot resume from {path}: \"{field}\" {why}")

    if not isinstance(record, dict):
        raise bad("split", f"must be the recorded photos and split, not a {type(record).__name__}")
    if not isinstance(record.get("fingerprint"), str):
        raise bad("split.fingerprint", "is missing or not a string")
    classes = record.get("classes")
    if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) for c in classes):
        raise bad("split.classes", "must list at least 2 class names")
    for part in ("train", "val"):
        rows = record.get(part)
        if not isinstance(rows, list) or not rows:
            raise bad(f"split.{part}", "must be a non-empty list of [photo, class] pairs")
        for row in rows:
            if not (isinstance(row, (list, tuple)) and len(row) == 2 and isinstance(row[0], str)
                    and isinstance(row[1], int) and not isinstance(row[1], bool) and 0 <= row[1] < len(classes)):
                raise bad(f"split.{part}", f"holds {str(row)[:60]!r}, not a [photo, class number] pair")
    done = record.get("corrections")
    if done is not None and not (isinstance(done, dict) and isinstance(done.get("file"), str) and all(
            isinstance(done.get(k), int) and not isinstance(done.get(k), bool) and done[k] >= 0
            for k in ("relabeled", "excluded"))):
        raise bad("split.corrections", "must be null or the corrections file and its counts")
    prints = record.get("photos")
    if prints is not None and not (isinstance(prints, dict) and all(isinstance(prints.get(k), str)
                                                                     for k in ("found", "used"))):
        raise bad("split.photos", "must be null or the fingerprints of the photos found and used")


def restore(record: dict, root: Path) -> tuple[list[Sample], list[int], list[int]]:
    """The recorded samples and split; InputError naming what is gone if some photos are missing."""
    rows = record["train"] + record["val"]
    samples = [Sample(root / name if not Path(name).is_absolute() else Path(name), int(label)) for name, label in rows]
    missing = [s.path for s in samples if not s.path.is_file()]
    if missing:
        raise InputError(f"cannot resume: {len(missing)} of the run's {len(samples)} photos are gone from {root} "
                         f"(e.g. {missing[0]}); put them back, or start a new run on the folder as it is now")
    n = len(record["train"])
    return samples, list(range(n)), list(range(n, len(samples)))
