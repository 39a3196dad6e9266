"""Flag checks that must run before any work: a bad flag is one line naming it, exit 2.

``catdog train`` otherwise decodes every photo before it notices a bad ``--name`` or a
missing ``--val`` folder. Checks read flags with ``getattr`` so that adding a flag to the
parser never breaks them.
"""

from __future__ import annotations

import argparse
from argparse import Namespace
from pathlib import Path

from core.errors import InputError
from core.runs.layout import check_run_name
from core.utils.paths import check_folder


def check_train_args(args: Namespace) -> None:
    """Every train flag a user can get wrong, checked before the photos are read."""
    if getattr(args, "resume", None):
        check_folder("--resume", args.resume, "run folder")
        return
    data = getattr(args, "data", None)
    if data is not None:
        check_folder("DATA", data, "training folder")
    check_folder("--val", getattr(args, "val", None), "validation folder")
    cache_mb = getattr(args, "cache_mb", None)
    if cache_mb is not None and cache_mb < 0:
        raise InputError(f"--cache-mb {cache_mb}: must be 0 or more (MB of RAM for decoded pixels)")
    name = getattr(args, "name", None)
    if name is not None:
        check_run_name(name, "--name")
    out = getattr(args, "out", None)
    if out is not None:
        if not str(out).strip():
            raise InputError("--out: empty folder name")
        if Path(out).expanduser().exists() and not Path(out).expanduser().is_dir():
            raise InputError(f"--out {out}: is a file, not a folder for run folders")
    split = getattr(args, "val_split", None)
    if split is not None and getattr(args, "val", None) is None and not 0 < split < 1:
        raise InputError(f"--val-split {split}: must be between 0 and 1 (exclusive)")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
