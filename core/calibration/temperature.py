"""One temperature per run, fitted on the validation split after training (Guo et al. 2017).

Dividing the logits by T changes no prediction, only how sure it is: label smoothing leaves a
frozen head at 0.95 where it is right 99.7% of the time (T < 1 fixes that), a network trained
from scratch is often surer than it is right (T > 1). The fit minimises the cross-entropy on
the validation photos against Platt's targets, (n + 1) / (n + 2) for a class with n photos
instead of 1: with every validation photo right, plain NLL would drive T to 0 and promise
certainty that a few hundred photos cannot support. Numpy only: the window reads it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.calibration.ranges import T_RANGE

#: probabilities are clipped to [EPS, 1 - EPS] for the log loss, as Kaggle's metric does
LOG_LOSS_EPS = 1e-15


@dataclass(frozen=True)
class Calibration:
    temperature: float
    val_log_loss_before: float
    val_log_loss_after: float
    val_photos: int
    val_errors: int

    def to_meta(self) -> dict:
        """meta.json's ``calibration`` section."""
        return {"temperature": self.temperature, "val_log_loss_before": self.val_log_loss_before,
                "val_log_loss_after": self.val_log_loss_after, "val_photos": self.val_photos,
                "val_errors": self.val_errors}



def describe(calibration: dict) -> str:
    """The line `catdog train` and the Train page print at the end of a run, from meta.json's section."""
    c = calibration
    line = (f"calibrated: temperature {c['temperature']:.3f}, validation log loss {c['val_log_loss_before']:.4f} "
            f"before, {c['val_log_loss_after']:.4f} after")
    if c["val_log_loss_after"] > c["val_log_loss_before"]:
        line += (f" (higher: {c.get('val_photos', 'so few')} validation photos cannot show that answers this sure "
                 "are right; more photos make it trust them)")
    return line


def log_softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def log_loss(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean -ln P(true class), P clipped as Kaggle clips it."""
    p = np.exp(log_softmax(logits, temperature)[np.arange(len(labels)), labels])
    return float(-np.log(np.clip(p, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)).mean())


def platt_targets(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Soft targets: (n_k + 1) / (n_k + 2) for the true class k (n_k of its photos), the rest shared."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    true = (counts[labels] + 1) / (counts[labels] + 2)
    targets = np.repeat(((1 - true) / (n_classes - 1))[:, None], n_classes, axis=1)
    targets[np.arange(len(labels)), labels] = true
    return targets


def _soft_loss(logits: np.ndarray, targets: np.ndarray, temperature: float) -> float:
    return float(-(targets * log_softmax(logits, temperature)).sum(axis=1).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> Calibration:
    """The temperature that best fits these validation logits (N, K) and labels (N,).

    The loss is convex in 1/T, so a golden-section search over log T finds its one minimum.
    """
    logits = np.asarray(logits, np.float64)
    labels = np.asarray(labels, np.int64)
    if logits.ndim != 2 or len(logits) != len(labels) or len(labels) == 0 or not np.isfinite(logits).all():
        raise ValueError("fit_temperature needs finite (N, K) logits and N labels, N > 0")
    targets = platt_targets(labels, logits.shape[1])
    lo, hi = math.log(T_RANGE[0]), math.log(T_RANGE[1])
    golden = (math.sqrt(5) - 1) / 2
    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = _soft_loss(logits, targets, math.exp(a)), _soft_loss(logits, targets, math.exp(b))
    for _ in range(60):  # the interval shrinks 0.618x per step: 60 steps reach 1e-12 of it
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = _soft_loss(logits, targets, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = _soft_loss(logits, targets, math.exp(b))
    t = math.exp((lo + hi) / 2)
    errors = int((logits.argmax(1) != labels).sum())
    return Calibration(round(t, 6), log_loss(logits, labels), log_loss(logits, labels, t), len(labels), errors)
