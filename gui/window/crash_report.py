"""Unexpected errors: a readable dialog (details copyable), a log file, and the app goes on.

Installed as ``sys.excepthook`` (exceptions in Qt slots and timers land there) and
``threading.excepthook`` (logged only: long jobs report their own errors). The log lives in the user's log folder (platformdirs), or
$CATDOG_LOG_DIR.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from core.failures import describe_failure


def log_dir() -> Path:
    env = os.environ.get("CATDOG_LOG_DIR")
    if env:
        return Path(env)
    from platformdirs import user_log_dir

    return Path(user_log_dir("catdog-studio"))


def _log(details: str) -> Path | None:
    path = log_dir() / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}\n{details}\n")
        return path
    except OSError:
        return None


def show(parent: QWidget | None, exc: BaseException, details: str) -> QMessageBox:
    path = _log(details)
    box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                      f"{describe_failure(exc)}\n\nThe app keeps running; your runs on disk are safe."
                      + (f"\nDetails are also in {path}." if path else ""), parent=parent)
    box.setObjectName("crashBox")
    box.setDetailedText(details)
    box.open()
    return box


def install(parent: QWidget | None) -> None:
    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return sys.__excepthook__(exc_type, exc, tb)
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.__stderr__.write(details)
        show(parent, exc, details)

    def thread_hook(args) -> None:  # a helper thread: logged (jobs report their own errors to the window)
        details = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        sys.__stderr__.write(details)
        _log(details)

    sys.excepthook = hook
    threading.excepthook = thread_hook
