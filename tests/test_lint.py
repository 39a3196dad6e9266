"""The tree stays clean by ruff's rules (pyproject [tool.ruff]): unused imports, undefined names, bugbear."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "core", "gui", "tests",
                          "scripts", "resources"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
