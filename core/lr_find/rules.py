"""How a range test's curve becomes one suggested learning rate: smoothing, fastai's valley, steepest descent.

Pure functions over lists, so they can be tested on made-up curves. The smoothing is fastai's
(an exponential moving average with bias correction); the valley rule is fastai's ``valley``
(``fastai/callback/schedule.py``, after ESRI): the longest run of ever-lower losses, taken
roughly two thirds of the way down; when the curve has no such run, the steepest descent of
the smoothed loss. As in fastai's ``lr_find``, the first tenth of the planned steps and the
last five points (where the loss blows up) are left out of the choice, never out of the curve.
"""

from __future__ import annotations

import math

BETA = 0.98  # the smoothing of the loss, as fastai's Recorder
DIVERGE_FACTOR = 4.0  # the test stops once the smoothed loss exceeds this many times its minimum
VALLEY, STEEPEST = "valley", "steepest"
MIN_VALLEY_POINTS = 3  # a "valley" of fewer ever-lower points is noise: steepest descent then
SKIP_END = 5  # points at the end left out of the choice (fastai's lr_find: the explosion)
MIN_FALL = 0.10  # a curve whose smoothed loss never falls this share below its start says little about any lr


class Smoother:
    """The running smoothed loss: ``add(loss)`` returns the bias-corrected average so far."""

    def __init__(self, beta: float = BETA) -> None:
        self.beta, self.avg, self.n = beta, 0.0, 0

    def add(self, loss: float) -> float:
        self.n += 1
        self.avg = self.beta * self.avg + (1 - self.beta) * loss
        return self.avg / (1 - self.beta ** self.n)


def diverged(smoothed: float, best: float) -> bool:
    """The loss exploded (or is not a number): the range test has gone far enough."""
    return not math.isfinite(smoothed) or smoothed > DIVERGE_FACTOR * best


def valley_index(losses: list[float]) -> int | None:
    """fastai's ``valley``: the index two thirds into the longest run of ever-lower losses (not necessarily
    consecutive points); None when no run has MIN_VALLEY_POINTS points."""
    n = len(losses)
    run = [1] * n  # run[i]: the longest chain of decreasing losses that ends at point i
    end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and run[i] < run[j] + 1:
                run[i] = run[j] + 1
            if run[end] < run[i]:
                end = i
    if n == 0 or run[end] < MIN_VALLEY_POINTS:
        return None
    start = max(0, end - run[end])  # fastai's start (one before the chain's first point; never below 0)
    third = (end - start) / 3
    return min(end, start + int(third) + int(third / 2))


def steepest_index(lrs: list[float], losses: list[float]) -> int:
    """Where the smoothed loss falls fastest against log(lr) (fastai's ``steep``)."""
    if len(losses) < 2:
        return 0
    slopes = [(losses[i + 1] - losses[i]) / (math.log(lrs[i + 1]) - math.log(lrs[i])) for i in range(len(losses) - 1)]
    return min(range(len(slopes)), key=slopes.__getitem__)


def choice_window(n: int, planned_steps: int) -> range:
    """The points a suggestion may come from: without the first tenth of the planned steps and the last
    SKIP_END points, unless that leaves too few to choose from."""
    lo, hi = planned_steps // 10, n - SKIP_END
    return range(lo, hi) if hi - lo >= 2 * MIN_VALLEY_POINTS else range(n)


def suggest(lrs: list[float], smoothed: list[float], planned_steps: int) -> tuple[float, str, int]:
    """(suggested lr, the rule that gave it, its index in ``lrs``): always one of the tested rates."""
    if not lrs:
        raise ValueError("no point of the curve to suggest from")
    window = choice_window(len(lrs), planned_steps)
    part_lrs, part_losses = [lrs[i] for i in window], [smoothed[i] for i in window]
    k, rule = valley_index(part_losses), VALLEY
    if k is None:
        k, rule = steepest_index(part_lrs, part_losses), STEEPEST
    return part_lrs[k], rule, window.start + k


def shown_range(losses: list[float]) -> tuple[float, float]:
    """The loss range a picture of the curve shows: the explosion of the last SKIP_END points would squash the
    rest into a flat line (fastai's plot leaves them out); they are drawn at the top edge instead."""
    part = losses[:len(losses) - SKIP_END] if len(losses) > 2 * SKIP_END else losses
    lo, hi = (min(part), max(part)) if part else (0.0, 1.0)
    pad = max(hi - lo, 1e-3) * 0.05
    return lo - pad, hi + pad


def caution(losses: list[float]) -> str:
    """A warning when the curve is nearly flat ('' otherwise): from scratch a deep network learns little in ~100
    steps (resnet18 at 128 px: 0.705 -> 0.685), and any rule then picks a point of noise."""
    part = losses[:len(losses) - SKIP_END] if len(losses) > 2 * SKIP_END else losses
    if len(part) < 2 or not all(math.isfinite(v) for v in part):
        return ""
    start, low = part[0], min(part)
    if start <= 0 or (start - low) / start >= MIN_FALL:
        return ""
    return (f"the loss hardly fell ({start:.3f} -> {low:.3f}, {100 * (start - low) / start:.0f}%): the network learned "
            "too little in this test for the suggestion to mean much; run more steps (--steps 300) or keep the "
            "default learning rate")


def describe_rule(rule: str | None) -> str:
    """The rule in words, for the console and the window."""
    if rule == VALLEY:
        return "valley: two thirds down the longest stretch of falling loss (fastai's rule)"
    if rule == STEEPEST:
        return "steepest descent of the smoothed loss: the curve has no valley"
    return "no suggestion"
