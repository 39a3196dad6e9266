"""Which runs may form an ensemble: different runs, with the same classes. Torch-free: the window's
ensemble dialog asks before any model loads, and core/inference/ensemble.py asks again when loading."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.runs.layout import IMAGENET_PREFIX, run_dir_of


def ensemble_title(n: int) -> str:
    """How the command line, the model boxes and the rows name an ensemble: 'Ensemble of 2 runs'."""
    return f"Ensemble of {n} runs"


def member_key(ref: str) -> str:
    """What a reference names: ``w/a``, ``./w/a/`` and ``w/a/model.safetensors`` are one run."""
    if str(ref).startswith(IMAGENET_PREFIX):
        return str(ref)
    try:
        return str(run_dir_of(ref).resolve())
    except Exception:  # a missing run is reported by whoever loads it, naming it as the user typed it
        return str(Path(ref).expanduser().absolute())


def repeated_member(refs: Sequence[str]) -> str | None:
    """The first reference that names a run already named before it, or None."""
    seen: set[str] = set()
    for ref in refs:
        key = member_key(ref)
        if key in seen:
            return ref
        seen.add(key)
    return None


def repeated_message(ref: str) -> str:
    return f"{ref} is named twice: an ensemble averages different runs"


def classes_mismatch(name: str, classes: Sequence[str], first_name: str, first_classes: Sequence[str]) -> str | None:
    """Why run ``name`` cannot be averaged with the ensemble's first run ``first_name``, or None."""
    if list(classes) == list(first_classes):
        return None
    return f"cannot average {name} with {first_name}: its classes are {', '.join(classes)}, not {', '.join(first_classes)}"
