#!/usr/bin/env bash
# Set up .venv (created or reused) and run the main job: CH-SNN at 99 % sparsity on the
# embedded mnist5k digits next to a dense run of the same 2FC spiking network; prints both
# accuracies, the sparsity and the energy ratio, and leaves the reports in runs/main-<time>/.
# Extra arguments go to `chsnn compare` (e.g. --epochs 5, --seeds 0,1,2, --methods ...).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup_env.sh"
cd "$root"
out="runs/main-$(date +%Y%m%d-%H%M%S)"
chsnn compare --methods chsnn,dense --seeds 0 --model 2fc --dataset mnist5k --sparsity 0.99 \
    --epochs 20 --out "$out" "$@"
echo "reports: $out/chsnn/seed0/report.md and $out/dense/seed0/report.md"
