"""The ``catdog`` command line: the parser in :mod:`core.cli.parser`, one module per command beside it.

``python -m core.cli`` is the same command (what ``torchrun`` launches).
"""

from core.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
