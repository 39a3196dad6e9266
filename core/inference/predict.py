"""Load a trained run and classify photos exactly as validation saw them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.data.augment import cache_side, eval_batch
from core.data.decode import UnreadableImage, decode_square, decode_workers
from core.data.normalize import IMAGENET_MEAN, IMAGENET_STD
from core.errors import InputError
from core.hardware import resolve_device, resolve_precision, setup_backends
from core.inference.forward import batch_probs
from core.models.registry import ARCHS, build_model, get_arch
from core.models.stats import image_size_range
from core.models.zero_shot import CLASSES as ZERO_SHOT_CLASSES
from core.models.zero_shot import ImageNetCatDog
from core.runs import layout, store
from core.runs.layout import IMAGENET_PREFIX
from core.runs.meta import RunMeta

#: MODEL prefix for an ImageNet classifier used with no training (``imagenet:efficientnet_lite0``)


@dataclass
class LoadedModel:
    run_dir: Path
    meta: dict
    model: torch.nn.Module
    device: torch.device
    precision: str
    weights_version: int | None = None  # model.safetensors' mtime (ns) when loaded: a retrained run is loaded anew

    def is_current(self, model_path: str | Path) -> bool:
        """Still the model ``model_path`` names: same run, weights file unchanged since this was loaded."""
        return str(self.run_dir) == str(model_path) and self.weights_version == _weights_version(self.run_dir)

    @property
    def classes(self) -> list[str]:
        return list(self.meta["classes"])

    @property
    def image_size(self) -> int:
        return int(self.meta["image_size"])

    @property
    def side(self) -> int:
        return int(self.meta.get("resize") or cache_side(self.image_size))

    @property
    def mean(self) -> tuple[float, ...]:
        """The normalisation the run trained with (ImageNet's for runs that did not record one)."""
        return tuple(float(v) for v in (self.meta.get("normalization") or {}).get("mean", IMAGENET_MEAN))

    @property
    def std(self) -> tuple[float, ...]:
        return tuple(float(v) for v in (self.meta.get("normalization") or {}).get("std", IMAGENET_STD))

    @property
    def calibration(self) -> dict | None:
        """meta.json's ``calibration`` (checked on load), None for a run trained before calibration."""
        return self.meta.get("calibration")

    @property
    def temperature(self) -> float:
        """The run's logits are divided by this before softmax, everywhere it predicts (1: uncalibrated)."""
        return float((self.calibration or {}).get("temperature", 1.0))

    @property
    def members(self) -> list[LoadedModel]:
        """The models whose probabilities are averaged: this one (an Ensemble has several)."""
        return [self]

    @property
    def name(self) -> str:
        return self.run_dir.name if self.run_dir.name else str(self.run_dir)

    def describe(self) -> str:
        """'model RUN (arch, 224px, calibrated: temperature 0.55)', as the command line prints it."""
        cal = f", calibrated: temperature {self.temperature:.3f}" if self.calibration else ", not calibrated"
        return f"model {self.run_dir} ({self.meta['arch']}, {self.image_size}px{cal})"

    @property
    def proba_bound(self):
        from core.calibration.clipping import proba_bound

        return proba_bound([self.calibration])


@dataclass
class Prediction:
    path: Path
    probs: list[float]

    @property
    def label(self) -> int:
        return int(np.argmax(self.probs))

    @property
    def confidence(self) -> float:
        return float(max(self.probs))

    def top(self, k: int) -> list[int]:
        """Indices of the k most probable classes, most probable first."""
        return sorted(range(len(self.probs)), key=lambda i: -self.probs[i])[:k]


def read_run_meta(run_dir: Path) -> RunMeta:
    """The run's meta.json, every field checked against the architectures this app builds."""
    return RunMeta.read(run_dir, {key: image_size_range(key) for key in ARCHS})


def _weights_version(run_dir: Path) -> int | None:
    try:
        return (Path(run_dir) / layout.MODEL_FILE).stat().st_mtime_ns
    except OSError:
        return None


def load_run(model_path: str | Path, device: str = "auto", precision: str = "auto") -> LoadedModel:
    """A run folder (or its model.safetensors), or ``imagenet:ARCH`` for the untrained ImageNet baseline.

    meta.json, the weights' own record and the weights' shapes must all agree, and the weights
    be finite: anything else is a one-line InputError naming the file, in every command and the window.
    """
    if str(model_path).startswith(IMAGENET_PREFIX):
        return load_imagenet_baseline(str(model_path)[len(IMAGENET_PREFIX):], device, precision)
    run_dir = layout.run_dir_of(model_path)
    rm = read_run_meta(run_dir)
    version = _weights_version(run_dir)  # before reading: a write in between makes it stale, never current
    weights, stored = store.load_model_file(run_dir)
    rm.check_stored(stored, run_dir / layout.MODEL_FILE)
    dev = resolve_device(device)
    prec = resolve_precision(precision, dev)
    setup_backends(dev)
    model = build_model(rm.arch, len(rm.classes))
    _check_fit(model, weights, rm, run_dir / layout.MODEL_FILE)
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise InputError(f"weights in {run_dir} do not fit a {rm.arch}: {str(exc).splitlines()[0]}") from None
    model = model.to(dev, memory_format=torch.channels_last).eval()
    return LoadedModel(run_dir, rm.raw, model, dev, prec, version)


def _check_fit(model: torch.nn.Module, weights: dict[str, torch.Tensor], rm: RunMeta, path: Path) -> None:
    """Every tensor of the model in the file, with its shape: the first one that is not, named."""
    want = model.state_dict()
    fit = f"weights in {path} do not fit {rm.path} ({rm.arch}, {len(rm.classes)} classes)"
    for key, t in want.items():
        if key not in weights:
            raise InputError(f"{fit}: {key!r} is missing from the weights")
        if tuple(weights[key].shape) != tuple(t.shape):
            raise InputError(f"{fit}: {key!r} is {list(weights[key].shape)} in the weights, "
                             f"{list(t.shape)} in the model")
    extra = sorted(set(weights) - set(want))
    if extra:
        raise InputError(f"{fit}: the weights hold {extra[0]!r}, which a {rm.arch} has not")


def load_imagenet_baseline(arch: str, device: str = "auto", precision: str = "auto") -> LoadedModel:
    """ARCH's own ImageNet classifier as a cat/dog model: P(dog) = dog-class mass / (dog + cat mass)."""
    if arch not in ARCHS or not ARCHS[arch].has_pretrained:
        with_weights = [k for k, s in ARCHS.items() if s.has_pretrained]
        raise InputError(f"MODEL {IMAGENET_PREFIX}{arch}: no ImageNet classifier by that name; "
                         f"choose one of {', '.join(IMAGENET_PREFIX + k for k in with_weights)}")
    spec = get_arch(arch)
    dev = resolve_device(device)
    prec = resolve_precision(precision, dev)
    setup_backends(dev)
    model = ImageNetCatDog(spec.imagenet_classifier()).to(dev, memory_format=torch.channels_last).eval()
    meta = {"arch": arch, "classes": list(ZERO_SHOT_CLASSES), "num_classes": 2, "image_size": spec.image_size,
            "resize": cache_side(spec.image_size), "start": "imagenet-classes",
            "normalization": {"mean": list(spec.mean), "std": list(spec.std)}}
    return LoadedModel(Path(IMAGENET_PREFIX + arch), meta, model, dev, prec)


def predict_files(
    lm: LoadedModel,
    paths: Sequence[Path],
    tta: bool = False,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_batch: Callable[[list[Prediction], np.ndarray], None] | None = None,
) -> tuple[list[Prediction], list[tuple[Path, str]]]:
    """Predictions for readable photos, and (file, reason) for the ones that are not.

    ``on_batch(predictions, pixels)`` sees each batch as it is done (the GUI fills its
    table and thumbnails from it); ``should_stop`` is checked between batches.
    """
    members = lm.members  # one run, or an ensemble's: each preprocesses as it was trained
    sides = list(dict.fromkeys(m.side for m in members))
    preds: list[Prediction] = []
    failures: list[tuple[Path, str]] = []

    def decode(p: Path):
        try:
            return {side: decode_square(p, side) for side in sides}
        except UnreadableImage as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=decode_workers()) as pool:
        for start in range(0, len(paths), batch_size):
            if should_stop and should_stop():
                break
            chunk = list(paths[start:start + batch_size])
            decoded = list(pool.map(decode, chunk))
            good = [(p, d) for p, d in zip(chunk, decoded) if not isinstance(d, str)]
            failures += [(p, d) for p, d in zip(chunk, decoded) if isinstance(d, str)]
            if good:
                pixels = {side: torch.from_numpy(np.stack([d[side] for _, d in good])) for side in sides}
                probs = sum(_member_probs(m, pixels[m.side], tta, [p for p, _ in good]) for m in members)
                probs = probs / len(members)
                batch_preds = [Prediction(p, row.tolist()) for (p, _), row in zip(good, probs)]
                preds += batch_preds
                if on_batch:
                    on_batch(batch_preds, pixels[sides[0]].numpy())
            if progress:
                progress(min(start + batch_size, len(paths)), len(paths))
    return preds, failures


def _member_probs(m: LoadedModel, pixels: torch.Tensor, tta: bool, paths: list[Path]) -> torch.Tensor:
    """One model's calibrated probabilities for a batch decoded at its own size."""
    probs = batch_probs(m.model, eval_batch(pixels, m.image_size), m.device, m.precision, tta, m.mean, m.std,
                        m.temperature)
    _check_finite(m, probs, paths)
    return probs


def _check_finite(lm: LoadedModel, probs: torch.Tensor, paths: list[Path]) -> None:
    """NaN or inf probabilities are never an answer (a diverged model, or an overflow): say so instead."""
    bad = ~torch.isfinite(probs).all(1)
    if bool(bad.any()):
        first = paths[int(bad.nonzero()[0])]
        raise InputError(f"model {lm.run_dir} gives non-finite probabilities (NaN) for {first}: its weights "
                         "or normalization are broken (a diverged training?); train it again")
