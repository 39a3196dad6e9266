"""The seeds' small "LeNet-style" CNN, made input-size independent.

The seed notes train two 3x3 convolutions (16 channels, ReLU, 2x2 max pooling) followed
by fully connected layers 128 -> 64 -> 2 on 200 px images (fc1 takes 50*50*16 inputs).
Here an adaptive average pool fixes the grid that fc1 sees, so the same network runs at
any image size the app allows.

The seed's forward ends with ``F.softmax`` and then feeds that to ``CrossEntropyLoss``,
which applies log-softmax again: the loss then saturates and learning crawls (the seed's
loss hovers around 0.5-0.7 for 20 epochs). This model returns raw logits, as
``CrossEntropyLoss`` expects; apply softmax only to read probabilities.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

#: fc1 sees a POOL_GRID x POOL_GRID x 16 feature map whatever the input size.
POOL_GRID = 16


class LeNet(nn.Module):
    def __init__(self, num_classes: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(POOL_GRID)
        self.fc1 = nn.Linear(16 * POOL_GRID * POOL_GRID, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(self.pool(x), 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)  # logits: no softmax here (see module docstring)
