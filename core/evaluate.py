"""Accuracy, per-class precision and recall, and the confusion matrix of a model on labelled photos."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class EvalReport:
    classes: list[str]
    confusion: np.ndarray  # rows: true class, columns: predicted class

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

    def to_text(self) -> str:
        width = max(8, *(len(c) for c in self.classes)) + 2
        lines = [f"accuracy {self.accuracy:.2%} on {self.total} images", "",
                 f"{'class':<{width}}{'precision':>10}{'recall':>10}{'images':>8}"]
        for k, name in enumerate(self.classes):
            lines.append(f"{name:<{width}}{self.precision(k):>10.2%}{self.recall(k):>10.2%}"
                         f"{int(self.confusion[k].sum()):>8}")
        lines += ["", "confusion matrix (rows: true, columns: predicted)",
                  " " * width + "".join(f"{c:>{width}}" for c in self.classes)]
        for k, name in enumerate(self.classes):
            lines.append(f"{name:<{width}}" + "".join(f"{int(v):>{width}}" for v in self.confusion[k]))
        return "\n".join(lines)


def confusion_report(classes: list[str], true: list[int], predicted: list[int]) -> EvalReport:
    m = np.zeros((len(classes), len(classes)), np.int64)
    for t, p in zip(true, predicted):
        m[t, p] += 1
    return EvalReport(list(classes), m)
