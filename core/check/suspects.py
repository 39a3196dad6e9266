"""The check of a training folder, start to end: features, out-of-fold scores, suspects, duplicate groups.

Features come from the ImageNet classifier of ``arch`` with its head taken off, through the same
disk cache a frozen run uses (core/training/features.py): a check after a frozen run, or a frozen
run after a check, reads no photo twice. For cat/dog folders that head's own 1,000 ImageNet classes
also say whether a photo shows a cat or a dog at all (the "neither" suspects).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core.check.duplicates import groups, normalised, similar_pairs
from core.check.out_of_fold import out_of_fold_probs
from core.data.discover import collect_images, discover
from core.errors import InputError
from core.hardware import resolve_device, resolve_precision, setup_backends
from core.inference.submission import CAT_NAMES, DOG_NAMES
from core.models.heads import get_head
from core.models.registry import ARCHS, get_arch
from core.models.zero_shot import CANID_FELID_CLASSES
from core.training.features import store_for, stream_features

KINDS = ("label", "neither", "duplicate")
#: photos scoring below this are not suspects at all (a right label at 80% or a clear pet photo)
MIN_SCORE = 0.2


@dataclass
class Suspect:
    path: Path
    given: str
    predicted: str
    p_given: float  # out-of-fold probability of the label the photo has
    kind: str  # "label": probably another class; "neither": probably none of the classes
    score: float  # 0..1, most suspicious first

    def to_json(self) -> dict:
        return {"path": str(self.path), "given": self.given, "predicted": self.predicted,
                "p_given": round(self.p_given, 6), "kind": self.kind, "score": round(self.score, 6)}


@dataclass
class DuplicateGroup:
    paths: list[Path]
    similarity: float  # the lowest cosine between two photos of the group
    with_test: bool = False  # a training photo and a test photo: the test score would leak

    def to_json(self) -> dict:
        return {"paths": [str(p) for p in self.paths], "similarity": round(self.similarity, 6),
                **({"with_test": True} if self.with_test else {})}


@dataclass
class CheckResult:
    photos: int
    seconds: float
    classes: list[str]
    suspects: list[Suspect]  # most suspicious first
    duplicates: list[DuplicateGroup]
    failures: list[tuple[Path, str]] = field(default_factory=list)

    def to_json(self, top: int | None = None) -> dict:
        return {"photos": self.photos, "seconds": round(self.seconds, 2),
                "suspects": [s.to_json() for s in self.suspects[:top]],
                "duplicates": [g.to_json() for g in self.duplicates],
                "unreadable": [{"path": str(p), "reason": r} for p, r in self.failures]}


def is_cat_dog(classes: list[str]) -> bool:
    lower = [c.lower() for c in classes]
    return len(classes) == 2 and any(c in DOG_NAMES for c in lower) and any(c in CAT_NAMES for c in lower)


def check_folder(data: str | Path, arch: str = "efficientnet_lite0", folds: int = 5, test: str | Path | None = None,
                 device: str = "auto", precision: str = "auto",
                 progress: Callable[[int, int], None] | None = None, should_stop: Callable[[], bool] | None = None,
                 say: Callable[[str], None] = lambda line: None) -> CheckResult:
    """Score every photo of ``data`` (and compare ``test``'s with them): InterruptedError if stopped."""
    t0 = time.perf_counter()
    if arch not in ARCHS or not ARCHS[arch].has_pretrained:
        names = ", ".join(k for k, s in ARCHS.items() if s.has_pretrained)
        raise InputError(f"--arch {arch}: the check needs ImageNet weights; choose one of {names}")
    if folds < 2:
        raise InputError(f"--folds {folds}: at least 2 (each photo is scored by a model trained on the others)")
    index = discover(data)
    paths = [s.path for s in index.samples]
    labels = np.array([s.label for s in index.samples], np.int64)
    test_paths = collect_images([test]) if test is not None else []
    if test is not None and not test_paths:
        raise InputError(f"--test {test}: no photos found there")
    spec = get_arch(arch)
    dev = resolve_device(device)
    prec = resolve_precision(precision, dev)
    setup_backends(dev)
    model = spec.imagenet_classifier().to(dev, memory_format=torch.channels_last).eval()
    head = get_head(model)
    read = stream_features(model, paths + test_paths, image_size=spec.image_size, device=dev, precision=prec,
                           mean=spec.mean, std=spec.std, store=store_for(arch, spec.image_size, dev, prec),
                           progress=progress, should_stop=should_stop, say=say)
    feats = read.feats.mean(1).numpy()  # the photo and its mirror image, averaged
    ok = read.ok[:len(paths)]
    idx = np.flatnonzero(ok)
    probs = out_of_fold_probs(feats[idx], labels[idx], len(index.classes), folds)
    neither = _neither_scores(head, read.feats[torch.from_numpy(idx), 0], dev, probs, is_cat_dog(index.classes))
    suspects = _rank(index.classes, [paths[i] for i in idx], labels[idx], probs, neither)
    duplicates = _duplicates(feats, ok, read.ok[len(paths):], paths, test_paths)
    return CheckResult(len(paths), time.perf_counter() - t0, list(index.classes), suspects, duplicates,
                       read.failures)


@torch.inference_mode()
def _neither_scores(head: torch.nn.Module, feats: torch.Tensor, device: torch.device, probs: np.ndarray,
                    cat_dog: bool) -> np.ndarray:
    """How likely a photo shows none of the classes, 0..1.

    Any folder: how little the out-of-fold model believes its best class (1: every class equally likely).
    Cat/dog folders: that, times how little ImageNet sees a dog, wolf, fox or cat in it: ImageNet alone calls a
    cat on a laptop a "notebook", but the out-of-fold model is then sure of the cat and clears it.
    """
    k = probs.shape[1]
    unsure = np.clip((1 - probs.max(1)) * k / (k - 1), 0, 1)
    if not cat_dog:
        return unsure
    p = torch.softmax(head.float()(feats.to(device).float()), 1).cpu().numpy()
    no_animal = 1 - p[:, CANID_FELID_CLASSES.start:CANID_FELID_CLASSES.stop].sum(1)
    return np.sqrt(no_animal * unsure)


def _rank(classes: list[str], paths: list[Path], labels: np.ndarray, probs: np.ndarray,
          neither: np.ndarray) -> list[Suspect]:
    """Each photo's worse reason (a label it likely does not have, or no class at all), most suspicious first."""
    out = []
    for path, y, p, n in zip(paths, labels, probs, neither):
        wrong = 1 - float(p[y])
        kind, score = ("neither", float(n)) if n > 0.5 and n >= wrong else ("label", wrong)
        if score >= MIN_SCORE:
            out.append(Suspect(path, classes[y], classes[int(np.argmax(p))], float(p[y]), kind, score))
    return sorted(out, key=lambda s: -s.score)


def _duplicates(feats: np.ndarray, ok: np.ndarray, test_ok: np.ndarray, paths: list[Path],
                test_paths: list[Path]) -> list[DuplicateGroup]:
    train = np.flatnonzero(ok)
    mean = feats[train].mean(0)
    a = normalised(feats[train], mean)
    found = [DuplicateGroup([paths[train[i]] for i in g], s) for g, s in groups(len(train), similar_pairs(a))]
    if test_paths:
        tidx = np.flatnonzero(test_ok)
        b = normalised(feats[len(paths) + tidx], mean)
        found += [DuplicateGroup([paths[train[i]], test_paths[tidx[j]]], s, with_test=True)
                  for i, j, s in sorted(similar_pairs(a, b), key=lambda t: -t[2])]
    return found
