"""Whether a process still runs: how locks and temporary files of killed processes are recognised.

Every temporary file or folder the app names after its writer carries ``HOST`` and the pid, and
``left_by_dead_writer`` is the one rule for removing it: a pid of another host (a shared folder, another
container) means nothing here, so such files are never touched.
"""

from __future__ import annotations

import os
import re
import socket

#: this machine's name as it can stand in a file name (no dots: names are split on them)
HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:40] or "host"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def left_by_dead_writer(host: str, pid: int) -> bool:
    """A temporary file or folder named after ``host`` and ``pid`` whose writer is gone: safe to remove."""
    return host == HOST and pid != os.getpid() and not pid_alive(pid)
