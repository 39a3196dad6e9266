"""Turn a TrainConfig into split training and validation photos, read once: pixels, or a frozen backbone's features.

What reads them is the caller's ``read(paths, progress, should_stop)``: the pixel cache
(``core.data.cache``) for runs that train the network, the streamed features
(``core.training.features``) for frozen starts. Both say which photos could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.data.cache import PixelCache
from core.data.classes import balance_warnings, match_classes
from core.data.corrections import apply_corrections, default_file, shown_name, summary_line, training_corrections
from core.data.discover import DatasetIndex, Sample, discover
from core.data.split import stratified_split
from core.errors import InputError
from core.runs.split_record import corrections_changed, data_prints, fingerprint, make_record, restore
from core.training.config import TrainConfig

if TYPE_CHECKING:  # torch.distributed loads only when several processes run
    from core.training.distributed import World
    from core.training.features import PhotoFeatures

#: reads photos once: (paths, progress, should_stop) -> a PixelCache or PhotoFeatures (both list unreadable photos)
ReadPhotos = Callable[[list[Path], Callable[[int, int], None] | None, Callable[[], bool] | None], "PixelCache | PhotoFeatures"]


@dataclass
class PlannedData:
    """The photos and their split before any is decoded: what a run folder's first meta.json describes."""

    index: DatasetIndex
    samples: list[Sample]
    train_idx: list[int]
    val_idx: list[int]
    split: dict  # the photo list and split, for last.ckpt (see split_record.py)
    note: str = ""  # said to the user: e.g. that a resume continues on the recorded split
    corrections_line: str = ""  # said before the photos are read: what the corrections file changes

    @property
    def classes(self) -> list[str]:
        return self.index.classes

    @property
    def num_train(self) -> int:
        return len(self.train_idx)

    @property
    def num_val(self) -> int:
        return len(self.val_idx)

    @property
    def warnings(self) -> list[str]:
        return self.index.warnings

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return [(str(p), r) for p, r in self.index.ignored]


@dataclass
class PreparedData:
    index: DatasetIndex
    photos: PixelCache | PhotoFeatures  # pixels (photos.pixels) or a frozen backbone's features (photos.feats)
    labels: np.ndarray  # (N,) int64, aligned with the photos' rows
    train_idx: np.ndarray
    val_idx: np.ndarray
    classes: list[str]
    split: dict  # the photo list and split, for split.json (see split_record.py)
    note: str = ""  # said to the user: e.g. that a resume continues on the recorded split
    # several processes (distributed.py): the pixels and indices above are this process's share only
    n_train: int | None = None  # readable training photos of all processes (None: len(train_idx))
    n_val: int | None = None
    failures: list[tuple[Path, str]] | None = None  # unreadable photos of all processes (None: the photos')
    rank: int = 0  # which process: its batches get their own random stream

    @property
    def num_train(self) -> int:
        return len(self.train_idx) if self.n_train is None else self.n_train

    @property
    def num_val(self) -> int:
        return len(self.val_idx) if self.n_val is None else self.n_val

    def batch_seed(self, seed: int) -> int:
        """The seed of this process's batches: the run's own on one process (and on rank 0)."""
        return seed + 1_000_000_007 * self.rank

    @property
    def warnings(self) -> list[str]:
        """Classes with too few readable photos (also in the data summary and meta.json)."""
        return self.index.warnings

    @property
    def skipped(self) -> list[tuple[str, str]]:
        found = [(str(p), r) for p, r in (self.photos.failures if self.failures is None else self.failures)]
        return found + [(str(p), r) for p, r in self.index.ignored]


def plan_data(cfg: TrainConfig, recorded: dict | None = None) -> PlannedData:
    """Discover, apply the corrections file to DATA (not to --val) and split, or take the ``recorded`` split
    of a resumed run whose photos or corrections changed since: no photo is decoded yet."""
    index = discover(cfg.data)
    fixes = training_corrections(index.root, index.classes, cfg.corrections, cfg.use_corrections)
    samples, done = list(index.samples), None
    if fixes is not None:
        samples, relabeled, excluded = apply_corrections(samples, fixes)
        done = {"file": str(fixes.file), "relabeled": relabeled, "excluded": excluded}
    prints = data_prints(index.samples, samples, index.classes, index.root)
    note, said = "", summary_line(done, index.root, fixes.missing()) if done else ""
    changed = recorded is not None and corrections_changed(recorded, prints)
    moved = recorded is not None and recorded["fingerprint"] != fingerprint(samples, index.classes, index.root)
    if changed or (moved and not cfg.val_dir):
        if recorded.get("classes", index.classes) != index.classes:
            raise InputError(f"cannot resume: {cfg.data} now has classes {index.classes}, the run was trained on "
                             f"{recorded.get('classes')}; start a new run")
        n_now = len(samples)
        samples, train_idx, val_idx = restore(recorded, index.root)
        done, prints, said = recorded.get("corrections"), recorded.get("photos"), ""
        if changed:
            name = shown_name(fixes.file if fixes else default_file(index.root), index.root)
            then = f"{done['relabeled']} relabeled, {done['excluded']} excluded" if done else "no corrections"
            note = (f"{name} changed since this run started (then: {then}); continuing on the run's recorded "
                    "photos and labels: a new run applies the file as it is now")
        else:
            note = (f"{cfg.data} changed since this run started ({n_now} photos now, {len(samples)} then); "
                    "continuing on the run's recorded photos and split")
    elif cfg.val_dir:
        val_index = discover(cfg.val_dir)
        to_train = match_classes(val_index.classes, index.classes, f"--val {cfg.val_dir}")
        index.ignored += val_index.ignored
        n_train = len(samples)
        samples += [Sample(s.path, to_train[s.label]) for s in val_index.samples]
        train_idx, val_idx = list(range(n_train)), list(range(n_train, len(samples)))
    else:
        train_idx, val_idx = stratified_split([s.label for s in samples], cfg.val_split, cfg.seed)
    split = make_record(samples, train_idx, val_idx, index.classes, index.root, done, prints)
    return PlannedData(index, samples, list(train_idx), list(val_idx), split, note, said)


def prepare_data(cfg: TrainConfig, plan: PlannedData, read: ReadPhotos,
                 progress: Callable[[int, int], None] | None = None, should_stop: Callable[[], bool] | None = None,
                 world=None) -> PreparedData:
    """Read the planned photos once with ``read`` (InterruptedError when ``should_stop`` says so).

    ``world``: several processes (distributed.py), each of which reads only its own share.
    """
    index, samples, train_idx, val_idx, split, note = (plan.index, plan.samples, plan.train_idx, plan.val_idx,
                                                       plan.split, plan.note)
    if world is not None and world.active:
        return decode_shard(world, cfg, read, index, samples, train_idx, val_idx, split, note, progress,
                            should_stop)

    photos = read([s.path for s in samples], progress, should_stop)
    labels = np.array([s.label for s in samples], np.int64)
    keep = photos.ok
    index.warnings = readable_warnings(index.classes, [s.path for s in samples], labels, keep, photos.failures)
    train = np.array([i for i in train_idx if keep[i]], np.int64)
    val = np.array([i for i in val_idx if keep[i]], np.int64)
    if len(train) == 0:
        raise InputError(f"none of the training images in {Path(cfg.data)} could be read")
    if len(val) == 0:
        raise InputError("no readable validation images: use more images, a larger --val-split or --val DIR")
    return PreparedData(index, photos, labels, train, val, index.classes, split, note)


def readable_warnings(classes: list[str], paths: list[Path], labels: np.ndarray, ok: np.ndarray,
                      failures: list[tuple[Path, str]]) -> list[str]:
    """InputError naming a class with no readable photo; warnings for starved classes."""
    readable = {name: int(ok[labels == k].sum()) for k, name in enumerate(classes)}
    for k, name in enumerate(classes):
        if readable[name] == 0:
            total = int((labels == k).sum())
            bad = {str(p): r for p, r in failures}
            example = next((f"{p}: {bad[str(p)]}" for p, lab in zip(paths, labels)
                            if lab == k and str(p) in bad), "")
            raise InputError(f"class {name!r} has no readable photo ({total} file(s), none can be decoded"
                             f"{'; e.g. ' + example if example else ''})")
    return balance_warnings(readable)


def decode_shard(world: World, cfg, read: ReadPhotos, index, samples, train_idx, val_idx, split: dict, note: str,
                 progress, should_stop):
    """PreparedData for one process: it reads only its own training and validation photos.

    Every process owns a fixed share of the training photos (shuffled anew each epoch by the
    batch maker) and of the validation photos; shares are padded by repetition to one length,
    so all take the same number of steps. Unreadable photos are gathered, so warnings, errors
    and meta.json speak of the whole set, the same on every process.
    """
    from core.training.distributed import shard

    if len(set(world.gather(split["fingerprint"]))) > 1:
        raise InputError(f"DATA {cfg.data}: the processes see different photos there; every machine needs the "
                         "same photos at the same path")
    mine_train, mine_val = shard(train_idx, cfg.seed, world), np.asarray(val_idx, np.int64)[world.rank::world.size]
    own = np.concatenate([mine_train, mine_val])
    try:
        photos = read([samples[i].path for i in own], progress, should_stop)
    except InterruptedError:
        photos = None
    if world.any(photos is None):
        raise InterruptedError("stopped while decoding images")
    n = len(mine_train)
    bad = [(int(own[k]), reason) for k, (_, reason) in zip(np.flatnonzero(~photos.ok), photos.failures)]
    everyone = world.gather((bad, int(photos.ok[:n].sum()), int(photos.ok[n:].sum())))
    bad = sorted(b for part, _, _ in everyone for b in part)
    paths = [s.path for s in samples]
    labels = np.array([s.label for s in samples], np.int64)
    ok = np.ones(len(samples), bool)
    ok[[i for i, _ in bad]] = False
    failures = [(paths[i], reason) for i, reason in bad]
    index.warnings = readable_warnings(index.classes, paths, labels, ok, failures)
    n_train, n_val = sum(e[1] for e in everyone), sum(e[2] for e in everyone)
    if n_train == 0:
        raise InputError(f"none of the training images in {cfg.data} could be read")
    if n_val == 0:
        raise InputError("no readable validation images: use more images, a larger --val-split or --val DIR")
    if min(e[1] for e in everyone) == 0 or min(e[2] for e in everyone) == 0:
        raise InputError(f"too few photos for {world.size} processes ({n_train} to train, {n_val} to validate): "
                         "each process needs at least one of each; use fewer processes")
    train = np.resize(np.flatnonzero(photos.ok[:n]), max(e[1] for e in everyone))  # pad: same steps everywhere
    val = n + np.flatnonzero(photos.ok[n:])
    return PreparedData(index, photos, labels[own], train, val, index.classes, split, note, n_train=n_train,
                        n_val=n_val, failures=failures, rank=world.rank)
