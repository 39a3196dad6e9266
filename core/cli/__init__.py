"""The ``catdog`` command line: the parser in :mod:`core.cli.main`, one module per command beside it.

``python -m core.cli`` is the same command (what ``torchrun`` launches).
"""

from core.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
