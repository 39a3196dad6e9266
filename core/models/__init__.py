"""Architectures the app offers, built by key through :mod:`core.models.registry`."""

from core.models.catalog import arch_info
from core.models.registry import ARCHS, ArchSpec, build_model, get_arch

__all__ = ["ARCHS", "ArchSpec", "arch_info", "build_model", "get_arch"]
