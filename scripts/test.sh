#!/usr/bin/env bash
# Set up .venv (created or reused) and run the lint and the whole test suite.
# HYPOTHESIS_PROFILE=thorough scripts/test.sh runs the property tests with many more examples.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup_env.sh"
cd "$root"
ruff check .
python -m pytest "$@"
