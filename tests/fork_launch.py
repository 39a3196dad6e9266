"""``python fork_launch.py N PORT catdog-args…``: what ``torchrun --nproc_per_node N -m core.cli`` starts, forked.

torchrun starts each process from nothing: every one imports torch and torchvision (~5 CPU-s
on a 2-core laptop, most of a tiny test run), and so does torchrun itself. Here one process
imports the engine once and forks N copies that get torchrun's variables (RANK, LOCAL_RANK,
WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and run ``catdog`` as torchrun's
would: the engine sees the same world. As torchrun does, the first process to fail stops the
others and its exit code is the launcher's. Linux only (forking after ``import torch`` is not
safe on macOS); the tests that are about torchrun itself (Ctrl-C passed on to both processes)
still launch torchrun.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback


def _child(args: list[str]) -> int:
    from core.cli.parser import main as catdog

    try:
        return catdog(args) or 0
    except SystemExit as exc:  # argparse's usage errors: exit 2, as catdog's own
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # what would have ended the process: shown, not lost with os._exit
        traceback.print_exc()
        return 1


def _stop(pids: set[int]) -> None:
    """SIGTERM, then SIGKILL what is still there a few seconds later (a process stuck in a collective)."""
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids -= {pid for pid in pids if os.waitpid(pid, os.WNOHANG)[0]}
        time.sleep(0.05)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def main() -> int:
    nproc, port, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    import core.training.engine  # noqa: F401  imported before the fork, so once

    running: set[int] = set()
    for rank in range(nproc):
        pid = os.fork()
        if pid == 0:  # one thread (OMP_NUM_THREADS=1, no job started): forking is safe
            os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(nproc),
                              LOCAL_WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
            code = _child(args)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        running.add(pid)
    while running:
        pid, status = os.wait()
        running.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            print(f"fork_launch: process {pid} exited with {code}; stopping the others", file=sys.stderr)
            _stop(running)
            return code if code > 0 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
