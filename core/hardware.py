"""Choose the device and numeric precision that make the most of the machine at hand.

``auto`` picks CUDA, then Apple MPS, then the CPU. Precision ``auto``: bf16 autocast on a
CPU with native bf16 (AMX or AVX512-BF16), fp16 autocast with a gradient scaler on CUDA,
fp32 elsewhere.
"""

from __future__ import annotations

import contextlib
import platform
from functools import lru_cache
from typing import TYPE_CHECKING

from core.errors import InputError
from core.utils.heap import keep_freed_memory

if TYPE_CHECKING:  # torch loads in the functions: the command line takes its flags' choices from here at once
    import torch

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def _mps_available() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def resolve_device(name: str = "auto") -> torch.device:
    if name not in DEVICES:
        raise InputError(f"--device {name}: choose one of {', '.join(DEVICES)}")
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA GPU is available to PyTorch on this machine")
    if name == "mps" and not _mps_available():
        raise InputError("--device mps: Apple MPS is not available on this machine")
    return torch.device(name)


BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # either makes bf16 autocast much faster than fp32 on the CPU


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where there is none: macOS, Windows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return frozenset(word for line in f if line.startswith(("flags", "Features"))
                             for word in line.partition(":")[2].split())
    except OSError:
        return frozenset()


def cpu_has_native_bf16() -> bool:
    """True on CPUs with AMX-BF16 or AVX512-BF16, where bf16 autocast is much faster than fp32."""
    return any(flag in cpu_flags() for flag in BF16_FLAGS)


def resolve_precision(name: str, device: torch.device) -> str:
    if name not in PRECISIONS:
        raise InputError(f"--precision {name}: choose one of {', '.join(PRECISIONS)}")
    if name != "auto":
        if name == "fp16" and device.type == "cpu":
            raise InputError("--precision fp16 is for GPUs; on a CPU use bf16 or fp32")
        return name
    if device.type == "cuda":
        return "fp16"
    if device.type == "cpu" and cpu_has_native_bf16():
        return "bf16"
    return "fp32"


def autocast(device: torch.device, precision: str):
    """The autocast context for a forward pass (a no-op in fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device.type, dtype={"bf16": torch.bfloat16, "fp16": torch.float16}[precision])


def device_label(device: torch.device, precision: str) -> str:
    """'CPU · bf16', 'CUDA · NVIDIA GeForce RTX 3060 · fp16', 'MPS · fp32'."""
    import torch

    parts = [device.type.upper()]
    if device.type == "cuda":
        parts.append(torch.cuda.get_device_name(device))
    elif device.type == "cpu":
        parts[0] = f"CPU ({platform.machine() or 'unknown'}, {torch.get_num_threads()} threads)"
    parts.append(precision)
    return " · ".join(parts)


def setup_backends(device: torch.device) -> None:
    if device.type == "cpu":
        keep_freed_memory()
    if device.type == "cuda":
        import torch

        torch.backends.cudnn.benchmark = True
