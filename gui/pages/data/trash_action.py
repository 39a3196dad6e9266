""""Move excluded photos to the trash…": asked first, then core.data.trash; the message says what happened."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from core.data.trash import excluded_photos, trash_excluded
from core.errors import InputError


def confirm_and_trash(parent: QWidget, file: Path, root: Path, classes: list[str]) -> str | None:
    """None if the user said no (or nothing is excluded); else one line saying what moved and what did not."""
    try:
        photos = excluded_photos(file, root, classes)
    except InputError as exc:
        return f"Nothing moved: {exc}"
    if not photos:
        return None
    names = ", ".join(p.name for p in photos[:5]) + ("…" if len(photos) > 5 else "")
    answer = QMessageBox.question(
        parent, "Move excluded photos to the trash",
        f"Move the {len(photos)} photo(s) excluded in {file.name} ({names}) to the trash?\n\n"
        "They can be restored from the trash; their rows leave the corrections file.")
    if answer != QMessageBox.StandardButton.Yes:
        return None
    try:
        moved, failed = trash_excluded(file, root, classes)
    except (InputError, OSError) as exc:
        return f"Nothing moved: {exc}"
    text = f"Moved {len(moved)} photo(s) to the trash."
    if failed:
        text += f" Could not move {len(failed)}: " + "; ".join(f"{p.name}: {why}" for p, why in failed[:3])
    return text
