"""Any failure as one sentence for a person: the same words in the console and the window.

Input errors already are such sentences. Others (out of memory, a full disk, a file that
cannot be written, an interruption, a bug) get the cause and the way on; the traceback goes
to the run's meta.json, the window's log file, or the console with CATDOG_DEBUG=1.
"""

from __future__ import annotations

import errno

from core.errors import InputError, RunFailure

OOM_HINT = "try a smaller --batch-size or --image-size (or ImageNet, frozen: it needs far less memory)"


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, (InputError, RunFailure)):
        return str(exc)
    if isinstance(exc, (KeyboardInterrupt, InterruptedError)):
        return "interrupted"
    text = str(exc).splitlines()[0].strip() if str(exc) else ""
    if type(exc).__name__ == "OutOfMemoryError" or "out of memory" in text.lower() \
            or isinstance(exc, MemoryError):
        return f"out of memory: {OOM_HINT}"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" while writing {exc.filename}" if exc.filename else ""
        return f"the disk is full{where}: free some space, then try again"  # not every write is a run's
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__
