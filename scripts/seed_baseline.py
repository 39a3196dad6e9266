"""Side by side: the seed notes' training loop versus CatDog Studio's engine, same photos.

The seeds' loop (000_*.txt, "LeNet训练") decodes every JPEG with PIL and resizes it to
224x224 every epoch, with num_workers=0, fp32 and Adam. Here it trains torchvision's
resnet18 that way for a number of batches; then `catdog train` trains the same model on
the same folder for two epochs and reports its second-epoch images/s.

    python scripts/seed_baseline.py ../shared/data/dogs-vs-cats-1760
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
import torchvision
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from core.data.discover import discover
from core.training.config import TrainConfig
from core.training.engine import Trainer
from core.training.events import EpochEnd


class SeedDataset(Dataset):
    """As in the seeds: open, convert, Resize((224, 224)), ToTensor, Normalize(0.5) per access."""

    def __init__(self, samples, size):
        self.samples = samples
        self.tf = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(),
                                      transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])])

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        s = self.samples[i]
        return self.tf(Image.open(s.path).convert("RGB")), s.label


def seed_loop_images_per_s(data: Path, size: int, batch_size: int, batches: int, warmup: int = 2) -> float:
    torch.manual_seed(0)
    loader = DataLoader(SeedDataset(discover(data).samples, size), batch_size=batch_size, shuffle=True,
                        num_workers=0)
    net = torchvision.models.resnet18(num_classes=2)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    seen, t0 = 0, None
    for i, (inputs, labels) in enumerate(loader):
        if i == warmup:
            t0, seen = time.perf_counter(), 0
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels.long())
        loss.backward()
        optimizer.step()
        seen += len(labels)
        if i + 1 == warmup + batches:
            break
    return seen / (time.perf_counter() - t0)


def engine_images_per_s(data: Path, size: int, batch_size: int, epochs: int) -> tuple[float, str]:
    rates, device = [], []
    with tempfile.TemporaryDirectory() as out:
        cfg = TrainConfig(data=str(data), arch="resnet18", image_size=size, batch_size=batch_size, epochs=epochs,
                          out=out, name="bench")
        Trainer(cfg, lambda e: rates.append(e.images_per_s) if isinstance(e, EpochEnd) else
                device.append(e.device) if hasattr(e, "device") else None).run()
    return rates[-1], device[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--image-size", type=int, default=224)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seed-batches", type=int, default=15, help="timed batches of the seeds' loop")
    ap.add_argument("--epochs", type=int, default=2, help="engine epochs; the last one is timed")
    args = ap.parse_args()
    print(f"resnet18, {args.image_size} px, batch {args.batch_size}, {args.data}", flush=True)
    # The seeds' loop runs first, in a process the engine has not tuned yet (core.utils.heap is applied
    # by the engine's set-up), so it is measured as a plain script would run.
    seed = seed_loop_images_per_s(args.data, args.image_size, args.batch_size, args.seed_batches)
    print(f"seeds' loop (PIL decode + Resize every batch, workers=0, fp32, Adam): {seed:6.1f} images/s", flush=True)
    ours, device = engine_images_per_s(args.data, args.image_size, args.batch_size, args.epochs)
    print(f"catdog train, epoch {args.epochs} ({device}):{' ' * 8}{ours:6.1f} images/s")
    print(f"speed-up: {ours / seed:.2f}x")


if __name__ == "__main__":
    main()
