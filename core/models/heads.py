"""The classifier head of any architecture here: find it, replace it, run the net without it.

Starting from ImageNet means a new head for our classes; a frozen backbone means computing
the pooled features once (the net with its head swapped for ``Identity``) and training only
the head on them. torchvision nets call their last layer ``fc``; timm's ``classifier``; VGG's
head is the last layer of its ``classifier`` block (``classifier.6``), so names are paths.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from torch import nn

HEAD_NAMES = ("fc", "classifier")


def head_name(model: nn.Module) -> str:
    """``fc``, ``classifier``, or ``classifier.6`` where the classifier is a block ending in a linear layer."""
    for name in HEAD_NAMES:
        module = getattr(model, name, None)
        if isinstance(module, nn.Linear):
            return name
        if isinstance(module, nn.Sequential) and len(module) and isinstance(module[-1], nn.Linear):
            return f"{name}.{len(module) - 1}"
    raise ValueError(f"{type(model).__name__} has no single linear classifier head ({' or '.join(HEAD_NAMES)})")


def _set(model: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, leaf = path.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, leaf, module)


def get_head(model: nn.Module) -> nn.Linear:
    return model.get_submodule(head_name(model))


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """A freshly initialised head for ``num_classes`` (same input features)."""
    name = head_name(model)
    old = model.get_submodule(name)
    new = nn.Linear(old.in_features, num_classes).to(old.weight.device)
    _set(model, name, new)
    return new


@contextlib.contextmanager
def without_head(model: nn.Module) -> Iterator[nn.Linear]:
    """Inside, ``model(x)`` returns the pooled features; the head is put back on exit."""
    name = head_name(model)
    head = model.get_submodule(name)
    _set(model, name, nn.Identity())
    try:
        yield head
    finally:
        _set(model, name, head)


def backbone_parameters(model: nn.Module) -> list[nn.Parameter]:
    head = {id(p) for p in get_head(model).parameters()}
    return [p for p in model.parameters() if id(p) not in head]
