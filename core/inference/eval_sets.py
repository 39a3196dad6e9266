"""Which labelled photos to evaluate a model on: a folder, or the run's own validation photos.

A run's validation photos are the ones it never trained on, recorded in last.ckpt (see
core/training/split_record.py). A run without that record is still served when its data
folder is unchanged (same fingerprint): the seeded split is drawn again from its config.
Labels come back in the model's class order, whatever the folder's class names look like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.data.classes import match_classes
from core.data.discover import discover
from core.errors import InputError
from core.inference.predict import read_run_meta
from core.runs import layout
from core.utils.paths import check_folder


@dataclass
class EvalSet:
    samples: list[tuple[Path, int]]  # (photo, class index of the model)
    description: str  # for a person: where the photos come from
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    root: Path | None = None  # the labelled folder the photos are in (None: several), whose corrections file
    classes: list[str] = field(default_factory=list)  # ... judges them, with the folder's class names


def labelled_folder(data: str | Path, model_classes: list[str], flag: str = "DATA") -> EvalSet:
    check_folder(flag, str(data), "evaluation folder")
    index = discover(data)
    to_model = match_classes(index.classes, model_classes, str(data))
    return EvalSet([(s.path, to_model[s.label]) for s in index.samples], index.summary(), list(index.ignored),
                   Path(index.root), list(index.classes))


def _recorded_split(run_dir: Path) -> dict | None:
    """The split last.ckpt records, None when there is none; one that is not a split is a one-line error."""
    path = run_dir / layout.CHECKPOINT_FILE
    if not path.is_file():
        return None
    import torch

    try:  # mmap: only the small split record is read, not the optimizer state
        ckpt = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:
        return None
    split = ckpt.get("split") if isinstance(ckpt, dict) else None
    if split is None:
        return None
    val, classes = split.get("val") if isinstance(split, dict) else None, (split or {}).get("classes")
    pairs = isinstance(val, list) and all(isinstance(r, (list, tuple)) and len(r) == 2 and isinstance(r[0], str)
                                          and isinstance(r[1], int) and not isinstance(r[1], bool) for r in val)
    names = classes is None or (isinstance(classes, list) and all(isinstance(c, str) for c in classes))
    if not (pairs and names):
        raise InputError(f"{path}: its recorded validation split (\"split\") is damaged: "
                         "choose a labelled folder to evaluate on")
    return split


def _redrawn_split(meta: dict) -> dict | None:
    """The seeded split again, when the data folder still has exactly the run's photos."""
    from core.data.split import stratified_split
    from core.runs.split_record import fingerprint, make_record

    cfg, data = _section(meta, "config"), _section(meta, "data")
    root = data.get("root") or cfg.get("data")
    if not isinstance(root, str) or not root or cfg.get("val_dir") or not Path(root).is_dir():
        return None
    try:
        val_split, seed = float(cfg.get("val_split", 0.2)), int(cfg.get("seed", 0))
    except (TypeError, ValueError):
        return None
    if not 0 < val_split < 1:
        return None
    index = discover(root)
    if data.get("fingerprint") != fingerprint(index.samples, index.classes, index.root):
        return None
    train, val = stratified_split([s.label for s in index.samples], val_split, seed)
    return make_record(index.samples, train, val, index.classes, index.root)


def _section(meta: dict, key: str) -> dict:
    return meta[key] if isinstance(meta.get(key), dict) else {}


def run_validation(run_dir: str | Path, model_classes: list[str]) -> EvalSet:
    """The photos the run validated on (never trained on); missing ones are listed, not fatal."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"{run_dir} has no validation photos of its own: choose a labelled folder")
    rm = read_run_meta(run_dir)
    record = _recorded_split(run_dir) or _redrawn_split(rm.raw)
    if record is None:
        raise InputError(f"{run_dir.name} has no recorded validation split (no {layout.CHECKPOINT_FILE}) and its "
                         "data folder changed or is gone: choose a labelled folder to evaluate on")
    data, cfg = _section(rm.raw, "data"), _section(rm.raw, "config")
    root = Path(str(data.get("root") or cfg.get("data") or "."))
    classes = list(record.get("classes") or rm.classes)
    to_model = match_classes(classes, model_classes, f"the validation split of {run_dir.name}")
    samples, gone = [], []
    for name, label in record["val"]:
        path = Path(name) if Path(name).is_absolute() else root / name
        if not 0 <= label < len(classes):
            raise InputError(f"{run_dir / layout.CHECKPOINT_FILE}: its recorded validation split (\"split\") "
                             f"labels {name} with class {label}, but it has {len(classes)} classes")
        if path.is_file():
            samples.append((path, to_model[label]))
        else:
            gone.append((path, "in the run's validation split but no longer on disk"))
    if not samples:
        raise InputError(f"none of the {len(record['val'])} validation photos of {run_dir.name} is still in {root}")
    return EvalSet(samples, f"{len(samples)} validation photos of {run_dir.name} (never trained on) in {root}", gone,
                   root, classes)


def eval_set(model: str | list[str], model_classes: list[str], data: str | None = None) -> EvalSet:
    """``data`` when given, else the run's own validation photos (an ensemble: those none of its runs trained on)."""
    if data is not None and str(data).strip():
        return labelled_folder(data, model_classes)
    from core.runs.layout import IMAGENET_PREFIX, model_refs

    refs = model_refs(model) if isinstance(model, str) else [str(m) for m in model]
    for ref in refs:
        if ref.startswith(IMAGENET_PREFIX):
            raise InputError(f"{ref} was never trained, so it has no validation photos: choose a labelled folder")
    sets = [run_validation(layout.run_dir_of(ref), model_classes) for ref in refs]
    return sets[0] if len(sets) == 1 else _common_validation(sets)


def _common_validation(sets: list[EvalSet]) -> EvalSet:
    """The validation photos of every member: photos no run of the ensemble trained on."""
    common = set.intersection(*({p.resolve() for p, _ in s.samples} for s in sets))
    if not common:
        raise InputError(f"no photo is in the validation split of all {len(sets)} runs (each trained on the others' "
                         "validation photos): choose a labelled folder to evaluate the ensemble on")
    samples = [(p, t) for p, t in sets[0].samples if p.resolve() in common]
    ignored = list(dict.fromkeys(x for s in sets for x in s.ignored))
    roots = {str(s.root.resolve()) if s.root else None for s in sets}
    same = len(roots) == 1 and len({tuple(s.classes) for s in sets}) == 1
    return EvalSet(samples, f"{len(samples)} validation photos of all {len(sets)} runs (never trained on)", ignored,
                   sets[0].root if same else None, sets[0].classes if same else [])
