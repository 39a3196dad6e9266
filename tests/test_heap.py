"""The allocator tuning that keeps CPU training from re-faulting its activations every step."""

from __future__ import annotations

import platform

import pytest

from core import heap


def test_takes_effect_on_glibc_and_is_applied_once():
    heap.keep_freed_memory.cache_clear()
    expected = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert heap.keep_freed_memory() is expected
    assert heap.keep_freed_memory.cache_info().hits == 0
    heap.keep_freed_memory()
    assert heap.keep_freed_memory.cache_info().hits == 1


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_does_nothing_without_glibc(monkeypatch, system):
    heap.keep_freed_memory.cache_clear()
    monkeypatch.setattr(heap.platform, "system", lambda: system)
    try:
        assert heap.keep_freed_memory() is False
    finally:
        heap.keep_freed_memory.cache_clear()
