"""Decisions about photos from the keyboard, recorded at once in a folder's corrections file.

One home for the keys (1..9 relabel to the k-th class, X exclude, K keep, U undo), for how a decision
reads on a photo, and for the book that writes them through core.data.corrections, shared by the
Data page's suspects and the Evaluate gallery. Photos are never changed: only the plain CSV is.
"""

from __future__ import annotations

from pathlib import Path

from core.data.corrections import default_file, read_corrections, relative_name, set_decision
from core.errors import InputError

LETTERS = {"x": "exclude", "k": "keep", "u": None}  # None: undo (forget the photo's decision)
SHOWN = {"relabel": "→ {label}", "exclude": "excluded", "keep": "kept"}


def key_decision(text: str, classes: list[str]) -> tuple[str | None, str] | None:
    """(action or None for undo, label) for a key's text on a photo; None: not a decision key."""
    text = text.lower()
    if len(text) == 1 and text in "123456789" and int(text) <= len(classes):  # not "²": isdigit, yet no int
        return "relabel", classes[int(text) - 1]
    return (LETTERS[text], "") if text in LETTERS else None


def keys_hint(classes: list[str]) -> str:
    keys = ", ".join(f"{k + 1} {name}" for k, name in enumerate(classes[:9]))
    return (f"Keys on a photo: {keys + ' (relabel) · ' if keys else ''}X exclude · K keep · U undo. "
            "Decisions go to catdog-corrections.csv; photos are never changed.")


class DecisionBook:
    """The corrections file of one training folder (``root`` with its ``classes``): decide, and read back."""

    def __init__(self, root: str | Path, classes: list[str]) -> None:
        self.root, self.classes = Path(root), list(classes)
        self.file = default_file(self.root)

    def owns(self, photo: str | Path) -> bool:
        return relative_name(photo, self.root) is not None

    def decide(self, photo: str | Path, action: str | None, label: str = "") -> None:
        """Record (``action`` None: forget) one photo's decision, written atomically; InputError in one line."""
        if not self.owns(photo):
            raise InputError(f"{Path(photo).name} is not in {self.root}: only that folder's photos take decisions")
        try:
            set_decision(self.file, self.root, self.classes, photo, action, label)
        except OSError as exc:
            raise InputError(f"cannot write {self.file}: {exc.strerror or exc}") from None

    def decisions(self) -> dict:
        """Photo (relative name) -> Correction; empty without a file; InputError for a broken file."""
        return read_corrections(self.file, self.root, self.classes).decisions() if self.file.exists() else {}

    def shown(self, paths, decisions: dict | None = None) -> dict[str, str]:
        """str(photo) -> how its decision reads ("→ dog", "excluded", "kept") for the ``paths`` that have one."""
        decisions = self.decisions() if decisions is None else decisions
        out = {}
        for p in paths:
            d = decisions.get(relative_name(p, self.root) or "")
            if d is not None:
                out[str(p)] = SHOWN[d.action].format(label=d.label)
        return out
