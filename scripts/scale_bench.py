"""Train on N photos as a user would and print the measured peak memory beside the estimate `catdog train` printed.

    python scripts/scale_bench.py DATA --photos 2500 25000 [--start frozen scratch] [--again]

For each N, a folder of N links in Kaggle names (cat.K.jpg / dog.K.jpg, cycling through DATA's photos:
links, so nothing is copied; each link is its own photo to the app) is trained on by `catdog train` in a
fresh process with an empty cache folder (cold: nothing decoded or computed before). Printed per run: the
estimate, the measured peak while it ran (the child's VmHWM, read every 0.2 s), their ratio, the peak at exit
(ru_maxrss: PyTorch's teardown alone adds ~125 MB of library pages there, after the run, even to a bare
``import torch``), photos/s of the reading phase
(decoding, or decoding + backbone for a frozen start), training images/s, the whole run's seconds and
seconds per 1,000 photos (linear scaling shows as a constant). ``--again`` runs each frozen case a second
time on the same cache (its features reused). State the CPU and load with the numbers.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTS = {  # the flags of each kind of run
    "frozen": ["--arch", "efficientnet_lite0", "--weights", "imagenet", "--freeze", "--epochs", "5"],
    "scratch": ["--arch", "resnet18", "--image-size", "128", "--epochs", "1"],
}
UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}


def link_folder(source: Path, n: int, into: Path) -> Path:
    """``n`` links named cat.K.jpg / dog.K.jpg (half each), cycling through the source's photos of that class."""
    into.mkdir(parents=True, exist_ok=True)
    for kind in ("cat", "dog"):
        photos = sorted(source.glob(f"{kind}.*.jpg"))
        if not photos:
            sys.exit(f"scale_bench: no {kind}.N.jpg photos in {source}")
        count = n // 2 + (n % 2 if kind == "cat" else 0)
        for k in range(count):
            link = into / f"{kind}.{k}.jpg"
            if not link.is_symlink():
                link.symlink_to(photos[k % len(photos)].resolve())
    return into


def parse_bytes(text: str) -> int | None:
    m = re.search(r"peak memory about ([\d.]+) (B|KB|MB|GB)", text)
    return int(float(m[1]) * UNITS[m[2]]) if m else None


def watch_peak(pid: int, peak: list[int]) -> None:
    """The child's high-water mark while it runs (its last reading before it exits)."""
    while True:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as f:
                hwm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")), 0)
        except (OSError, StopIteration):
            return
        if not hwm:  # a zombie: it has exited
            return
        peak[0] = max(peak[0], hwm)
        time.sleep(0.2)


def run_once(data: Path, start: str, cache: Path, out: Path, name: str) -> dict:
    """`catdog train` in a child process: its lines with the time each arrived, and its peak memory."""
    env = {**os.environ, "CATDOG_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "core.cli", "train", str(data), *STARTS[start], "--out", str(out), "--name", name]
    t0 = time.monotonic()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    running_peak = [0]
    watcher = threading.Thread(target=watch_peak, args=(child.pid, running_peak), daemon=True)
    watcher.start()
    lines = [(time.monotonic() - t0, line.rstrip("\n")) for line in child.stdout]
    _, status, usage = os.wait4(child.pid, 0)
    watcher.join()
    wall = time.monotonic() - t0
    if status:
        sys.exit(f"scale_bench: catdog train failed ({status}):\n" + "\n".join(t for _, t in lines[-15:]))
    text = "\n".join(t for _, t in lines)
    reading = next(((t, m) for t, line in lines for m in [re.search(r"^(Computing ImageNet features|Decoding "
                                                                    r"images at \d+ px): ([\d,]+) done", line)] if m),
                   None)
    began = next((t for t, line in lines if line.startswith(("Loading the ImageNet", "Reading images"))), 0.0)
    photos = int(reading[1][2].replace(",", "")) if reading else 0
    train_ips = [float(m[1]) for m in re.finditer(r"lr \S+\s+([\d.]+) img/s", text)]
    return {"estimate": parse_bytes(text), "peak": running_peak[0], "exit": usage.ru_maxrss * 1024, "wall": wall, "photos": photos,
            "read_s": (reading[0] - began) if reading else None, "train_ips": max(train_ips) if train_ips else None,
            "reused": "Reusing the cached features" in text, "pixels": next(
                (line for _, line in lines if line.startswith("Pixels ")), "")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a folder of cat.N.jpg / dog.N.jpg photos")
    ap.add_argument("--photos", type=int, nargs="+", default=[2500, 25000])
    ap.add_argument("--start", nargs="+", choices=list(STARTS), default=list(STARTS))
    ap.add_argument("--again", action="store_true", help="run each frozen case twice (the second reuses features)")
    ap.add_argument("--work", type=Path, help="where the link folders and runs go (default: a temporary folder)")
    args = ap.parse_args()
    from core.utils.formatting import format_bytes

    work = args.work or Path(tempfile.mkdtemp(prefix="catdog-scale-"))
    print(f"{'start':<8} {'photos':>7} {'estimate':>9} {'peak':>9} {'est/peak':>8} {'at exit':>8} {'read/s':>7} "
          f"{'train/s':>8} {'run s':>7} {'s/1k':>6}  notes", flush=True)
    for n in args.photos:
        data = link_folder(args.data, n, work / f"photos-{n}")
        for start in args.start:
            cache = work / f"cache-{n}-{start}"
            for attempt in range(2 if args.again and start == "frozen" else 1):
                r = run_once(data, start, cache, work / "runs", f"{start}-{n}-{attempt}")
                ratio = f"{r['estimate'] / r['peak']:.2f}" if r["estimate"] else "-"
                rate = f"{r['photos'] / r['read_s']:.0f}" if r["read_s"] else "-"
                notes = "features reused" if r["reused"] else r["pixels"].split(":")[0]
                print(f"{start:<8} {n:>7,} {format_bytes(r['estimate'] or 0):>9} {format_bytes(r['peak']):>9} "
                      f"{ratio:>8} {format_bytes(r['exit']):>8} {rate:>7} {r['train_ips'] or 0:>8.0f} {r['wall']:>7.0f} "
                      f"{1000 * r['wall'] / n:>6.1f}  {notes}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
