"""How long the test suite takes here, with what it takes to compare machines.

The suite's budget is "under 60 s on 2 cores", but the same 2 cores run at different speeds
from one day to the next (a shared host); the time of ``import torch`` in a fresh process is
printed beside the suite's, so that two numbers from two days can be compared.

    python scripts/suite_time.py [--repeat 1] [pytest args…]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_name() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    name = re.search(r"model name\s*:\s*(.*)", text)
    found = re.search(r"flags\s*:\s*(.*)", text)
    flags = set(found.group(1).split()) if found else set()
    extras = [f for f in ("avx512_bf16", "amx_bf16") if f in flags]
    return (name.group(1).strip() if name else platform.machine()) + (f" ({', '.join(extras)})" if extras else "")


def import_torch_seconds(times: int = 3) -> float:
    """Median wall time of ``import torch`` in a fresh interpreter: this machine's speed today."""
    runs = []
    for _ in range(times):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def run_suite(args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of every process, pytest's last line)."""
    import resource  # POSIX: Linux and macOS

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode != 0:  # the whole report, for a failure seen once
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"suite_time-{os.getpid()}.log"
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        last += f" (report: {log})"
    return wall, cpu, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="run the suite this many times")
    known, rest = parser.parse_known_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cpu_name()}, {cores} cores; import torch {import_torch_seconds():.2f} s (median of 3)")
    for i in range(known.repeat):
        wall, cpu, last = run_suite(rest)
        print(f"run {i + 1}: {wall:.1f} s wall, {cpu:.0f} CPU-s in all processes; pytest: {last}", flush=True)
    print(f"machine after: import torch {import_torch_seconds():.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
