"""Optimizer and learning-rate schedule from a TrainConfig.

Parameters come in groups, each with an ``lr_scale``: fine-tuning gives the pretrained
backbone a fraction of the head's learning rate; every schedule scales per group.
"""

from __future__ import annotations

import torch

from core.training.config import TrainConfig


def param_groups(cfg: TrainConfig, params: list[torch.nn.Parameter], lr_scale: float = 1.0) -> list[dict]:
    """No weight decay on BatchNorm and bias parameters (the usual ResNet recipe)."""
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    return [g for g in ({"params": decay, "weight_decay": cfg.effective_weight_decay, "lr_scale": lr_scale},
                        {"params": no_decay, "weight_decay": 0.0, "lr_scale": lr_scale}) if g["params"]]


def make_optimizer(cfg: TrainConfig, model: torch.nn.Module, device: torch.device,
                   backbone: list[torch.nn.Parameter] | None = None) -> torch.optim.Optimizer:
    """``backbone``: parameters that learn at ``cfg.backbone_lr_scale`` of the rate (fine-tuning)."""
    slow = {id(p) for p in backbone or []}
    groups = param_groups(cfg, [p for p in model.parameters() if id(p) not in slow])
    if backbone:
        groups += param_groups(cfg, list(backbone), cfg.backbone_lr_scale)
    for g in groups:
        g["lr"] = cfg.lr * g["lr_scale"]
    fused = {"fused": True} if device.type in ("cpu", "cuda") else {}
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, **fused)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(groups, lr=cfg.lr, **fused)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=0.9, nesterov=True, **fused)


def make_scheduler(cfg: TrainConfig, optimizer: torch.optim.Optimizer, steps_per_epoch: int):
    total = (cfg.epochs - cfg.schedule_from_epoch) * steps_per_epoch
    if cfg.schedule == "onecycle" and total >= 4:
        # warm up over the first quarter (at least two steps, which very short runs need)
        pct = max(0.25, 2 / total)
        max_lr = [cfg.lr * g.get("lr_scale", 1.0) for g in optimizer.param_groups]
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=total, pct_start=pct)
    if cfg.schedule == "cosine":
        warm = min(total - 1, max(1, round(cfg.warmup_epochs * steps_per_epoch))) if total > 1 else 0
        if warm == 0:
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total, 1))
        return torch.optim.lr_scheduler.SequentialLR(optimizer, [
            torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_steps=warm),
            torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total - warm, 1)),
        ], milestones=[warm])
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)  # "constant", or too few steps to cycle
