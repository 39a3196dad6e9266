"""One training per run folder: a lock file holding the owner's pid and host.

A second training into the same folder would interleave epochs and checkpoints. The lock is
created with O_EXCL (atomic on every local file system); a lock left by a process that died
(kill -9, a crash, a power cut) is recognised because that pid no longer runs on this host,
and is taken over.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from core.errors import InputError
from core.runs.layout import LOCK_FILE
from core.utils.processes import pid_alive


class RunLock:
    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_FILE
        self.held = False

    def acquire(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self._owner_is_alive():
                    raise InputError(f"{self.path.parent} is being trained by another process "
                                     f"({self._describe_owner()}); wait for it to finish or stop it first") from None
                self.path.unlink(missing_ok=True)  # stale: its owner is gone
                continue
            with os.fdopen(fd, "w") as f:
                json.dump({"pid": os.getpid(), "host": socket.gethostname()}, f)
            self.held = True
            return
        raise InputError(f"cannot lock {self.path.parent}: {self.path} keeps reappearing")

    def _owner(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _owner_is_alive(self) -> bool:
        owner = self._owner()
        if owner.get("host") not in (None, socket.gethostname()):
            return True  # another machine's process: we cannot tell, so we do not steal its run
        pid = owner.get("pid")
        return isinstance(pid, int) and pid != os.getpid() and pid_alive(pid)

    def _describe_owner(self) -> str:
        owner = self._owner()
        return f"pid {owner.get('pid', '?')} on {owner.get('host', '?')}"

    def moved_to(self, run_dir: Path) -> None:
        """The locked folder was renamed (a new run takes its name whole): the lock went with it."""
        self.path = Path(run_dir) / LOCK_FILE

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False
