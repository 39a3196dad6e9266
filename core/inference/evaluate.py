"""Accuracy, log loss, per-class precision/recall/F1 and the confusion matrix, with every photo behind them.

An ``EvalResult`` keeps one row per photo (true class, predicted class, probabilities and
its loss) so that each cell of the confusion matrix can list its photos, worst first, and
``catdog eval --predictions`` and the Evaluate page read the very same numbers.
Torch-free at import: the GUI imports this module before torch loads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.utils.atomic import csv_text

#: probabilities are clipped to [EPS, 1 - EPS] for the log loss, as Kaggle's metric does
EPS = 1e-15


@dataclass
class EvalReport:
    classes: list[str]
    confusion: np.ndarray  # rows: true class, columns: predicted class
    log_loss: float | None = None

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / max(self.total, 1))

    def precision(self, k: int) -> float:
        col = self.confusion[:, k].sum()
        return float(self.confusion[k, k] / col) if col else 0.0

    def recall(self, k: int) -> float:
        row = self.confusion[k].sum()
        return float(self.confusion[k, k] / row) if row else 0.0

    def f1(self, k: int) -> float:
        p, r = self.precision(k), self.recall(k)
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_text(self) -> str:
        width = max(8, *(len(c) for c in self.classes)) + 2
        lines = [f"accuracy {self.accuracy:.2%} on {self.total} images"]
        if self.log_loss is not None:
            lines.append(f"log loss {self.log_loss:.4f} (mean -ln P(true class), clipped at {EPS:g})")
        lines += ["", f"{'class':<{width}}{'precision':>10}{'recall':>10}{'F1':>8}{'images':>8}"]
        for k, name in enumerate(self.classes):
            lines.append(f"{name:<{width}}{self.precision(k):>10.2%}{self.recall(k):>10.2%}{self.f1(k):>8.3f}"
                         f"{int(self.confusion[k].sum()):>8}")
        lines += ["", "confusion matrix (rows: true, columns: predicted)",
                  " " * width + "".join(f"{c:>{width}}" for c in self.classes)]
        for k, name in enumerate(self.classes):
            lines.append(f"{name:<{width}}" + "".join(f"{int(v):>{width}}" for v in self.confusion[k]))
        return "\n".join(lines)


def confusion_report(classes: list[str], true: list[int], predicted: list[int],
                     log_loss: float | None = None) -> EvalReport:
    m = np.zeros((len(classes), len(classes)), np.int64)
    for t, p in zip(true, predicted):
        m[t, p] += 1
    return EvalReport(list(classes), m, log_loss)


@dataclass
class PhotoResult:
    path: Path
    true: int
    probs: list[float]

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probs))

    @property
    def loss(self) -> float:
        """-ln P(true class): the photo's share of the log loss."""
        return -math.log(min(max(self.probs[self.true], EPS), 1 - EPS))


@dataclass
class EvalResult:
    classes: list[str]
    photos: list[PhotoResult]
    failures: list[tuple[Path, str]] = field(default_factory=list)
    cancelled: bool = False

    @property
    def log_loss(self) -> float:
        return float(np.mean([p.loss for p in self.photos])) if self.photos else float("nan")

    def report(self) -> EvalReport:
        return confusion_report(self.classes, [p.true for p in self.photos], [p.predicted for p in self.photos],
                                self.log_loss)

    def by_loss(self) -> list[PhotoResult]:
        """Every photo, the worst (highest loss) first."""
        return sorted(self.photos, key=lambda p: -p.loss)

    def cell(self, true: int, predicted: int) -> list[PhotoResult]:
        """The photos of one confusion-matrix cell, the worst first."""
        return [p for p in self.by_loss() if p.true == true and p.predicted == predicted]


def predictions_csv(result: EvalResult) -> str:
    """``path,true,predicted,p_<class>...,loss``, one row per photo, worst first; paths as the OS gives them."""
    header = ["path", "true", "predicted", *(f"p_{c}" for c in result.classes), "loss"]
    return csv_text([header] + [[str(p.path), result.classes[p.true], result.classes[p.predicted],
                                 *(f"{v:.6f}" for v in p.probs), f"{p.loss:.6f}"] for p in result.by_loss()])


def evaluate(lm, samples: Sequence[tuple[Path, int]], tta: bool = False, batch_size: int = 64,
             progress: Callable[[int, int], None] | None = None, should_stop: Callable[[], bool] | None = None,
             on_batch: Callable[[list[PhotoResult], np.ndarray], None] | None = None) -> EvalResult:
    """Classify labelled photos (labels in the model's class order) exactly as ``catdog predict`` does."""
    from core.inference.predict import predict_files

    labels = {Path(p): int(t) for p, t in samples}

    def batch(preds, pixels) -> None:
        if on_batch:
            on_batch([PhotoResult(p.path, labels[p.path], p.probs) for p in preds], pixels)

    preds, failures = predict_files(lm, [Path(p) for p, _ in samples], tta=tta, batch_size=batch_size,
                                    progress=progress, should_stop=should_stop, on_batch=batch)
    photos = [PhotoResult(p.path, labels[p.path], p.probs) for p in preds]
    cancelled = bool(should_stop and should_stop()) and len(preds) + len(failures) < len(samples)
    return EvalResult(lm.classes, photos, failures, cancelled)
