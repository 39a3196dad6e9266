"""Build and run models on the meta device (shapes only) without work that yields no shape.

``with torch.device("meta")`` alone still runs every initialiser: ``kaiming_normal_``,
``trunc_normal_`` and friends have no meta kernel of their own, so each goes through
PyTorch's Python reference implementations, on tensors that hold no values anyway. That was
more than half the time of building ResNet-152 for a parameter count or a FLOP count (all
architectures: 1.3 s -> 0.6 s on a 2-core Xeon). Here those calls return their tensor
untouched; ops that change a tensor's shape or flags (``requires_grad_``, ``resize_``) are
not in the list and run as usual.

Running a meta model, batch norm is the same story: its meta kernel is PyTorch's Python
decomposition, two thirds of a FLOP count's time, for an output of its input's shape and no
FLOPs in torch's counter (which has formulas for matrix products and convolutions only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch.overrides import TorchFunctionMode

#: in-place ops that only write values: meaningless on the meta device
_VALUE_WRITES = frozenset(
    {name for name in dir(torch.nn.init) if name.endswith("_") and not name.startswith("_")}
    | {"normal_", "uniform_", "zero_", "fill_", "copy_", "clamp_", "mul_", "add_", "sub_", "div_", "erfinv_",
       "exp_", "sqrt_", "abs_", "neg_", "bernoulli_", "random_", "exponential_"})


class _SkipMetaValueWrites(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if (getattr(func, "__name__", "") in _VALUE_WRITES and args and isinstance(args[0], torch.Tensor)
                and args[0].is_meta):
            return args[0]
        return func(*args, **(kwargs or {}))


class _BatchNormAsShape(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is torch.nn.functional.batch_norm and args and args[0].is_meta:
            return torch.empty_like(args[0])
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def meta_forward() -> Iterator[None]:
    """A meta model's forward pass as usual, but batch norm only gives its output's shape."""
    with _BatchNormAsShape():
        yield


@contextlib.contextmanager
def on_meta() -> Iterator[None]:
    """Tensors and modules created inside live on the meta device and are never initialised."""
    with torch.device("meta"), _SkipMetaValueWrites():
        yield
