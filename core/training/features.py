"""Frozen-backbone training: pooled ImageNet features computed once, then only a head learns.

With the backbone frozen, its output for a photo never changes, so each photo goes through
it once (and its mirror image once more, the one augmentation that costs nothing to keep);
every epoch after that trains a linear head on cached vectors in milliseconds. The head is
the model's own head module, so the run folder still holds one complete network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch.nn import functional as F

from core.data.augment import eval_batch, to_model_input
from core.hardware import autocast
from core.models.heads import without_head
from core.training.batches import seeded_generator

ProgressFn = Callable[[int, int], None]


@torch.inference_mode()
def extract_features(model: torch.nn.Module, pixels: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray, *,
                     image_size: int, device: torch.device, precision: str, mean, std, batch_size: int = 64,
                     progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None
                     ) -> torch.Tensor:
    """(N, 2, D) float32 pooled features of the centre crops: [:, 0] as is, [:, 1] mirrored.

    Mirrors are computed for training photos only (validation never uses them).
    """
    jobs = [(int(i), False) for i in np.concatenate([train_idx, val_idx])] + [(int(i), True) for i in train_idx]
    feats: torch.Tensor | None = None
    model.eval()
    with without_head(model):
        for start in range(0, len(jobs), batch_size):
            if should_stop and should_stop():
                raise InterruptedError("stopped while computing features")
            chunk = jobs[start:start + batch_size]
            idx = np.array([i for i, _ in chunk])
            flip = torch.tensor([f for _, f in chunk])
            x = eval_batch(torch.from_numpy(pixels[idx]), image_size)
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
            x = to_model_input(x, device, channels_last=True, mean=mean, std=std)
            with autocast(device, precision):
                out = model(x).float().cpu()
            if feats is None:
                feats = torch.zeros((len(pixels), 2, out.shape[1]))
            feats[torch.from_numpy(idx), flip.long()] = out
            if progress:
                progress(min(start + batch_size, len(jobs)), len(jobs))
    return feats


class FeatureBatches:
    """One epoch of (indices, features, labels): seeded shuffle, each photo as is or mirrored."""

    def __init__(self, feats: torch.Tensor, labels: np.ndarray, train_idx: np.ndarray, *, seed: int, epoch: int,
                 batch_size: int, device: torch.device):
        self.feats, self.labels, self.device, self.bs = feats, labels, device, batch_size
        self.order = train_idx[torch.randperm(len(train_idx), generator=seeded_generator(seed, 1, epoch)).numpy()]
        self.views = torch.randint(0, 2, (len(self.order),), generator=seeded_generator(seed, 3, epoch))

    def iterate(self, start: int, steps: int) -> Iterator[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
        for step in range(start, steps):
            sl = slice(step * self.bs, (step + 1) * self.bs)
            idx = self.order[sl]
            x = self.feats[torch.from_numpy(idx), self.views[sl]].to(self.device)
            y = torch.from_numpy(self.labels[idx]).to(self.device)
            yield idx, x, y


@torch.inference_mode()
def evaluate_head(head: torch.nn.Module, feats: torch.Tensor, labels: np.ndarray, val_idx: np.ndarray,
                  device: torch.device) -> tuple[float, float]:
    """Validation loss and accuracy of the head on the (unmirrored) validation features."""
    head.eval()
    logits = head(feats[torch.from_numpy(val_idx), 0].to(device)).float().cpu()
    y = torch.from_numpy(labels[val_idx])
    loss = float(F.cross_entropy(logits, y))
    acc = float((logits.argmax(1) == y).float().mean())
    head.train()
    return loss, acc
