"""Move the photos a corrections file excludes to the system's trash: the one action of the app that touches a
photo, taken only when the user asks and confirms. send2trash: the user can take them back out of the trash;
their rows leave the file with them (training would otherwise name each as missing)."""

from __future__ import annotations

from pathlib import Path

from core.data.corrections import read_corrections, write_corrections


def excluded_photos(file: str | Path, data_root: str | Path, classes: list[str]) -> list[Path]:
    """The photos the file excludes now (its last decision for each) that are still in the folder."""
    fixes = read_corrections(file, data_root, classes)
    gone = set(fixes.missing())
    return [Path(data_root) / d.path for d in fixes.decisions().values() if d.action == "exclude" and d.path not in gone]


def trash_excluded(file: str | Path, data_root: str | Path, classes: list[str]
                   ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(photos moved to the trash, (photo, why not) for the others); the moved ones' rows are dropped."""
    from send2trash import send2trash

    fixes = read_corrections(file, data_root, classes)
    already = set(fixes.missing())  # deleted by hand since: nothing to move
    moved: list[Path] = []
    failed: list[tuple[Path, str]] = []
    gone: set[str] = set()
    try:
        for d in fixes.decisions().values():
            if d.action != "exclude" or d.path in already:
                continue
            photo = Path(data_root) / d.path
            try:
                send2trash(str(photo))
            except OSError as exc:  # TrashPermissionError is one: a drive without a trash folder, a read-only one
                failed.append((photo, str(exc) or type(exc).__name__))
                continue
            moved.append(photo)
            gone.add(d.path)
    finally:  # even after an interruption, the file never names a photo that went
        if gone:
            write_corrections(file, [r for r in fixes.rows if r.path not in gone])
    return moved, failed
