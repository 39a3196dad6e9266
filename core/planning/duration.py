"""How long a run will take on this computer, before it starts.

A few timed batches of the engine's own training step and prediction path
(``core.training.bench.measure_rates``) give images/s for one architecture, size, batch and device;
they are kept in a small JSON file in the cache folder, so each combination is measured once. The
estimate then adds up what the run does: decode every photo once, and either compute frozen features once (each
photo and its mirror image) and train a head in milliseconds, or train and validate every epoch. On a CPU
decoding and the network share the cores, so their times add up.

A few batches timed while the computer was busy (or on a laptop that had not yet raised its
clock) can be off by several times: "about 9 min" was shown for a 25 s run. So a run that
trains here teaches the cache its real speed (``learn_from_run``), and the next estimate for
the same architecture, size and batch uses it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from core.runs.layout import FROZEN
from core.utils.json_cache import JsonCache
from core.utils.versions import model_libraries_tag

DECODE_IMAGES_PER_S = 500.0  # measured: 1,466 competition photos decode in ~2.5 s on 2 cores
FROZEN_EPOCH_S = 0.1  # an epoch of a linear head on cached features
SLOW_S = 15 * 60  # beyond this the window warns before Start


@dataclass(frozen=True)
class Rates:
    train_images_per_s: float
    predict_images_per_s: float


#: "arch|size|batch|device|train or predict|libraries" -> [train, predict] images/s
SPEEDS = JsonCache("speed.json")


def rates_key(arch: str, image_size: int, batch_size: int, device: str, precision: str, train: bool) -> str:
    from core.hardware import device_label, resolve_device, resolve_precision

    dev = resolve_device(device)
    label = device_label(dev, resolve_precision(precision, dev))
    return f"{arch}|{image_size}|{batch_size}|{label}|{'train' if train else 'predict'}|{model_libraries_tag()}"


def cached_rates(arch: str, image_size: int, batch_size: int, train: bool, device: str = "auto",
                 precision: str = "auto") -> Rates | None:
    hit = SPEEDS.get(rates_key(arch, image_size, batch_size, device, precision, train))
    return Rates(*hit) if hit else None


def remember_rates(key: str, rates: Rates) -> None:
    SPEEDS.put(key, [rates.train_images_per_s, rates.predict_images_per_s])


def learn_from_run(arch: str, image_size: int, batch_size: int, device: str, precision: str,
                   train_images_per_s: list[float], val_images_per_s: list[float]) -> Rates | None:
    """Remember the speed a run really trained and validated at, per epoch, in place of the timed batches.

    The median of the epochs after the first (which warms up: kernels chosen, memory mapped);
    a run of one epoch gives what it has. Returns what was remembered, None if nothing.
    """
    def typical(rates: list[float]) -> float | None:
        rates = [r for r in rates if r > 0]
        return statistics.median(rates[1:] or rates) if rates else None

    train, val = typical(train_images_per_s), typical(val_images_per_s)
    if train is None or val is None:
        return None
    rates = Rates(train, val)
    remember_rates(rates_key(arch, image_size, batch_size, device, precision, True), rates)
    return rates


def estimate_seconds(start: str, rates: Rates, n_train: int, n_val: int, epochs: int) -> float:
    """Wall time of a run: decoding, then features + head (frozen) or epochs of training and validation."""
    decode = (n_train + n_val) / DECODE_IMAGES_PER_S
    if start == FROZEN:  # every photo as is and mirrored (core.training.features)
        return decode + 2 * (n_train + n_val) / rates.predict_images_per_s + epochs * FROZEN_EPOCH_S
    per_epoch = n_train / max(rates.train_images_per_s, 1e-9) + n_val / rates.predict_images_per_s
    return decode + epochs * per_epoch
