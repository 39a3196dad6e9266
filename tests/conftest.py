"""Shared fixtures: an offscreen Qt platform, and tiny synthetic images drawn with Pillow."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
