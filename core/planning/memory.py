"""Peak memory of a training step, before it starts: will this batch and size fit on this device?

The training step (forward under autocast, cross-entropy, backward, optimizer step; twice,
so that the optimizer's state exists) runs on fake tensors (``FakeTensorMode``): shapes and
dtypes only, no arithmetic, no memory. A dispatch mode adds the bytes of every new storage
and subtracts them when the storage is freed, so the tracked peak is what the real step
keeps alive at its worst moment: weights, gradients, optimizer state, saved activations and
the largest temporaries. A frozen start only runs the backbone without gradients, on one batch of
views as core.training.features sends them.

Checked against real CPU steps by scripts/check_memory.py (peak RSS in a fresh process):
activations and temporaries really take about 1.4 times their bytes there (oneDNN buffers,
malloc arenas), so CPU estimates carry that factor. On CUDA the simulated bytes are shown as
they are (not checked here: no GPU); not counted there: the caching allocator's rounding and
cuDNN workspaces. The photos (pixels or features) and the process itself are added by
core.planning.run_memory. Simulating takes a fraction of a second for small nets and seconds
for the largest, so results are cached on disk; the window simulates on a worker thread that
it can stop before any layer. No torch import at module import: the window imports it.
"""

from __future__ import annotations

import json
import sys
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass

from core.data.feature_store import PHOTOS_PER_BATCH
from core.runs.layout import FROZEN, SCRATCH, Start
from core.utils.json_cache import JsonCache
from core.utils.ram import available_ram
from core.utils.versions import model_libraries_tag

#: a real CPU step's peak RSS over the simulated bytes of activations and temporaries (oneDNN buffers,
#: malloc arenas), measured by scripts/check_memory.py; weights, gradients and optimizer state need none
CPU_OVERHEAD = 1.4
FEATURE_BATCH = 2 * PHOTOS_PER_BATCH  # views per backbone forward of a frozen start (each photo and its mirror)


@dataclass(frozen=True)
class MemoryEstimate:
    peak_bytes: int  # weights + everything the step allocates at its worst moment
    weights_bytes: int
    key: str = ""
    state_bytes: int = 0  # gradients + optimizer state: sized by the parameters, no allocator overhead
    feature_dim: int = 0  # the pooled features the head reads (what a frozen start keeps per photo and view)

    def on_device(self, device_type: str) -> MemoryEstimate:
        """What the process will really hold: on a CPU, the tensors' bytes plus the measured overhead."""
        if device_type != "cpu":
            return self
        fixed = self.weights_bytes + self.state_bytes
        activations = max(self.peak_bytes - fixed, 0)
        return MemoryEstimate(fixed + int(activations * CPU_OVERHEAD), self.weights_bytes, self.key, self.state_bytes,
                              self.feature_dim)


def _key(arch: str, batch_size: int, image_size: int, precision: str, start: str, optimizer: str) -> str:
    kind = "frozen" if start == FROZEN else "train"
    half = "16bit" if precision in ("bf16", "fp16") else "fp32"
    batch = FEATURE_BATCH if start == FROZEN else batch_size
    return f"{arch}|{batch}|{image_size}|{half}|{kind}|{optimizer}|{model_libraries_tag()}"


#: "arch|batch|size|precision|frozen or train|optimizer|libraries" -> [peak, weights, state, feature dim]
SIMULATED = JsonCache("memory.json")


def cached_estimate(arch: str, batch_size: int, image_size: int, precision: str = "fp32", start: Start = SCRATCH,
                    optimizer: str = "adamw") -> MemoryEstimate | None:
    key = _key(arch, batch_size, image_size, precision, start, optimizer)
    hit = SIMULATED.get(key)
    return MemoryEstimate(int(hit[0]), int(hit[1]), key, int(hit[2]), int(hit[3])) if hit and len(hit) == 4 else None


class Stopped(Exception):
    """The caller's should_stop said so in the middle of a simulation."""


def _tracker():
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    class StorageTracker(TorchDispatchMode):
        """Live bytes of every storage an op creates (views and in-place results share one)."""

        def __init__(self) -> None:
            super().__init__()
            self.live = self.peak = 0

        def _free(self, n: int) -> None:
            self.live -= n

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            outs = out if isinstance(out, (tuple, list)) else (out,)
            for ret, t in zip(func._schema.returns, outs):
                if isinstance(t, torch.Tensor) and ret.alias_info is None:
                    storage = t.untyped_storage()  # its Python object lives as long as the storage does
                    n = storage.nbytes()
                    self.live += n
                    weakref.finalize(storage, self._free, n)
            self.peak = max(self.peak, self.live)
            return out

    return StorageTracker()


def _check(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise Stopped


def _stop_points(model, should_stop: Callable[[], bool] | None) -> None:
    """Check ``should_stop`` before every module's forward: raising inside a dispatch (or in backward,
    where C++ calls back into Python) would abort the process."""
    if should_stop is not None:
        for module in model.modules():
            module.register_forward_pre_hook(lambda module, inputs: _check(should_stop))


def simulate(arch: str, batch_size: int, image_size: int, precision: str = "fp32", start: Start = SCRATCH,
             optimizer: str = "adamw", should_stop: Callable[[], bool] | None = None) -> MemoryEstimate:
    """Run the step on fake tensors and return its peak (no cache)."""
    import torch
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.nn import functional as F

    from core.models.heads import get_head
    from core.models.meta import on_meta
    from core.models.registry import build_model

    half = precision in ("bf16", "fp16")
    with on_meta():  # no initialiser runs: GoogLeNet's truncated normal needs values, fake tensors have none
        model = build_model(arch, 2)
    try:
        feature_dim = int(get_head(model).in_features)
    except ValueError:  # the course's LeNet has no single head: it never starts frozen
        feature_dim = 0
    with FakeTensorMode(allow_non_fake_inputs=True):  # the meta parameters become fake CPU ones
        model = model.to_empty(device="cpu")
        weights = sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])
        param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
        states = 0 if start == FROZEN else (2 if optimizer == "sgd" else 3) * param_bytes  # grads + state
        amp = torch.autocast("cpu", dtype=torch.bfloat16, enabled=half)  # CUDA's fp16 takes the same bytes
        tracker = _tracker()
        _stop_points(model, should_stop)
        with tracker:
            if start == FROZEN:
                model.eval()
                with torch.no_grad(), amp:
                    model(torch.empty(FEATURE_BATCH, 3, image_size, image_size))
            else:
                # fused, as core.training.optim makes them on CPU and CUDA: no per-parameter temporaries
                opt = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, fused=True)}.get(
                    optimizer, lambda p: torch.optim.AdamW(p, lr=1e-3, fused=True))(model.parameters())
                for _ in range(2):  # the second step has the optimizer's state from the first
                    x = torch.empty(batch_size, 3, image_size, image_size)
                    y = torch.zeros(batch_size, dtype=torch.long)
                    with amp:
                        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    _check(should_stop)
                    opt.step()
                    del x, y, loss
    key = _key(arch, batch_size, image_size, precision, start, optimizer)
    return MemoryEstimate(weights + tracker.peak, weights, key, states, feature_dim)


def estimate(arch: str, batch_size: int, image_size: int, precision: str = "fp32", start: Start = SCRATCH,
             optimizer: str = "adamw", should_stop: Callable[[], bool] | None = None) -> MemoryEstimate:
    """The cached estimate, or simulate it (seconds) and remember it; raises Stopped if told to stop."""
    hit = cached_estimate(arch, batch_size, image_size, precision, start, optimizer)
    if hit is not None:
        return hit
    est = simulate(arch, batch_size, image_size, precision, start, optimizer, should_stop)
    SIMULATED.put(est.key, [est.peak_bytes, est.weights_bytes, est.state_bytes, est.feature_dim])
    return est


def available_bytes(device: str = "auto") -> tuple[int | None, str]:
    """(free bytes, what they are) on the device training would use: CUDA's free memory, else available RAM."""
    import torch

    from core.hardware import resolve_device

    dev = resolve_device(device)
    if dev.type == "cuda":
        free, _total = torch.cuda.mem_get_info(dev)
        return int(free), "free on the GPU"
    return available_ram(), "RAM available"


def _main(argv: list[str]) -> int:
    arch, batch, size, precision, start, optimizer = argv
    est = estimate(arch, int(batch), int(size), precision, start, optimizer)
    print(json.dumps(asdict(est)))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
