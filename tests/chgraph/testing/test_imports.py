"""chgraph.testing never imports torch, and imports hypothesis only where it is needed."""

import subprocess
import sys

NO_TORCH = """
import sys
sys.modules["torch"] = None          # any 'import torch' now raises ImportError
import numpy as np
import chgraph, chgraph.testing
from chgraph.testing import check_link_predictor, formats, reference, strategies
from chgraph.testing import _properties, check
report = check_link_predictor(lambda B: chgraph.link_scores(B), reference="CH3-L3",
                              max_examples=3, formats=["csr_array"])
assert report.ok, report
print("ok", sys.modules["torch"] is not None)
"""

NO_HYPOTHESIS = """
import sys
sys.modules["hypothesis"] = None     # as if hypothesis were not installed
import numpy as np
import chgraph.testing
from chgraph.testing import check_link_predictor, formats, reference
assert reference.bipartite_scores(np.array([[1, 0], [1, 1]]), "CH3-L3")[0, 1] == 1.0
assert len(formats.all_formats(np.eye(2))) > 30
for attempt in ("from chgraph.testing import strategies",
                "chgraph.testing.strategies",
                "check_link_predictor(lambda B: B)"):
    try:
        eval(compile(attempt, "<test>", "exec"))
    except ImportError as exc:
        assert "pip install 'chsnn[testing]'" in str(exc), exc
    else:
        raise AssertionError(attempt + " worked without hypothesis")
print("ok")
"""


def run(code):
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip()


def test_runs_without_torch():
    assert run(NO_TORCH) == "ok False"


def test_imports_without_hypothesis():
    assert run(NO_HYPOTHESIS) == "ok"
