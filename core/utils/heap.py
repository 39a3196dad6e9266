"""Keep freed activation memory in the process instead of handing it back to the OS.

A CPU training step allocates and frees activations of tens of megabytes each. glibc serves
blocks that big with mmap and unmaps them on free, so every step faults in (and the kernel
zeroes) the same gigabytes again: about a tenth of a resnet18 step on a 2-core laptop. Raising
the mmap and trim thresholds keeps those blocks in the heap for the next step, as PyTorch's
CUDA caching allocator does on a GPU. The cost: the process keeps its peak training memory
until it exits. And since every thread that allocates gets its own arena (up to 8 per core), each
keeping its own peak, the arenas are capped at two: decoding threads and a window's job threads (a
new one per job) otherwise added their peaks up, 280 MB more for every Predict job with Lite0.
Only glibc (Linux) has these knobs; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from functools import lru_cache

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -2, -3, -8
_MMAP_THRESHOLD = 1 << 30  # blocks up to 1 GiB come from the heap
_TRIM_THRESHOLD = 2**31 - 1  # (mallopt takes a C int) keep up to 2 GiB of free heap top
_TOP_PAD = 256 << 20  # grow the heap in 256 MiB steps
_ARENA_MAX = 2  # measured: Predict jobs on new threads stopped growing (1,137 -> 1,407 -> 1,414 -> 1,414 MB)


@lru_cache(maxsize=1)
def keep_freed_memory() -> bool:
    """Tune glibc's allocator once per process; True if it took effect."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    settings = ((_M_MMAP_THRESHOLD, _MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD), (_M_TOP_PAD, _TOP_PAD),
                (_M_ARENA_MAX, _ARENA_MAX))
    return all(libc.mallopt(option, value) == 1 for option, value in settings)


def settings_summary() -> str:
    """What keep_freed_memory asks glibc for, in words (``catdog doctor`` shows it)."""
    return (f"mmap threshold {_MMAP_THRESHOLD >> 20} MiB, trim threshold {_TRIM_THRESHOLD >> 20} MiB, "
            f"top pad {_TOP_PAD >> 20} MiB, at most {_ARENA_MAX} arenas")
