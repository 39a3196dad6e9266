"""Every photo scored by a model that never saw it: k-fold logistic regression on frozen ImageNet features.

A photo whose given label the other folds find improbable is the classic sign of a wrong label
(cleanlab's "confident learning" starts from the same out-of-fold probabilities). A linear head on
cached features fits in well under a second per fold, so all N photos cost k small fits.
"""

from __future__ import annotations

import numpy as np
import torch

#: L2 penalty of the logistic regression (on standardised features): strong enough that a wrong label
#: among its training folds does not get memorised, weak enough that the right ones are fitted
L2 = 1e-2


def fit_logistic(x: torch.Tensor, y: torch.Tensor, n_classes: int, steps: int = 60) -> torch.nn.Linear:
    head = torch.nn.Linear(x.shape[1], n_classes, dtype=torch.float64)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    opt = torch.optim.LBFGS(head.parameters(), lr=1, max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(x), y) + L2 * head.weight.square().sum() / 2
        loss.backward()
        return loss
    opt.step(closure)
    return head


def fold_of(labels: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """Each photo's fold, every class spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(labels), np.int64)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        out[rng.permutation(idx)] = np.arange(len(idx)) % folds
    return out


def out_of_fold_probs(feats: np.ndarray, labels: np.ndarray, n_classes: int, folds: int = 5,
                      seed: int = 0) -> np.ndarray:
    """(N, K) class probabilities of each photo from the head trained on the other folds."""
    x = torch.from_numpy(np.asarray(feats, np.float64))
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
    y = torch.from_numpy(np.asarray(labels, np.int64))
    which = fold_of(np.asarray(labels), folds, seed)
    probs = np.zeros((len(labels), n_classes))
    for k in range(folds):
        test = torch.from_numpy(which == k)
        if not bool(test.any()):
            continue
        head = fit_logistic(x[~test], y[~test], n_classes)
        with torch.no_grad():
            probs[test.numpy()] = torch.softmax(head(x[test]), 1).numpy()
    return probs
