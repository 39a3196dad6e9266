"""The classifier head of any architecture here: find it, replace it, run the net without it.

Starting from ImageNet means a new head for our classes; a frozen backbone means computing
the pooled features once (the net with its head swapped for ``Identity``) and training only
the head on them. torchvision nets call their last layer ``fc``; timm's ``classifier``.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from torch import nn

HEAD_NAMES = ("fc", "classifier")


def head_name(model: nn.Module) -> str:
    for name in HEAD_NAMES:
        if isinstance(getattr(model, name, None), nn.Linear):
            return name
    raise ValueError(f"{type(model).__name__} has no single linear classifier head ({' or '.join(HEAD_NAMES)})")


def get_head(model: nn.Module) -> nn.Linear:
    return getattr(model, head_name(model))


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """A freshly initialised head for ``num_classes`` (same input features)."""
    name = head_name(model)
    old = getattr(model, name)
    new = nn.Linear(old.in_features, num_classes).to(old.weight.device)
    setattr(model, name, new)
    return new


@contextlib.contextmanager
def without_head(model: nn.Module) -> Iterator[nn.Linear]:
    """Inside, ``model(x)`` returns the pooled features; the head is put back on exit."""
    name = head_name(model)
    head = getattr(model, name)
    setattr(model, name, nn.Identity())
    try:
        yield head
    finally:
        setattr(model, name, head)


def backbone_parameters(model: nn.Module) -> list[nn.Parameter]:
    head = {id(p) for p in get_head(model).parameters()}
    return [p for p in model.parameters() if id(p) not in head]
