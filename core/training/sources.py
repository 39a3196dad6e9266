"""What one epoch trains on, for each way to start: whole photos or cached features.

* scratch and fine-tuning: augmented crops of the cached pixels through the whole network;
  fine-tuning trains the new head alone for ``head_epochs`` (backbone frozen), then
  everything, the pretrained layers at a lower learning rate (fastai's ``fine_tune``); the
  backbone's BatchNorm layers keep their ImageNet statistics throughout, as Keras' transfer-
  learning guide advises, since a few dozen photos per batch would spoil them;
* frozen: the backbone's pooled features, computed once (``features.py``); only the head trains.

The engine sees one interface: ``module`` (what the optimizer updates), ``begin_epoch``,
``batches`` and ``evaluate``.
"""

from __future__ import annotations

import torch
from torch.nn.modules.batchnorm import _BatchNorm

from core.data.augment import eval_batch
from core.inference.forward import batch_logits
from core.models.heads import backbone_parameters, get_head
from core.runs.layout import FINETUNE
from core.training.batches import EpochBatches
from core.training.config import TrainConfig
from core.training.data import PreparedData
from core.training.features import FeatureBatches, evaluate_head
from core.training.validation import validation_metrics


class PixelSource:
    """Scratch training and fine-tuning: the whole network sees augmented crops."""

    def __init__(self, model: torch.nn.Module, data: PreparedData, cfg: TrainConfig, device: torch.device,
                 precision: str, mean, std) -> None:
        self.model = self.module = model
        self.data, self.cfg, self.device, self.precision, self.mean, self.std = data, cfg, device, precision, mean, std
        self.backbone = backbone_parameters(model) if cfg.start == FINETUNE else []
        self.head_only_until = cfg.head_epochs if self.backbone else 0

    def begin_epoch(self, epoch: int) -> None:
        head_only = epoch < self.head_only_until
        for p in self.backbone:
            p.requires_grad_(not head_only)
        self.model.train()
        if self.backbone:  # fine-tuning keeps the ImageNet BatchNorm statistics (small batches would spoil them)
            head = set(get_head(self.model).modules())
            for m in self.model.modules():
                if isinstance(m, _BatchNorm) and m not in head:
                    m.eval()

    def batches(self, epoch: int) -> EpochBatches:
        c = self.cfg
        return EpochBatches(self.data.photos.pixels, self.data.labels, self.data.train_idx,
                            seed=self.data.batch_seed(c.seed), epoch=epoch, batch_size=c.batch_size,
                            image_size=c.image_size, device=self.device, mean=self.mean, std=self.std,
                            augment=c.augment, mixup=c.mixup, cutmix=c.cutmix, num_classes=len(self.data.classes))

    def evaluate(self) -> tuple[float, float, torch.Tensor]:
        """Validation loss (plain cross-entropy), accuracy and logits (in ``val_idx`` order) on centre crops."""
        self.model.eval()
        data, bs = self.data, self.cfg.batch_size * 2
        logits = [batch_logits(self.model, eval_batch(torch.from_numpy(data.photos.pixels[idx]), self.cfg.image_size),
                               self.device, self.precision, mean=self.mean, std=self.std)
                  for idx in (data.val_idx[s:s + bs] for s in range(0, len(data.val_idx), bs))]
        return validation_metrics(torch.cat(logits), data.labels[data.val_idx])


class FeatureSource:
    """Frozen backbone: a head on the features read with the photos (``features.py``)."""

    def __init__(self, model: torch.nn.Module, data: PreparedData, cfg: TrainConfig, device: torch.device) -> None:
        self.model, self.data, self.cfg, self.device = model, data, cfg, device
        for p in model.parameters():
            p.requires_grad_(False)
        self.module = get_head(model)
        for p in self.module.parameters():
            p.requires_grad_(True)
        self.feats = data.photos.feats

    def begin_epoch(self, epoch: int) -> None:
        self.model.eval()  # the backbone never trains; the head (a Linear) has no train/eval difference
        self.module.train()

    def batches(self, epoch: int) -> FeatureBatches:
        return FeatureBatches(self.feats, self.data.labels, self.data.train_idx,
                              seed=self.data.batch_seed(self.cfg.seed), epoch=epoch,
                              batch_size=self.cfg.batch_size, device=self.device)

    def evaluate(self) -> tuple[float, float, torch.Tensor]:
        return evaluate_head(self.module, self.feats, self.data.labels, self.data.val_idx, self.device)
