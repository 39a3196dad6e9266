"""core must stay usable without Qt: no module under core imports PySide6, PyQt or pyqtgraph."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import core

FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui")
CORE_DIR = Path(core.__file__).parent


def _imported_names(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_qt_import_statement_under_core():
    offenders = []
    for path in CORE_DIR.rglob("*.py"):
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(CORE_DIR.parent)} imports {name}")
    assert not offenders, offenders


def test_importing_all_of_core_loads_no_qt():
    modules = [m.name for m in pkgutil.walk_packages([str(CORE_DIR)], prefix="core.")]
    assert "core.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    if not m.endswith('__main__'): importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
