"""The doctor's whole report: every probe's findings, as text (one line per check) or JSON."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from core.doctor.finding import Finding
from core.doctor.gpu import PROC_VERSION, TorchFacts, gpu_findings, probe_nvidia
from core.doctor.probes import (
    cpu_and_precision,
    disk_and_memory,
    imagenet_weights,
    malloc_settings,
    package_versions,
    packages,
    qt_platform,
)


def default_folders() -> dict[str, Path]:
    """The decoded-photo cache and the runs folder ``catdog train`` writes by default."""
    from core.training.config import TrainConfig
    from core.utils.paths import cache_root

    return {"cache": cache_root(), "runs": Path(TrainConfig.out)}


def diagnose(torch_facts: TorchFacts | None = None, env: Mapping[str, str] | None = None,
             proc_version: Path = PROC_VERSION, folders: Mapping[str, Path] | None = None) -> dict:
    """Runs every probe (nvidia-smi may take a second); the facts a test fakes are parameters."""
    import torch

    from core.hardware import resolve_precision

    env = os.environ if env is None else env
    facts = torch_facts or TorchFacts.real()
    nv = probe_nvidia(proc_version)
    device = facts.device()
    precision = resolve_precision("auto", torch.device(device))
    versions = package_versions()
    findings: list[Finding] = [
        *packages(versions), *gpu_findings(facts, nv, env), *cpu_and_precision(device, precision),
        *malloc_settings(), *qt_platform(env), *disk_and_memory(folders or default_folders()), *imagenet_weights()]
    return {
        "python": versions["Python"], "packages": versions, "torch": facts.version, "torch_build": facts.build(),
        "cuda_available": facts.cuda_available, "device": device, "precision": precision,
        "gpus": [{"name": name, "driver": driver} for name, driver in nv.gpus],
        "driver_cuda": ".".join(map(str, nv.driver_cuda)) if nv.driver_cuda else None,
        "findings": [f.as_dict() for f in findings],
    }


def render(report: Mapping) -> str:
    """One line per check with its mark; a problem's fix on the line below it; a count at the end."""
    findings = [Finding(**f) for f in report["findings"]]
    counts = {mark: sum(f.mark == mark for f in findings) for mark in ("problem", "warn")}
    lines = [f.line() for f in findings]
    lines.append(f"\ndevice {report['device']}, precision {report['precision']}: "
                 f"{counts['problem']} problem(s), {counts['warn']} warning(s)")
    return "\n".join(lines)
