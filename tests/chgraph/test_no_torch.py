"""chgraph never imports torch: every subpackage imports and works with torch blocked."""

import subprocess
import sys

CODE = """
import sys
sys.modules["torch"] = None          # any 'import torch' now raises ImportError
import numpy as np
import chgraph
from chgraph import analysis, evaluation, evolution, io, linkpred
from chgraph.cli import main
layer = chgraph.BipartiteLayer(np.eye(3, dtype=bool) | np.eye(3, k=1, dtype=bool))
assert chgraph.link_scores(layer, "CH3-L3").shape == (3, 3)
assert analysis.summary(layer)["n_links"] == 5
print("ok", "torch" in sys.modules and sys.modules["torch"] is not None)
"""


def test_chgraph_imports_and_runs_without_torch():
    res = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok False"
