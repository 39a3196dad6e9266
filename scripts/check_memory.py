"""Compare core.planning.memory's simulated peak with a real training step's peak memory on this CPU.

    python scripts/check_memory.py [ARCH:BATCH:SIZE:PRECISION ...]

Each real measurement runs in a fresh process (Linux): build the model, take one warm-up
step at batch 1 (loads the kernels), free its gradients, then reset the kernel's peak-RSS
mark (/proc/self/clear_refs) and take two steps as the engine does (channels_last, autocast,
fused AdamW). Real = peak RSS - RSS before the steps; simulated = the fake-tensor peak less
the weights; CPU est. = the same with core.planning.memory.CPU_OVERHEAD on activations, as the app shows it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = ["residual_mini:32:128:fp32", "resnet18:32:128:fp32", "resnet18:32:128:bf16", "resnet50:8:224:fp32",
           "vgg16:4:64:fp32", "googlenet:16:128:fp32"]

CHILD = r"""
import ctypes, gc, json, sys, torch
from torch.nn import functional as F
from core.hardware import autocast
from core.models.registry import build_model
arch, batch, size, precision = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
libc = ctypes.CDLL("libc.so.6")
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
dev = torch.device("cpu")
model = build_model(arch, 2).to(memory_format=torch.channels_last).train()
def step(opt, b):
    x = torch.randn(b, 3, size, size).contiguous(memory_format=torch.channels_last)
    y = torch.zeros(b, dtype=torch.long)
    with autocast(dev, precision):
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
warm = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
step(warm, 1)
model.zero_grad(set_to_none=True)
del warm
gc.collect(); libc.malloc_trim(0)
before = rss("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
for _ in range(2):
    step(opt, batch)
extra = rss("VmHWM:") - before
print(json.dumps({"extra": extra}))
"""


def main() -> int:
    from core.planning.memory import simulate
    from core.utils.formatting import format_bytes

    specs = sys.argv[1:] or DEFAULT
    print(f"{'arch':<14} {'batch':>5} {'size':>5} {'prec':>5}  {'simulated':>10} {'CPU est.':>10} {'peak RSS':>10} "
          f"{'est/real':>8}  weights")
    for spec in specs:
        arch, batch, size, precision = spec.split(":")
        est = simulate(arch, int(batch), int(size), precision)
        done = subprocess.run([sys.executable, "-c", CHILD, arch, batch, size, precision], capture_output=True,
                              text=True, cwd=ROOT, check=False)
        if done.returncode:
            print(f"{arch}: real run failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        real = json.loads(done.stdout.strip().splitlines()[-1])
        sim = est.peak_bytes - est.weights_bytes
        cpu = est.on_device("cpu").peak_bytes - est.weights_bytes
        print(f"{arch:<14} {batch:>5} {size:>5} {precision:>5}  {format_bytes(sim):>10} {format_bytes(cpu):>10} "
              f"{format_bytes(real['extra']):>10} {cpu / real['extra']:>8.2f}  {format_bytes(est.weights_bytes)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
