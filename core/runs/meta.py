"""meta.json, a run's description: the one writer, the lenient readers, and ``RunMeta``, the strict one.

``read_meta`` is for a run the user named (a damaged file is a one-line error naming it);
``try_read_meta`` is for listings, where one bad folder must not hide the others. ``RunMeta``
is the only reader for loading a model: a value PyTorch would choke on (``image_size`` 0), or
one that would give a confident wrong answer (``std`` [0, 0, 0], classes swapped against the
weights' own record), is a one-line error naming the file and the field, never a traceback.
Torch-free: the architectures' facts come in as ``sizes`` from whoever may import the models.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.calibration.ranges import T_RANGE
from core.errors import InputError
from core.runs.layout import META_FILE
from core.utils.atomic import write_text_atomic

#: what a model cannot be rebuilt without; every other field may be absent (runs of older versions)
REQUIRED = ("arch", "classes", "image_size")


def write_meta(run_dir: Path, meta: dict) -> None:
    write_text_atomic(run_dir / META_FILE, json.dumps(meta, indent=2, default=str) + "\n")


def read_meta(run_dir: Path) -> dict:
    path = Path(run_dir) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{run_dir} is not a run folder: {META_FILE} is missing") from None
    except RecursionError:  # [[[[...]]]] thousands deep: json gives up, and must not take the listing with it
        raise InputError(f"cannot read {path}: it is nested too deeply to be a run's description") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(meta, dict):
        raise InputError(f"cannot read {path}: it holds a {type(meta).__name__}, not a run's description")
    return meta


def try_read_meta(run_dir: Path) -> dict | None:
    """The run's meta.json as a dict, or None when it is missing, unreadable or not a run's description."""
    try:
        return read_meta(run_dir)
    except InputError:
        return None


def _show(value: object) -> str:
    try:
        text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    except (RecursionError, ValueError):
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _three_numbers(value: object, positive: bool) -> bool:
    return (isinstance(value, list) and len(value) == 3
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    and (v > 0 or not positive) for v in value))


def check_fields(meta: dict, path: Path, sizes: Mapping[str, tuple[int, int]] | None = None) -> None:
    """InputError naming ``path`` and the first field present whose value no model could load with.

    ``sizes``: every architecture this app builds and the image sizes it takes; without it (a
    listing, which must not import the models) the architecture is not looked up.
    """
    def bad(field: str, why: str) -> InputError:
        return InputError(f"{path}: \"{field}\" {why}")

    arch = meta.get("arch")
    if "arch" in meta and (not isinstance(arch, str) or (sizes is not None and arch not in sizes)):
        raise bad("arch", f"is {_show(arch)}, not an architecture this app knows (`catdog archs` lists them)")
    if "classes" in meta:
        classes = meta["classes"]
        if not isinstance(classes, list):
            raise bad("classes", f"must be a list of class names, not {_show(classes)}")
        if len(classes) < 2:
            raise bad("classes", f"must name at least 2 classes, not {len(classes)}")
        seen: set[str] = set()
        for name in classes:
            if not isinstance(name, str) or not name.strip():
                raise bad("classes", f"must hold non-empty names, not {_show(name)}")
            if name in seen:
                raise bad("classes", f"names {name!r} twice")
            seen.add(name)
        if "num_classes" in meta and meta["num_classes"] != len(classes):
            raise bad("num_classes", f"is {_show(meta['num_classes'])} but \"classes\" names {len(classes)}")
    size = meta.get("image_size")
    if "image_size" in meta:
        lowest, highest = sizes[arch] if sizes is not None and arch in sizes else (1, None)
        if not _is_int(size) or size < lowest or (highest is not None and size > highest):
            within = f"{arch} takes {lowest} to {highest} px" if highest else "it must be a whole number of pixels"
            raise bad("image_size", f"is {_show(size)}: {within}")
    resize = meta.get("resize")
    if resize is not None and (not _is_int(resize) or (_is_int(size) and not size <= resize <= 2 * size)):
        raise bad("resize", f"is {_show(resize)}: it must be a whole number from image_size ({_show(size)}) "
                            "to twice that")
    norm = meta.get("normalization")
    if norm is not None:
        if not isinstance(norm, dict) or "mean" not in norm or "std" not in norm:
            raise bad("normalization", f"must be {{\"mean\": [3 numbers], \"std\": [3 numbers]}}, not {_show(norm)}")
        if not _three_numbers(norm["mean"], positive=False):
            raise bad("normalization.mean", f"must be 3 finite numbers, not {_show(norm['mean'])}")
        if not _three_numbers(norm["std"], positive=True):
            raise bad("normalization.std", f"must be 3 finite numbers above 0, not {_show(norm['std'])}")
    _check_calibration(meta.get("calibration"), bad)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_calibration(cal: object, bad) -> None:
    """A temperature of 0 or NaN would turn every probability into 0/1 or NaN: never loaded."""
    if cal is None:
        return
    if not isinstance(cal, dict) or "temperature" not in cal:
        raise bad("calibration", f"must be {{\"temperature\": T, ...}}, not {_show(cal)}")
    low, high = T_RANGE
    if not _number(cal["temperature"]) or not low <= cal["temperature"] <= high:
        raise bad("calibration.temperature", f"is {_show(cal['temperature'])}: it must be a number from {low:g} to "
                                             f"{high:g} (above 0: a fit never gives another)")
    for key in ("val_log_loss_before", "val_log_loss_after"):
        if key in cal and not (_number(cal[key]) and cal[key] >= 0):
            raise bad(f"calibration.{key}", f"is {_show(cal[key])}: it must be a finite number, 0 or more")
    clip = cal.get("proba_clip")
    if clip is not None and not (_number(clip) and 0 < clip < 0.5):
        raise bad("calibration.proba_clip", f"is {_show(clip)}: it must be a number between 0 and 0.5")
    photos, errors = cal.get("val_photos"), cal.get("val_errors")
    for key, value in (("val_photos", photos), ("val_errors", errors)):
        if value is not None and not (_is_int(value) and value >= 0):
            raise bad(f"calibration.{key}", f"is {_show(value)}: it must be a whole number, 0 or more")
    if _is_int(photos) and _is_int(errors) and errors > photos:
        raise bad("calibration.val_errors", f"is {errors}, more than its {photos} validation photos")


@dataclass(frozen=True)
class RunMeta:
    """A run's meta.json with every field a loader uses checked; ``raw`` is the whole file as read."""

    path: Path
    raw: dict
    arch: str
    classes: tuple[str, ...]
    image_size: int
    resize: int | None
    mean: tuple[float, float, float] | None  # None: the run predates recorded normalisation
    std: tuple[float, float, float] | None

    @classmethod
    def read(cls, run_dir: str | Path, sizes: Mapping[str, tuple[int, int]]) -> RunMeta:
        return cls.from_dict(read_meta(Path(run_dir)), Path(run_dir) / META_FILE, sizes)

    @classmethod
    def from_dict(cls, meta: dict, path: Path, sizes: Mapping[str, tuple[int, int]]) -> RunMeta:
        for key in REQUIRED:
            if key not in meta:
                raise InputError(f"{path}: \"{key}\" is missing: not a CatDog Studio run")
        check_fields(meta, path, sizes)
        norm = meta.get("normalization") or {}
        return cls(path, meta, meta["arch"], tuple(meta["classes"]), meta["image_size"], meta.get("resize"),
                   tuple(float(v) for v in norm["mean"]) if norm else None,
                   tuple(float(v) for v in norm["std"]) if norm else None)

    def check_stored(self, stored: Mapping[str, str], weights_path: Path) -> None:
        """The weights file's own record (save_model writes arch and classes into it) must agree."""
        mine = {"arch": self.arch, "classes": ",".join(self.classes)}
        for field, value in mine.items():
            if field in stored and stored[field] != value:
                raise InputError(f"{self.path} and {weights_path} disagree on \"{field}\": {_show(value)} in "
                                 f"{META_FILE}, {_show(stored[field])} in the weights")
