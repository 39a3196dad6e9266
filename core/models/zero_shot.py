"""An ImageNet classifier read as a cat-vs-dog model, with no training at all.

ImageNet-1k has 118 dog breeds (class ids 151-268) and 5 domestic cats (281-285). P(dog) is
the probability mass of the dog classes over that of the dog plus cat classes. It is the
baseline every trained run should beat, and it shows what the backbone already knows.
"""

from __future__ import annotations

import torch
from torch import nn

DOG_CLASSES = range(151, 269)
CAT_CLASSES = range(281, 286)
#: dogs, wolves, foxes, domestic and wild cats (151-293): a kitten ImageNet calls a lynx is still a cat photo
CANID_FELID_CLASSES = range(151, 294)
CLASSES = ["cat", "dog"]


class ImageNetCatDog(nn.Module):
    """Wraps a 1000-class ImageNet model; returns log-masses (cat, dog), so softmax gives P(cat), P(dog)."""

    def __init__(self, imagenet_model: nn.Module) -> None:
        super().__init__()
        self.imagenet = imagenet_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        log_p = torch.log_softmax(self.imagenet(x).float(), dim=1)
        cat = torch.logsumexp(log_p[:, CAT_CLASSES.start:CAT_CLASSES.stop], dim=1)
        dog = torch.logsumexp(log_p[:, DOG_CLASSES.start:DOG_CLASSES.stop], dim=1)
        return torch.stack([cat, dog], dim=1)
