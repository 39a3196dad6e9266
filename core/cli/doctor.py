"""``catdog doctor [--json]``: what this machine offers and why a GPU is not used; always exit 0 (a report)."""

from __future__ import annotations

import argparse
import json


def add_doctor_parser(sub) -> None:
    p = sub.add_parser("doctor", help="check this machine: PyTorch build, GPU (and why it is not used), CPU, "
                                      "Qt libraries, disk, memory, ImageNet weights",
                       description="Report what this machine offers the app, one line per check (ok, warn, "
                                   "problem), with the fix for each problem. Exit status 0 even with problems.")
    p.add_argument("--json", action="store_true", help="print the report as JSON (torch, cuda_available, device, "
                                                       "precision, findings...)")
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from core.doctor.report import diagnose, render

    report = diagnose()
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0
