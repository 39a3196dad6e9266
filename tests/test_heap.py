"""The allocator tuning that keeps CPU training from re-faulting its activations every step.

Checked by its effect, in fresh processes: a freed 64 MB buffer goes back to the OS with
glibc's defaults (so the next one is faulted in and zeroed again) and stays in the heap,
free for reuse, once tuned (glibc's mallinfo2 tells).
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from core.utils import heap

KEPT = r"""
import ctypes, sys
import numpy as np
if sys.argv[1] == "tuned":
    from core.utils.heap import keep_freed_memory
    assert keep_freed_memory()

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
a = np.ones(64 << 20, np.uint8)
del a
print(libc.mallinfo2().fordblks)  # free bytes the heap keeps for the next allocation
"""


def _kept_bytes(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", KEPT, mode], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    return int(out.stdout.strip())


GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def test_freed_buffers_stay_in_the_heap():
    if not GLIBC:  # elsewhere the tuning must report that it did nothing
        assert heap.keep_freed_memory() is False
        return
    assert _kept_bytes("default") < 16 << 20  # glibc's default: a 64 MB block goes back to the OS
    assert _kept_bytes("tuned") >= 64 << 20  # tuned: it stays, ready for the next step's activations


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_does_nothing_without_glibc(monkeypatch, system):
    heap.keep_freed_memory.cache_clear()
    monkeypatch.setattr(heap.platform, "system", lambda: system)
    try:
        assert heap.keep_freed_memory() is False
    finally:
        heap.keep_freed_memory.cache_clear()


ARENAS = r"""
import ctypes, os, sys, tempfile, threading
import numpy as np
if sys.argv[1] == "tuned":
    from core.utils.heap import keep_freed_memory
    assert keep_freed_memory()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
libc.fclose.argtypes = (ctypes.c_void_p,)
libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
together = threading.Barrier(6)
def work():
    a = np.ones(8 << 20, np.uint8)  # every thread allocating at once, as decoding and job threads do
    together.wait()
    del a
threads = [threading.Thread(target=work) for _ in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
path = tempfile.mktemp()
f = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, f)
libc.fclose(f)
print(open(path).read().count("<heap nr="))
os.unlink(path)
"""


def _arenas(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", ARENAS, mode], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    return int(out.stdout.strip())


def test_threads_share_two_arenas_so_their_kept_peaks_do_not_add_up():
    if not GLIBC:  # no arenas to cap: the tuning says it did nothing
        assert heap.keep_freed_memory() is False
        return
    assert _arenas("default") > 2  # glibc's default: an arena per thread (up to 8 per core), each keeping its peak
    assert _arenas("tuned") <= 2
