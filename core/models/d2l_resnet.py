"""ResNet-18 as the "9.20 残差网络" note builds it (the d2l book's version).

``Residual`` blocks (two 3x3 conv + BN, an optional 1x1 conv on the shortcut when the
shape changes) grouped by ``resnet_block`` into stages b2-b5 after the stem b1, then global
average pooling and one linear layer. It differs from torchvision's resnet18 only in small
ways a learner can see in ``catdog archs``: every conv has a bias (4,800 more parameters)
and the 1x1 shortcut has no BatchNorm (1,792 fewer). The note feeds 1-channel Fashion-MNIST; the stem here
takes 3 channels. The net is an ``nn.Sequential`` with named stages, as in the note, so
``model.b3`` is a stage and ``model.fc`` the head.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):
    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.conv3 is not None:  # the note writes `if self.conv3:`; explicit is clearer
            x = self.conv3(x)
        return F.relu(y + x)


def resnet_block(input_channels: int, num_channels: int, num_residuals: int, first_block: bool = False) -> list:
    """One stage: the first block halves height and width and changes channels (unless first_block)."""
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk


def d2l_resnet18(num_classes: int = 2) -> nn.Module:
    b1 = nn.Sequential(nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(64), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return nn.Sequential(OrderedDict([
        ("b1", b1),
        ("b2", nn.Sequential(*resnet_block(64, 64, 2, first_block=True))),
        ("b3", nn.Sequential(*resnet_block(64, 128, 2))),
        ("b4", nn.Sequential(*resnet_block(128, 256, 2))),
        ("b5", nn.Sequential(*resnet_block(256, 512, 2))),
        ("pool", nn.AdaptiveAvgPool2d((1, 1))),
        ("flatten", nn.Flatten()),
        ("fc", nn.Linear(512, num_classes)),
    ]))
