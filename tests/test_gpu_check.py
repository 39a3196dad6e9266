"""scripts/gpu_check.sh on a machine without CUDA: one clear line and exit 0, nothing trained."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA machine runs the whole check")
def test_gpu_check_says_no_cuda_device_and_exits_0(tmp_path):
    done = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "OUT": str(tmp_path / "out")})
    assert done.returncode == 0, done.stderr
    assert "no CUDA device: nothing to check here" in done.stdout
    assert not (tmp_path / "out").exists()  # no step ran
