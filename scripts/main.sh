#!/usr/bin/env bash
# Set up .venv (created or reused) and run the main job.
# Until the chsnn training command lands, the main job is the engine demo (link prediction,
# topology evolution).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup_env.sh"
cd "$root"
python examples/demo_link_prediction.py "$@"
