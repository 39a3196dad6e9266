"""Plain (no-shortcut) twins of ResNet-18/34, the baselines of He et al. (2015).

They are torchvision's ResNet with every shortcut removed: each block computes
``relu(bn2(conv2(relu(bn1(conv1(x))))))`` and never adds its input back, and the 1x1
projection shortcuts of the downsampling blocks do not exist. Training plain-34 next to
plain-18 shows the degradation problem the seeds describe: the deeper plain net trains
worse, while ResNet-34 does not.
"""

from __future__ import annotations

from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock, ResNet


class PlainBlock(BasicBlock):
    """A ResNet basic block without its identity or projection shortcut."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None, *args, **kwargs) -> None:
        # torchvision passes a projection shortcut as `downsample`; a plain net drops it.
        super().__init__(inplanes, planes, stride, None, *args, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)))


def plain_net(layers: list[int], num_classes: int) -> nn.Module:
    return ResNet(PlainBlock, layers, num_classes=num_classes)


def plain18(num_classes: int = 2) -> nn.Module:
    return plain_net([2, 2, 2, 2], num_classes)


def plain34(num_classes: int = 2) -> nn.Module:
    return plain_net([3, 4, 6, 3], num_classes)
