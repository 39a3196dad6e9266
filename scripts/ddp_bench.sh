#!/usr/bin/env bash
# One process vs. torchrun with N processes: training images/s of `catdog train`, same photos and settings.
#
#   scripts/ddp_bench.sh [DATA] [ARCH] [IMAGE_SIZE] [EPOCHS] [GLOBAL_BATCH] [NPROC]
#   defaults:   /work/shared/data/dogs-vs-cats-1760 resnet18 128 2 32 2
#
# The single process uses every core (PyTorch's own thread count); each of the NPROC processes
# gets OMP_NUM_THREADS=cores/NPROC (1 on a 2-core CPU). The global batch is the same in both
# (--batch-size is per process under torchrun: GLOBAL_BATCH/NPROC each). The numbers are the
# training images/s that each run's metrics.csv records per epoch (decoding and validation are
# not in them); the last epoch is the warm one. Run it on a quiet machine: on a loaded one, a
# process with several OpenMP threads suffers far more than one with a single thread.
# ALSO_ONE_THREAD=1 adds a one-process, one-thread run, to tell the two effects apart.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${1:-/work/shared/data/dogs-vs-cats-1760}
ARCH=${2:-resnet18}
SIZE=${3:-128}
EPOCHS=${4:-2}
BATCH=${5:-32}
NPROC=${6:-2}
PY=${PYTHON:-python}
CORES=$(nproc)
THREADS=$(( CORES / NPROC > 0 ? CORES / NPROC : 1 ))
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
COMMON=(--arch "$ARCH" --image-size "$SIZE" --epochs "$EPOCHS" --out "$OUT" --seed 0)

ips() {  # images/s of each epoch, from the run's metrics.csv
  "$PY" - "$1" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/metrics.csv")))
print(" ".join(f"{float(r['images_per_s']):.1f}" for r in rows), "| best val acc",
      f"{max(float(r['val_acc']) for r in rows):.2%}")
EOF
}

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores; bf16: $(grep -qw -e amx_bf16 -e avx512_bf16 /proc/cpuinfo && echo yes || echo no)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$ARCH ${SIZE}px, $EPOCHS epochs, global batch $BATCH, $DATA"

start=$(date +%s%N)
"$PY" -m core.cli train "$DATA" "${COMMON[@]}" --batch-size "$BATCH" --name one > "$OUT/one.log"
one_wall=$(( ($(date +%s%N) - start) / 1000000000 ))

start=$(date +%s%N)
OMP_NUM_THREADS=$THREADS "$PY" -m torch.distributed.run --nproc_per_node "$NPROC" --master_addr 127.0.0.1 \
  --master_port "${MASTER_PORT:-29533}" -m core.cli train "$DATA" "${COMMON[@]}" \
  --batch-size $(( BATCH / NPROC )) --name ddp > "$OUT/ddp.log" 2>&1
ddp_wall=$(( ($(date +%s%N) - start) / 1000000000 ))

if [ -n "${ALSO_ONE_THREAD:-}" ]; then  # tells the gain of processes from that of fewer threads per process
  OMP_NUM_THREADS=1 "$PY" -m core.cli train "$DATA" "${COMMON[@]}" --batch-size "$BATCH" --name one1 > "$OUT/one1.log"
  echo "1 process (1 thread):         train img/s per epoch: $(ips "$OUT/one1")"
fi
echo "1 process ($CORES threads):         train img/s per epoch: $(ips "$OUT/one")  (wall $one_wall s)"
echo "$NPROC processes x $THREADS thread(s), torchrun: train img/s per epoch: $(ips "$OUT/ddp")  (wall $ddp_wall s)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
