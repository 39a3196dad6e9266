"""How fast this machine trains and predicts, per architecture, before a user commits to a run.

It times the engine's own training step (augmentation, normalisation, autocast, optimizer)
and its own prediction path on synthetic cached pixels, so the numbers are what an epoch
will cost, minus the one-off decoding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from core.data.augment import cache_side, eval_batch, to_model_input, train_batch
from core.hardware import device_label, resolve_device, resolve_precision, setup_backends
from core.inference.forward import batch_probs
from core.models.registry import build_model
from core.planning.duration import Rates, rates_key, remember_rates
from core.training.config import TrainConfig
from core.training.loop import train_step
from core.training.optim import make_optimizer


@dataclass
class BenchResult:
    arch: str
    image_size: int
    batch_size: int
    device: str
    train_images_per_s: float
    predict_images_per_s: float


def _timed(fn, warmup: int, steps: int) -> float:
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    return time.perf_counter() - t0


def bench_arch(arch: str, image_size: int = 224, batch_size: int = 32, steps: int = 5, warmup: int = 2,
               device: str = "auto", precision: str = "auto", train: bool = True) -> BenchResult:
    """Images/s of a training step and of prediction; ``train=False`` times prediction only (0 for train)."""
    dev = resolve_device(device)
    prec = resolve_precision(precision, dev)
    setup_backends(dev)
    torch.manual_seed(0)
    cfg = TrainConfig(arch=arch, image_size=image_size, batch_size=batch_size)
    model = build_model(arch, 2).to(dev, memory_format=torch.channels_last).train()
    optimizer = make_optimizer(cfg, model, dev)
    scaler = torch.amp.GradScaler(dev.type, enabled=prec == "fp16")
    side = cache_side(image_size)
    pixels = torch.randint(0, 256, (batch_size, side, side, 3), dtype=torch.uint8)
    labels = torch.randint(0, 2, (batch_size,)).to(dev)
    gen = torch.Generator().manual_seed(0)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def one_train():
        x = to_model_input(train_batch(pixels, image_size, gen), dev, channels_last=True)
        train_step(model, optimizer, scaler, x, labels, dev, prec, cfg.label_smoothing)
        sync()

    train_ips = steps * batch_size / _timed(one_train, warmup, steps) if train else 0.0
    model.eval()
    pred_batch = batch_size * 2
    pred_pixels = pixels.repeat(2, 1, 1, 1)

    def one_predict():
        batch_probs(model, eval_batch(pred_pixels, image_size), dev, prec)

    pred_s = _timed(one_predict, 1, max(2, steps // 2))
    return BenchResult(arch, image_size, batch_size, device_label(dev, prec),
                       train_ips, max(2, steps // 2) * pred_batch / pred_s)


def measure_rates(arch: str, image_size: int, batch_size: int, train: bool, device: str = "auto",
                  precision: str = "auto") -> Rates:
    """Time a few batches (seconds to a minute for the largest nets on a CPU) and remember them for estimates."""
    r = bench_arch(arch, image_size, batch_size, steps=2, warmup=1, device=device, precision=precision, train=train)
    rates = Rates(r.train_images_per_s, r.predict_images_per_s)
    remember_rates(rates_key(arch, image_size, batch_size, device, precision, train), rates)
    return rates
