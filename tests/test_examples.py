"""The examples run as a user runs them; the README quotes the adapter quickstart verbatim."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "adapter_quickstart.py"

pytest.importorskip("sklearn", reason="the tiny quickstart trains on scikit-learn's digits")


def test_adapter_quickstart_runs_learns_and_is_reproducible():
    proc = subprocess.run([sys.executable, str(QUICKSTART), "--tiny"], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == ["epoch 1", "epoch 2", "epoch 3"]
    last = re.fullmatch(r"fc1 sparsity 90\.00 % \((\d+) links, fingerprint ([0-9a-f]{12})\), "
                        r"live hidden neurons [\d.]+ %, test accuracy ([\d.]+) %", lines[-1])
    assert last, lines[-1]
    links, fingerprint, accuracy = int(last[1]), last[2], float(last[3])
    assert links == round(0.1 * 64 * 128) and accuracy > 30.0  # chance: 10 %
    # seed= reproduces the masks (and everything else): the same run in this process
    again = runpy.run_path(str(QUICKSTART))["main"](["--tiny"])
    assert again["fingerprint"] == fingerprint and again["links"] == links
    assert f"{100 * again['accuracy']:.2f}" == last[3]
    other = runpy.run_path(str(QUICKSTART))["main"](["--tiny", "--seed", "1"])
    assert other["fingerprint"] != fingerprint


def test_readme_quotes_the_quickstart_verbatim():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    script = QUICKSTART.read_text()
    code = script[script.index('"""\n\n', 3) + 5:]  # everything after the module docstring
    assert code in blocks, "README.md must show examples/adapter_quickstart.py's code verbatim"
