"""``python fork_launch.py N PORT catdog-args…``: what ``torchrun --nproc_per_node N -m core.cli`` starts, forked.

torchrun starts each process from nothing: every one imports torch and torchvision (~5 CPU-s
on a 2-core laptop, most of a tiny test run), and so does torchrun itself. Here one process
imports the engine once and forks N copies that get torchrun's variables (RANK, LOCAL_RANK,
WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and run ``catdog`` as torchrun's
would: the engine sees the same world. The tests that are about torchrun itself (Ctrl-C
passed on to both processes) still launch torchrun.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    nproc, port, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    import core.training.engine  # noqa: F401  imported before the fork, so once
    from core.cli import main as catdog

    pids = []
    for rank in range(nproc):
        pid = os.fork()
        if pid == 0:  # no thread has started yet in this process: forking it is safe
            os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc),
                              LOCAL_WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
            code = 1
            try:
                code = catdog(args) or 0
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        pids.append(pid)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main())
