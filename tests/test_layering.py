"""The tree keeps its architecture: import-linter's contracts (pyproject.toml), no Qt under core, small modules.

The contracts say which layer may import which (function-level imports included), that the window and
the command line never import each other, that listing runs never loads torch, and that no import
cycle exists at any depth; ``lint-imports`` checks them on the real source.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import tomllib

import core

ROOT = Path(__file__).resolve().parents[1]
CORE_DIR = Path(core.__file__).parent
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui")


def _lint_imports() -> Path:
    exe = Path(sys.executable).with_name("lint-imports")
    return exe if exe.exists() else Path("lint-imports")


def test_import_contracts_hold():
    result = subprocess.run([str(_lint_imports()), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "0 broken" in result.stdout, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_contracts_that_name_the_architecture_are_there():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    kinds = [c["type"] for c in config["contracts"]]
    assert {"forbidden", "layers", "independence", "acyclic_siblings"} <= set(kinds) and len(kinds) >= 3
    layers = next(c["layers"] for c in config["contracts"] if c["type"] == "layers" and c["layers"][0] == "core.cli")
    assert layers[-1] == "core.errors"


def test_importing_all_of_core_loads_no_qt():
    modules = [m.name for m in pkgutil.walk_packages([str(CORE_DIR)], prefix="core.")]
    assert "core.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    if not m.endswith('__main__'): importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_tree_by_feature_of_small_modules():
    loose = {top: sorted(p.name for p in (ROOT / top).glob("*.py")) for top in ("core", "gui")}
    assert len(loose["core"]) <= 10, loose["core"]  # the rest lives in feature folders
    assert len(loose["gui"]) <= 12, loose["gui"]
    long = [f"{p.relative_to(ROOT)}: {n}" for top in ("core", "gui") for p in (ROOT / top).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300]
    assert not long, long
