"""How far from 0 and 1 the ``proba`` CSV's probabilities stay: a bound chosen on the validation photos.

A confident mistake costs -ln(bound) in the log loss, and every right answer surer than 1 - bound
about the bound itself. Calibrated probabilities already account for the mistakes a run makes,
so the bound only guards against the sure ones: after calibration each candidate bound is tried on
the validation photos and the one with the lowest log loss kept (on a tie, when no validation photo
is that sure, the narrowest: a wider one would only cost the sure answers of the test photos). Measured
on 1,760 competition photos held out in 6 folds (README, "Scores that win"), the fixed [0.005, 0.995]
of earlier versions cost frozen Lite0 0.0015 of log loss; the chosen bound costs nothing. Runs
without a chosen bound (trained before calibration) keep the fixed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: the bound of a run without a calibration record (and of every run before them)
FIXED_BOUND = 0.005
#: the bounds tried on the validation photos
CANDIDATES = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05)


@dataclass(frozen=True)
class ProbaBound:
    low: float
    why: str

    @property
    def high(self) -> float:
        return 1 - self.low

    def clip(self, p: float) -> float:
        return min(max(p, self.low), self.high)

    def describe(self) -> str:
        return f"P(dog) clipped to [{self.low:g}, {self.high:g}]: {self.why}"


#: the bound where no model names one (no calibration record, or no model given)
UNCHOSEN = ProbaBound(FIXED_BOUND, "the fixed bound (a model without a bound chosen on its validation photos)")


def choose_bound(p_true: np.ndarray) -> float:
    """The candidate bound with the lowest log loss on these calibrated P(true class); the narrowest on a tie."""
    p_true = np.asarray(p_true, np.float64)
    losses = [float(-np.log(np.clip(p_true, b, 1 - b)).mean()) for b in CANDIDATES]
    best = min(losses)
    return min(b for b, loss in zip(CANDIDATES, losses) if loss <= best + 1e-9)


def proba_bound(calibrations: Sequence[dict | None]) -> ProbaBound:
    """The bound of a model (one calibration) or an ensemble (its members': the widest)."""
    chosen = [c.get("proba_clip") for c in calibrations if c]
    if not chosen or len(chosen) < len(calibrations) or any(b is None for b in chosen):
        return UNCHOSEN
    whose = "its runs' widest, each " if len(chosen) > 1 else ""
    return ProbaBound(max(chosen), f"{whose}the bound with the lowest log loss on the validation photos")
