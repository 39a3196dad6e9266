"""Which run a model chooser shows after it is filled again: one rule for Predict and Evaluate."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def choose_run(combo: QComboBox, select: str | None, previous: str | None) -> None:
    """``select`` if the box lists it, else the user's ``previous`` choice if still listed, else the newest run.

    A run asked for but not offered (stopped before its first epoch saved weights) never moves the box to
    another model behind the user's back.
    """
    for wanted in (select, previous):
        i = combo.findData(wanted) if wanted else -1
        if i >= 0:
            combo.setCurrentIndex(i)
            return
    combo.setCurrentIndex(0)
