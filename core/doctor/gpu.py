"""Is there an NVIDIA GPU, can PyTorch use it, and if not, why and what to run.

"My GPU is not used" has four usual causes: a CPU-only PyTorch wheel, a driver older than the
wheel's CUDA, CUDA_VISIBLE_DEVICES hiding the device, or a device the process cannot see (a
container started without --gpus). nvidia-smi tells what the driver offers (its header prints
the newest CUDA it supports); PyTorch's facts come in a small dataclass so that tests can
stand in for a CUDA wheel on a CPU machine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.doctor.finding import Finding

# PyTorch's CUDA wheel indexes, newest first: the newest one the driver supports is the one to install
CUDA_WHEELS = (((13, 0), "cu130"), ((12, 9), "cu129"), ((12, 8), "cu128"), ((12, 6), "cu126"), ((12, 4), "cu124"),
               ((12, 1), "cu121"), ((11, 8), "cu118"))
PIP_CUDA = "pip install --force-reinstall torch torchvision --index-url https://download.pytorch.org/whl/{tag}"
PROC_VERSION = Path("/proc/driver/nvidia/version")
SMI_TIMEOUT_S = 15


@dataclass(frozen=True)
class TorchFacts:
    """What this PyTorch is built for and what it sees."""
    version: str
    cuda: str | None  # torch.version.cuda: None in a CPU-only (or ROCm) wheel
    hip: str | None = None  # torch.version.hip: ROCm builds
    cuda_available: bool = False
    device_count: int = 0
    device_name: str | None = None
    mps_available: bool = False

    @classmethod
    def real(cls) -> TorchFacts:
        import torch

        ok = torch.cuda.is_available()
        mps = getattr(torch.backends, "mps", None)
        return cls(torch.__version__, torch.version.cuda, getattr(torch.version, "hip", None), ok,
                   torch.cuda.device_count() if ok else 0, torch.cuda.get_device_name(0) if ok else None,
                   bool(mps) and mps.is_available())

    def build(self) -> str:
        """'CUDA 12.8', 'ROCm 6.2', 'CPU only', with ' + MPS' on an Apple GPU."""
        base = f"CUDA {self.cuda}" if self.cuda else f"ROCm {self.hip}" if self.hip else "CPU only"
        return base + (" + MPS" if self.mps_available else "")

    def device(self) -> str:
        """The device ``--device auto`` picks (core.hardware.resolve_device's order)."""
        return "cuda" if self.cuda_available else "mps" if self.mps_available else "cpu"


@dataclass(frozen=True)
class NvidiaFacts:
    """What the NVIDIA driver says about itself."""
    smi: str | None  # nvidia-smi's path on PATH
    answered: bool = False
    error: str = ""
    gpus: tuple[tuple[str, str], ...] = ()  # (name, driver version)
    driver_cuda: tuple[int, int] | None = None  # "CUDA Version: 12.4" in nvidia-smi's header
    proc_driver: str | None = None  # first line of /proc/driver/nvidia/version

    @property
    def present(self) -> bool:
        return bool(self.gpus) or self.proc_driver is not None


def _run(cmd: list[str]) -> tuple[bool, str]:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=SMI_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return False, f"no answer within {SMI_TIMEOUT_S} s"
    except OSError as exc:
        return False, str(exc)
    if done.returncode != 0:
        first = (done.stdout.strip() or done.stderr.strip()).splitlines()
        return False, f"exit {done.returncode}" + (f": {first[0][:200]}" if first else "")
    return True, done.stdout


def probe_nvidia(proc_version: Path = PROC_VERSION) -> NvidiaFacts:
    """Runs nvidia-smi found on PATH (twice: its header has the CUDA version, the query the GPUs)."""
    proc = None
    try:
        proc = proc_version.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
    except (OSError, IndexError):
        pass
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return NvidiaFacts(None, proc_driver=proc)
    ok, header = _run([smi])
    if not ok:
        return NvidiaFacts(smi, False, header, proc_driver=proc)
    match = re.search(r"CUDA Version:\s*(\d+)\.(\d+)", header)
    ok, listing = _run([smi, "--query-gpu=name,driver_version", "--format=csv,noheader"])
    if not ok:
        return NvidiaFacts(smi, False, listing, proc_driver=proc)
    gpus = tuple((name.strip(), driver.strip()) for name, _, driver in
                 (line.rpartition(",") for line in listing.splitlines() if "," in line))
    return NvidiaFacts(smi, True, "", gpus, (int(match[1]), int(match[2])) if match else None, proc)


def _version(text: str | None) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match[1]), int(match[2])) if match else None


def wheel_command(driver_cuda: tuple[int, int] | None) -> str | None:
    """The pip command for the newest CUDA wheel the driver supports; None if it is older than them all."""
    if driver_cuda is None:
        return PIP_CUDA.format(tag=CUDA_WHEELS[0][1]) + "  (or the cuXYZ matching nvidia-smi's 'CUDA Version')"
    tag = next((tag for version, tag in CUDA_WHEELS if version <= driver_cuda), None)
    return PIP_CUDA.format(tag=tag) if tag else None


def _hidden(env: Mapping[str, str]) -> bool:
    value = env.get("CUDA_VISIBLE_DEVICES")
    return value is not None and (value.strip() == "" or value.strip().startswith("-1")
                                  or value.strip() == "NoDevFiles")


def gpu_findings(torch: TorchFacts, nv: NvidiaFacts, env: Mapping[str, str]) -> list[Finding]:
    out = [Finding("PyTorch build", "ok", f"torch {torch.version}: {torch.build()}")]
    driver_text = f", its driver supports CUDA up to {nv.driver_cuda[0]}.{nv.driver_cuda[1]}" if nv.driver_cuda else ""
    if nv.smi is not None and not nv.answered:
        out.append(Finding("NVIDIA GPU", "problem", f"nvidia-smi ({nv.smi}) is installed but the driver does not "
                           f"answer ({nv.error})", "install or reload the NVIDIA driver (reboot after installing "
                           "it) until `nvidia-smi` lists the GPU"))
    elif nv.gpus:
        names = "; ".join(f"{name} (driver {driver})" for name, driver in nv.gpus)
        out.append(Finding("NVIDIA GPU", "ok", names + driver_text))
    elif nv.proc_driver:
        out.append(Finding("NVIDIA GPU", "warn", f"a driver is loaded ({nv.proc_driver[:80]}) but nvidia-smi "
                           "lists no GPU or is not on PATH", "install the NVIDIA utilities (nvidia-smi) with the driver"))
    else:
        out.append(Finding("NVIDIA GPU", "ok", "none found (no nvidia-smi on PATH, no /proc/driver/nvidia): "
                           "the app uses the " + ("Apple GPU (MPS)" if torch.mps_available else "CPU")))
    if torch.cuda_available:
        out.append(Finding("PyTorch on the GPU", "ok", f"PyTorch uses {torch.device_name} "
                           f"({torch.device_count} device{'s' if torch.device_count != 1 else ''})"))
        return out
    if not (nv.present or nv.smi):
        return out
    out.extend(_why_not(torch, nv, env))
    return out


def _why_not(torch: TorchFacts, nv: NvidiaFacts, env: Mapping[str, str]) -> list[Finding]:
    """Every reason that applies, each with its fix."""
    check, reasons = "PyTorch on the GPU", []
    fix = wheel_command(nv.driver_cuda)
    if torch.cuda is None and torch.hip is None:
        reasons.append(Finding(check, "problem", "PyTorch cannot use the GPU: this PyTorch is a CPU-only build "
                               "(torch.version.cuda is None)", fix or "update the NVIDIA driver first"))
    wheel = _version(torch.cuda)
    if wheel and nv.driver_cuda and wheel > nv.driver_cuda:
        have = f"{nv.driver_cuda[0]}.{nv.driver_cuda[1]}"
        reasons.append(Finding(check, "problem", f"PyTorch cannot use the GPU: the driver (CUDA up to {have}) is "
                               f"older than this PyTorch's CUDA {torch.cuda}",
                               f"update the NVIDIA driver to one for CUDA {torch.cuda} or newer"
                               + (f", or install the wheel for this driver: {fix}" if fix else "")))
    if _hidden(env):
        reasons.append(Finding(check, "problem", f"CUDA_VISIBLE_DEVICES={env['CUDA_VISIBLE_DEVICES']!r} hides "
                               "every GPU from PyTorch", "unset CUDA_VISIBLE_DEVICES (or set it to 0)"))
    if not reasons and nv.smi and not nv.answered:
        return []  # the driver's own problem is already reported
    if not reasons:
        reasons.append(Finding(check, "problem", "PyTorch sees no CUDA device although the driver lists one",
                               "in a container, start it with --gpus all (NVIDIA Container Toolkit); check that "
                               "your user may open /dev/nvidia* (groups video, render)"))
    return reasons
