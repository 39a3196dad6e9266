"""`catdog doctor`: names a GPU PyTorch cannot use, says why and how to fix it (fake nvidia-smi on PATH)."""

from __future__ import annotations

import json

import pytest

from core.cli.parser import main as cli_main
from core.doctor.gpu import TorchFacts
from core.doctor.probes import qt_platform
from core.doctor.report import diagnose, render

CPU_WHEEL = TorchFacts("2.14.1+cpu", cuda=None)
HEADER = "| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: {cuda}     |"


@pytest.fixture
def fake_smi(tmp_path, monkeypatch):
    """Puts a fake nvidia-smi first on PATH: ``fake_smi(cuda="12.4")`` answers, ``fake_smi(fail=True)`` fails."""
    def make(cuda: str = "12.4", fail: bool = False):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        smi = bin_dir / "nvidia-smi"
        if fail:
            body = 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." ; exit 9'
        else:
            body = (f'case "$1" in --query-gpu*) echo "NVIDIA GeForce RTX 3060, 550.54.14";; '
                    f'*) echo "{HEADER.format(cuda=cuda)}";; esac')
        smi.write_text(f"#!/bin/sh\n{body}\n")
        smi.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return make


def text(facts: TorchFacts, env: dict | None = None, tmp_path=None) -> str:
    report = diagnose(facts, env=env or {}, proc_version=tmp_path / "no-proc" if tmp_path else None,
                      folders={"runs": tmp_path} if tmp_path else None)
    return render(report)


def test_a_gpu_with_a_cpu_only_wheel_gets_the_pip_command_for_the_drivers_cuda(fake_smi, tmp_path):
    fake_smi(cuda="12.4")
    out = text(CPU_WHEEL, tmp_path=tmp_path)
    assert "NVIDIA GeForce RTX 3060 (driver 550.54.14), its driver supports CUDA up to 12.4" in out
    assert "PyTorch cannot use the GPU: this PyTorch is a CPU-only build" in out
    assert ("fix: pip install --force-reinstall torch torchvision --index-url https://download.pytorch.org/whl/cu124"
            in out)


def test_no_nvidia_smi_means_no_gpu_and_no_problem(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi anywhere
    report = diagnose(CPU_WHEEL, env={}, proc_version=tmp_path / "no-proc", folders={"runs": tmp_path})
    gpu = [f for f in report["findings"] if f["check"] in ("NVIDIA GPU", "PyTorch on the GPU")]
    assert [(f["check"], f["mark"]) for f in gpu] == [("NVIDIA GPU", "ok")] and "none found" in gpu[0]["detail"]
    assert report["device"] == "cpu" and report["cuda_available"] is False


def test_cuda_visible_devices_empty_hides_the_gpu(fake_smi, tmp_path):
    fake_smi(cuda="12.4")
    wheel = TorchFacts("2.14.1+cu124", cuda="12.4")
    out = text(wheel, env={"CUDA_VISIBLE_DEVICES": ""}, tmp_path=tmp_path)
    assert "CUDA_VISIBLE_DEVICES='' hides every GPU from PyTorch" in out and "unset CUDA_VISIBLE_DEVICES" in out
    assert "CPU-only" not in out and "older than" not in out


def test_a_failing_nvidia_smi_says_the_driver_does_not_answer(fake_smi, tmp_path):
    fake_smi(fail=True)
    out = text(TorchFacts("2.14.1+cu124", cuda="12.4"), tmp_path=tmp_path)
    assert "the driver does not answer (exit 9: NVIDIA-SMI has failed" in out and "[problem" in out


def test_a_driver_older_than_the_wheels_cuda_is_named_with_both_fixes(fake_smi, tmp_path):
    fake_smi(cuda="12.2")
    out = text(TorchFacts("2.14.1+cu128", cuda="12.8"), tmp_path=tmp_path)
    assert "the driver (CUDA up to 12.2) is older than this PyTorch's CUDA 12.8" in out
    assert "update the NVIDIA driver" in out and "download.pytorch.org/whl/cu121" in out  # newest wheel <= 12.2


def test_a_usable_gpu_is_ok(fake_smi, tmp_path):
    fake_smi()
    report = diagnose(TorchFacts("2.14.1+cu124", "12.4", None, True, 1, "NVIDIA GeForce RTX 3060"), env={},
                      proc_version=tmp_path / "no-proc", folders={"runs": tmp_path})
    assert report["device"] == "cuda" and report["precision"] == "fp16" and report["cuda_available"] is True
    assert not [f for f in report["findings"] if f["mark"] == "problem" and "GPU" in f["check"]]


def test_missing_xcb_libraries_name_the_apt_command():
    [found] = qt_platform({"DISPLAY": ":0"}, "Linux", found=lambda soname: "icccm" not in soname)
    assert found.mark == "problem" and found.fix == "sudo apt-get install libxcb-icccm4"
    assert qt_platform({"QT_QPA_PLATFORM": "offscreen"}, "Linux", found=lambda s: False)[0].mark == "ok"


def test_cli_doctor_json_has_the_keys_and_exits_0_even_with_problems(fake_smi, monkeypatch, capsys):
    fake_smi(fail=True)  # a problem: still exit 0, it is a report
    assert cli_main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"torch", "cuda_available", "device", "precision", "findings"} <= set(report)
    assert any(f["mark"] == "problem" for f in report["findings"])
    assert cli_main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "PyTorch build" in out and "Precision" in out and "problem(s)" in out


def test_window_help_check_my_setup_shows_the_report(window, qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    action = window.actions_by_name["doctorAction"]
    assert action.text() == "Check my setup"
    action.trigger()
    qtbot.waitUntil(lambda: "PyTorch" in window.doctor_dialog.reportText.toPlainText(), timeout=60_000)
    assert "Precision" in window.doctor_dialog.reportText.toPlainText()
    window.doctor_dialog.close()
