"""The "Advanced CNN" note's two small networks: an Inception net and a simple residual net.

The note builds both for 1-channel 28x28 MNIST digits: conv 5x5, max pool, a block, conv
5x5, max pool, a block, then one linear layer whose input size (1408, 512) "is read off the
error message". Here the first conv takes 3 channels and an adaptive average pool fixes the
last grid at the note's 4x4, so the same linear layer works for photos of any size (16 px
and up). Everything else is the note's code, including its lack of batch normalisation.
The note's pooling branch calls ``F.avg_pool2d(x, kernel=3, ...)``, which PyTorch rejects:
``kernel_size`` is the argument's name.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

#: the grid the note's last block produces for a 28x28 digit; fc sees it whatever the photo size
GRID = 4


class InceptionA(nn.Module):
    """Four parallel branches (1x1; 1x1-5x5; 1x1-3x3-3x3; avgpool-1x1) concatenated: 88 channels out."""

    OUT_CHANNELS = 16 + 24 + 24 + 24

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch1x1 = self.branch1x1(x)
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))
        branch_pool = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([branch1x1, branch5x5, branch3x3, branch_pool], dim=1)


class InceptionMini(nn.Module):
    """conv(3->10, 5x5), pool, InceptionA, conv(88->20, 5x5), pool, InceptionA, 4x4 grid, linear."""

    def __init__(self, num_classes: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(InceptionA.OUT_CHANNELS, 20, kernel_size=5)
        self.incep1 = InceptionA(in_channels=10)
        self.incep2 = InceptionA(in_channels=20)
        self.mp = nn.MaxPool2d(2)
        self.pool = nn.AdaptiveAvgPool2d(GRID)
        self.fc = nn.Linear(InceptionA.OUT_CHANNELS * GRID * GRID, num_classes)  # 1408, as in the note

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.mp(self.conv1(x)))
        x = self.incep1(x)
        x = F.relu(self.mp(self.conv2(x)))
        x = self.incep2(x)
        return self.fc(torch.flatten(self.pool(x), 1))


class ResidualBlock(nn.Module):
    """relu(x + conv(relu(conv(x)))): channels in = channels out, so the input can be added back."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(x + y)


class ResidualMini(nn.Module):
    """conv(3->16, 5x5), pool, ResidualBlock(16), conv(16->32, 5x5), pool, ResidualBlock(32), 4x4 grid, linear."""

    def __init__(self, num_classes: int = 2) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        self.mp = nn.MaxPool2d(2)
        self.rblock1 = ResidualBlock(16)
        self.rblock2 = ResidualBlock(32)
        self.pool = nn.AdaptiveAvgPool2d(GRID)
        self.fc = nn.Linear(32 * GRID * GRID, num_classes)  # 512, as in the note

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.mp(F.relu(self.conv1(x)))
        x = self.rblock1(x)
        x = self.mp(F.relu(self.conv2(x)))
        x = self.rblock2(x)
        return self.fc(torch.flatten(self.pool(x), 1))


def inception_mini(num_classes: int = 2) -> nn.Module:
    return InceptionMini(num_classes)


def residual_mini(num_classes: int = 2) -> nn.Module:
    return ResidualMini(num_classes)
