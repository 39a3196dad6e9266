"""The machine's other facts the app depends on, one small probe each, every one returning Findings.

No probe imports Qt (core stays Qt-free): the Qt check looks for the xcb libraries' files only.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from core.doctor.finding import Finding

# (distribution, needed): the optional ones only serve `catdog export --format onnx` and its checks
PACKAGES = (("torch", True), ("torchvision", True), ("timm", True), ("PySide6-Essentials", True),
            ("pyqtgraph", True), ("safetensors", True), ("onnx", False), ("onnxruntime", False),
            ("onnxscript", False))
# Qt 6's xcb platform plugin: the libraries a bare Linux install lacks, and the apt package of each
XCB_LIBS = (("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-icccm.so.4", "libxcb-icccm4"),
            ("libxcb-keysyms.so.1", "libxcb-keysyms1"), ("libxcb-image.so.0", "libxcb-image0"),
            ("libxcb-randr.so.0", "libxcb-randr0"), ("libxcb-render-util.so.0", "libxcb-render-util0"),
            ("libxcb-shape.so.0", "libxcb-shape0"), ("libxcb-xkb.so.1", "libxcb-xkb1"),
            ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"))
NO_XCB_PLATFORMS = ("offscreen", "minimal", "wayland", "eglfs", "linuxfb", "vnc")
LOW_DISK_GB, LOW_MEMORY_GB = 2.0, 2.0


def package_versions() -> dict[str, str | None]:
    """Installed versions from package metadata (nothing imported); None when not installed."""
    out: dict[str, str | None] = {"Python": platform.python_version()}
    for dist, _needed in PACKAGES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def packages(versions: Mapping[str, str | None]) -> list[Finding]:
    found = ", ".join(f"{name} {v}" for name, v in versions.items() if v)
    out = [Finding("Packages", "ok", found)]
    for dist, needed in PACKAGES:
        if versions.get(dist) is None:
            out.append(Finding(dist, "problem" if needed else "warn", "not installed" + ("" if needed else
                               " (needed for catdog export --format onnx)"), f"pip install {dist}"))
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next((line.partition(":")[2].strip() for line in f if line.startswith("model name")),
                        platform.machine())
    except OSError:
        return platform.processor() or platform.machine()


def cpu_and_precision(device: str, precision: str) -> list[Finding]:
    """The CPU's bf16 flags and the precision --precision auto picks (core.hardware decides both)."""
    from core.hardware import BF16_FLAGS, cpu_flags

    flags = cpu_flags()
    shown = [f for f in ("amx_tile", *BF16_FLAGS, "avx512f", "avx2") if f in flags]
    cpu = f"{_cpu_model()}, {os.cpu_count()} cores, flags: {', '.join(shown) or 'none'}"
    why = {"bf16": "bf16 autocast (the CPU has native bf16)", "fp16": "fp16 autocast with a gradient scaler",
           "fp32": "fp32" + (" (no AMX or AVX512-BF16: bf16 would be slower)" if device == "cpu" else "")}
    return [Finding("CPU", "ok", cpu), Finding("Precision", "ok", f"{device}: {why.get(precision, precision)}")]


def malloc_settings() -> list[Finding]:
    """core.utils.heap tunes glibc's allocator for CPU training; does it take effect here?"""
    from core.utils.heap import keep_freed_memory, settings_summary

    env = ", ".join(f"{k}={v}" for k, v in os.environ.items() if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES")
    extra = f"; environment: {env}" if env else ""
    if keep_freed_memory():
        return [Finding("Memory allocator", "ok", f"glibc, tuned for CPU training ({settings_summary()}){extra}")]
    return [Finding("Memory allocator", "warn", f"not glibc ({platform.libc_ver()[0] or sys.platform}): the system "
                    f"allocator's defaults; CPU training may be about a tenth slower{extra}")]


@lru_cache(maxsize=1)
def _ldconfig_names() -> frozenset[str]:
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.split()[0] for line in out.splitlines()[1:] if line.strip())


def library_found(soname: str) -> bool:
    if soname in _ldconfig_names():
        return True
    dirs = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64")
    return any(Path(d, soname).exists() for d in dirs)


def qt_platform(env: Mapping[str, str], system: str = platform.system(), found=library_found) -> list[Finding]:
    chosen = env.get("QT_QPA_PLATFORM", "")
    label = f"QT_QPA_PLATFORM={chosen}" if chosen else "QT_QPA_PLATFORM not set (Qt picks)"
    if system != "Linux":
        return [Finding("Qt platform", "ok", f"{label}; {system} has its native plugin")]
    if chosen.split(":")[0] in NO_XCB_PLATFORMS:
        return [Finding("Qt platform", "ok", f"{label}: the xcb libraries are not needed")]
    missing = [pkg for soname, pkg in XCB_LIBS if not found(soname)]
    if missing:
        return [Finding("Qt platform", "problem", f"{label}; the xcb plugin lacks {', '.join(missing)}: "
                        "catdog-gui would abort at start (the commands work)",
                        f"sudo apt-get install {' '.join(missing)}")]
    shown = "" if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") else "; no DISPLAY: the window needs a desktop"
    return [Finding("Qt platform", "ok" if not shown else "warn", f"{label}; xcb libraries present{shown}")]


def _nearest_existing(path: Path) -> Path:
    path = path.expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disk_and_memory(folders: Mapping[str, Path], meminfo: Path = Path("/proc/meminfo")) -> list[Finding]:
    out = []
    for what, folder in folders.items():
        free = shutil.disk_usage(_nearest_existing(folder)).free / 1e9
        low = free < LOW_DISK_GB
        out.append(Finding(f"Disk ({what})", "warn" if low else "ok", f"{free:.1f} GB free at {folder}",
                           "free some space: runs and the decoded-photo cache grow by hundreds of MB" if low else ""))
    try:
        info = {k: int(v.split()[0]) / 1e6 for k, _, v in
                (line.partition(":") for line in meminfo.read_text(encoding="utf-8").splitlines()) if v.strip()}
        total, avail = info["MemTotal"], info.get("MemAvailable", info.get("MemFree", 0.0))
    except (OSError, KeyError, ValueError):
        return out + [Finding("Memory", "ok", "unknown here (no /proc/meminfo)")]
    low = avail < LOW_MEMORY_GB
    out.append(Finding("Memory", "warn" if low else "ok", f"{avail:.1f} of {total:.1f} GB available",
                       "close other programs, or train with a smaller --batch-size" if low else ""))
    return out


def imagenet_weights() -> list[Finding]:
    """Which architectures can start from ImageNet weights with no network."""
    from core.models.registry import ARCHS, get_arch

    ready, missing = [], []
    for key in ARCHS:
        spec = get_arch(key)
        if spec.has_pretrained:
            status = spec.imagenet_status()
            (ready if status.installed else missing).append((key, status.note))
    detail = f"ready for {', '.join(k for k, _ in ready) or 'none'}"
    lite = [note for key, note in missing if key.startswith("efficientnet_lite")]
    if lite:
        return [Finding("ImageNet weights", "warn", detail + f"; EfficientNet-Lite: {lite[0]}",
                        "; ".join(note.removeprefix("not installed: ") for note in lite))]
    return [Finding("ImageNet weights", "ok", detail + (f"; {len(missing)} more are downloaded on first use"
                                                       if missing else ""))]
