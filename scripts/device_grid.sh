#!/usr/bin/env bash
# The project's device check: one call of the `device` tool on a lent GPU machine (about 10
# minutes of its 15), prepared here so that a session with a device spends none of it typing.
#
#   1. the CUDA tests: sparse execution on CUDA (torch CSR backend), masked CUDA paths, bf16
#      autocast (tests/snn_adapters/test_cuda.py, the device-parametrised tests, -k cuda/bf16);
#   2. only with DEVICE_GRID_STUDY=1 (the three runs finished on CPUs on 2026-12-01, so a
#      session skips this unless it reruns them on purpose): the dense runs of the deep-network
#      study (4FC 784-1568x3-10 on Fashion-MNIST, 30 epochs, 3 seeds, the options chosen on
#      validation for dense), all seeds in parallel on the GPU. Their run directories
#      (configuration, report, log; no checkpoint) come back as one archive that joins
#      runs/study-fmnist-4fc here (benchmarks/study.py counts a finished run that differs only
#      in device / data path as the same experiment).
#
# Prepare here (once; the data and the tuning choices travel in .device/, ignored by git):
#   mkdir -p .device && cp /usr/share/datasets/fashion-mnist/* .device/ \
#     && cp runs/study-fmnist/tune.json .device/ && echo /.device/ >> .git/info/exclude
# Call (the device tool):  run(command="bash scripts/device_grid.sh", carry=[".device"],
#                              timeout_s=600)
# Back here:  tar -xzf <files_at>/dense4fc.tgz -C runs/study-fmnist-4fc, then the study's
#   final table with `python benchmarks/study.py ... --methods dense,set,rigl,chsnn --no-run`.
# Smoke test on a CPU (seconds): DEVICE_GRID_SMOKE=1 OUT=/tmp/grid bash scripts/device_grid.sh
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
OUT="${OUT:-/tmp/device-grid}"
mkdir -p "$OUT"
export PYTHONPATH="$root" PYTHONUNBUFFERED=1 NUMBA_CACHE_DIR=/tmp/numba-cache
py="${PYTHON:-python3}"
data="$root/.device"
study=/tmp/device-study
rm -rf "$study"
if [ "${DEVICE_GRID_SMOKE:-0}" = 1 ]; then  # the same steps, tiny, on this machine's CPU
    device=cpu; workers=1
    size=(--set n_train=200 --set n_test=100 --set epochs=1 --set T=2 --set hidden=32)
    tests=(-k "bf16_is_refused")
    tune="$OUT/tune.json"
    echo '{"best": {"dense": {"options": {"lr": 0.003, "lr_schedule": "cosine"}}}}' > "$tune"
    root_opt=()
else
    device=cuda; workers=3
    size=(--set epochs=30)
    tests=(-k "cuda or bf16")
    tune="$data/tune.json"
    root_opt=(--set "data_root=$data")
    nvidia-smi > "$OUT/gpu.txt" 2>&1
fi
"$py" -c "import torch, numba, scipy; print('torch', torch.__version__, 'cuda',
torch.cuda.is_available(), 'numba', numba.__version__)" 2>&1 | tee "$OUT/env.txt"

echo "== 1. CUDA tests"
timeout 240 "$py" -m pytest -q -p no:cacheprovider tests/snn_adapters/test_cuda.py \
    tests/snn_adapters/test_sparse_execution.py tests/chsnn/test_train.py "${tests[@]}" \
    2>&1 | tee "$OUT/cuda_tests.txt"

if [ "${DEVICE_GRID_STUDY:-0}" != 1 ] && [ "${DEVICE_GRID_SMOKE:-0}" != 1 ]; then
    echo "== 2. skipped (DEVICE_GRID_STUDY=1 runs the dense 4FC study)"
    ls -la "$OUT"
    exit 0
fi
echo "== 2. dense 4FC on Fashion-MNIST, seeds 0,1,2 in parallel"
timeout 330 "$py" benchmarks/study.py --out "$study" --name dense4fc --methods dense \
    --seeds 0,1,2 --best-from "$tune" --set model=4fc --set dataset=fashion-mnist \
    "${root_opt[@]}" --set sparsity=0.99 --set "device=$device" "${size[@]}" \
    --workers "$workers" --table "$OUT/dense4fc.md" 2>&1 | tee "$OUT/study.txt"
cp "$study/dense4fc.json" "$OUT/" 2>/dev/null
# every run directory (finished or not) without checkpoints, plots and topology
tar -czf "$OUT/dense4fc.tgz" -C "$study" --exclude checkpoint.pt --exclude plots \
    --exclude 'topology*' dense 2>/dev/null
ls -la "$OUT"
