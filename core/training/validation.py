"""What a validation pass tells: loss, accuracy, the temperature that calibrates the epoch's model and the
``proba`` CSV's clip for it (core/calibration)."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from core.calibration.clipping import choose_bound
from core.calibration.temperature import fit_temperature, log_softmax


def validation_metrics(logits: torch.Tensor, labels: np.ndarray) -> tuple[float, float, torch.Tensor]:
    """Mean cross-entropy, accuracy, and the float32 logits themselves (the run's calibration is fitted on them)."""
    y = torch.from_numpy(np.asarray(labels))
    logits = logits.float()
    return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean()), logits


def calibration_of(shares: list[tuple[np.ndarray, np.ndarray]]) -> dict | None:
    """meta.json's ``calibration`` for the validation logits and labels of every process (None if not finite)."""
    logits = np.concatenate([s[0] for s in shares])
    labels = np.concatenate([s[1] for s in shares])
    if len(labels) == 0 or not np.isfinite(logits).all():
        return None
    cal = fit_temperature(logits, labels)
    p_true = np.exp(log_softmax(logits, cal.temperature)[np.arange(len(labels)), labels])
    return {**cal.to_meta(), "proba_clip": choose_bound(p_true)}
