"""The corrections file: a person's decisions about photos, applied by training instead of editing the folder.

``catdog-corrections.csv`` (in DATA by default) holds rows ``path,action,label``: ``path`` relative to
DATA with ``/`` separators, ``action`` one of ``relabel`` (to ``label``, a class of the folder), ``exclude``
or ``keep`` (judged and left as it is, so a check need not show it again). The last row for a photo wins.
Photos are never renamed, moved or deleted: a wrong label stays fixable and undoable in one plain file.
A row whose photo was deleted since (by hand, or moved to the trash elsewhere) is not an error: it applies to
nothing, is kept in case the photo comes back, and training says how many such rows it passed over.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from core.data.classes import canonical
from core.data.discover import Sample
from core.errors import InputError
from core.utils.atomic import csv_text, write_text_atomic

FILE_NAME = "catdog-corrections.csv"
HEADER = ("path", "action", "label")
ACTIONS = ("relabel", "exclude", "keep")


@dataclass(frozen=True)
class Correction:
    """One decision: ``path`` relative to DATA (posix), ``label`` only for relabel; ``line`` in its file (0: new)."""

    path: str
    action: str
    label: str = ""
    line: int = 0


@dataclass
class Corrections:
    """A read and checked corrections file: what training applies to the photos of ``root``."""

    file: Path
    root: Path
    classes: list[str]
    rows: list[Correction]

    def decisions(self) -> dict[str, Correction]:
        """Photo -> its decision, the last row for a photo winning."""
        return {r.path: r for r in self.rows}

    def missing(self) -> list[str]:
        """The photos decided on that are no longer in the folder (their rows apply to nothing)."""
        return [name for name in self.decisions() if not (self.root / name).is_file()]


def default_file(data_root: str | Path) -> Path:
    return Path(data_root).expanduser() / FILE_NAME


def relative_name(photo: str | Path, data_root: str | Path) -> str | None:
    """How the file names a photo: its path under DATA with '/' separators (None: not under DATA)."""
    p, root = Path(photo).expanduser(), Path(data_root).expanduser()
    try:  # a photo as discover() lists it: under DATA as DATA was given (relative or absolute)
        p = p.relative_to(root)
    except ValueError:
        if p.is_absolute():
            try:  # DATA given relatively, the photo absolutely (links not followed)
                p = Path(os.path.abspath(p)).relative_to(os.path.abspath(root))
            except ValueError:
                return None
        # else: a row of the file, already relative to DATA
    name = posixpath.normpath(p.as_posix())
    return None if name in (".", "..") or name.startswith("../") else name


def _match_class(label: str, classes: list[str]) -> str | None:
    if label in classes:
        return label
    same = [c for c in classes if canonical(c) == canonical(label)]
    return same[0] if len(same) == 1 else None


def check_row(row: Correction, root: Path, classes: list[str], where: str, new: bool = True) -> Correction:
    """The row with its path normalised and its label spelled as the folder's class; InputError naming ``where``.

    A ``new`` decision must name a photo in the folder; a row already in the file may name one deleted since."""
    if row.action not in ACTIONS:
        raise InputError(f"{where}: action {row.action!r} is unknown; use {', '.join(ACTIONS)}")
    if not row.path.strip():
        raise InputError(f"{where}: path is empty; give the photo's path relative to {root}")
    name = relative_name(row.path, root)
    if name is None:
        raise InputError(f"{where}: path {row.path!r} is outside the data folder {root}; give it relative to it")
    if new and not (root / name).is_file():
        raise InputError(f"{where}: path {name!r}: no such photo in {root}; remove the line or put the photo back")
    label = ""
    if row.action == "relabel":
        if not row.label.strip():
            raise InputError(f"{where}: label is empty; relabel needs one of {', '.join(classes)}")
        label = _match_class(row.label.strip(), classes) or ""
        if not label:
            raise InputError(f"{where}: label {row.label.strip()!r} is not a class of {root} "
                             f"({', '.join(classes)})")
    return Correction(name, row.action, label, row.line)


def parse_rows(text: str, file: Path) -> list[Correction]:
    """The rows of the file's text, unchecked but for their shape (header, number of fields)."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [f.strip().lower() for f in header] != list(HEADER):
        raise InputError(f"{file}, line 1: the header must be {','.join(HEADER)}")
    rows = []
    for fields in reader:
        n = reader.line_num  # the file's line (a quoted field may span several)
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(HEADER):
            raise InputError(f"{file}, line {n}: {len(fields)} fields; expected {','.join(HEADER)}")
        path, action, label = (list(fields) + ["", ""])[:3]
        rows.append(Correction(path, action.strip().lower(), label, n))
    return rows


def read_corrections(path: str | Path, data_root: str | Path, classes: list[str]) -> Corrections:
    """Read and check a corrections file; InputError (one line naming the file, line and field) if it is wrong."""
    file, root = Path(path).expanduser(), Path(data_root).expanduser()
    try:
        text = file.read_text(encoding="utf-8-sig", errors="surrogateescape")
    except FileNotFoundError:
        raise InputError(f"corrections file {file}: no such file") from None
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot read corrections file {file}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        parsed = parse_rows(text, file)
    except csv.Error as exc:
        raise InputError(f"{file}: not a CSV file ({exc})") from None
    rows = [check_row(r, root, classes, f"{file}, line {r.line}", new=False) for r in parsed]
    return Corrections(file, root, list(classes), rows)


def write_corrections(path: str | Path, rows: list[Correction]) -> None:
    """Write the file whole and atomically: a crash never leaves half a file of decisions."""
    lines = [HEADER] + [(r.path, r.action, r.label if r.action == "relabel" else "") for r in rows]
    write_text_atomic(Path(path).expanduser(), csv_text(lines))


def set_decision(path: str | Path, data_root: str | Path, classes: list[str], photo: str | Path,
                 action: str | None, label: str = "") -> list[Correction]:
    """Record one photo's decision (``action`` None: forget it, an undo) and return the rows now in the file.

    The photo's earlier rows go, the new one is appended: one row per photo, in the order decided.
    """
    file, root = Path(path).expanduser(), Path(data_root).expanduser()
    rows = read_corrections(file, root, classes).rows if file.exists() else []
    name = relative_name(photo, root) or str(photo)
    if action is not None:
        new = check_row(Correction(name, action, label), root, classes, f"{file}: the decision for {photo}")
        name = new.path
    rows = [r for r in rows if r.path != name] + ([new] if action is not None else [])
    write_corrections(file, rows)
    return rows


def apply_corrections(samples: list[Sample], corrections: Corrections) -> tuple[list[Sample], int, int]:
    """(samples without the excluded photos and with the new labels, photos relabeled, photos excluded).

    A relabel to the class the photo already has changes nothing and is not counted. A row naming a
    photo that is not one of the training photos (a loose file the folder's layout ignores) is an error;
    one naming a photo no longer there applies to nothing (``Corrections.missing``).
    """
    gone = set(corrections.missing())
    decisions = {name: row for name, row in corrections.decisions().items() if name not in gone}
    index = {c: i for i, c in enumerate(corrections.classes)}
    names = {relative_name(s.path, corrections.root): s for s in samples}
    for name, row in decisions.items():
        if name not in names:
            raise InputError(f"{corrections.file}, line {row.line}: path {name!r} is not one of the training photos "
                             f"of {corrections.root} (the folder's layout leaves it out)")
    out, relabeled, excluded = [], 0, 0
    for s in samples:
        row = decisions.get(relative_name(s.path, corrections.root))
        if row is None or row.action == "keep":
            out.append(s)
        elif row.action == "exclude":
            excluded += 1
        else:
            label = index[row.label]
            relabeled += label != s.label
            out.append(Sample(s.path, label))
    return out, relabeled, excluded


def training_corrections(data_root: str | Path, classes: list[str], file: str | Path | None = None,
                         enabled: bool = True) -> Corrections | None:
    """What a run on DATA applies: ``file`` when given (it must exist), else DATA's own file when present."""
    if not enabled:
        return None
    if file:
        return read_corrections(file, data_root, classes)
    own = default_file(data_root)
    return read_corrections(own, data_root, classes) if own.exists() else None


def shown_name(file: str | Path, data_root: str | Path) -> str:
    """The file as a line names it: its bare name when it is DATA's own, else its path."""
    file = Path(file)
    return file.name if file == default_file(data_root) else str(file)


def summary_line(done: dict, data_root: str | Path, missing: list[str] | None = None, verb: str = "Applying") -> str:
    """'Applying catdog-corrections.csv: 3 relabeled, 2 excluded' for a run's ``data.corrections`` (and the rows
    it passed over: photos no longer in the folder)."""
    line = f"{verb} {shown_name(done['file'], data_root)}: {done['relabeled']} relabeled, {done['excluded']} excluded"
    if missing:
        names = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        line += f" ({len(missing)} row(s) name photos no longer in the folder, passed over: {names})"
    return line
