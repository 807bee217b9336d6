"""The notebooks in notebooks/ run from top to bottom with their small settings.

The committed notebooks hold the outputs of a full-size run (``scripts/execute_notebooks.py``);
here each notebook is executed again with nbclient in a temporary working directory, with
``CHSNN_NOTEBOOK_SMALL=1``, by a kernel that runs this very interpreter (a kernel spec written
to a temporary ``JUPYTER_PATH``), so the project and its dependencies are those under test. The
cell tagged ``results`` prints a JSON summary that the tests check.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip(
    "nbformat", reason="executing the notebooks needs nbformat (pip install -e '.[test]')")
nbclient = pytest.importorskip(
    "nbclient", reason="executing the notebooks needs nbclient (pip install -e '.[test]')")
pytest.importorskip(
    "ipykernel", reason="executing the notebooks needs ipykernel (pip install -e '.[test]')")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL = "chsnn-notebook-test"
TIMEOUT = 240  # seconds per cell


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory):
    """A kernel spec for ``sys.executable`` and the small settings, in the environment."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chsnn test kernel", "language": "python"}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(root / "runtime"))
        mp.setenv("CHSNN_NOTEBOOK_SMALL", "1")
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        mp.delenv("CHSNN_NOTEBOOK_RUNS", raising=False)
        if os.environ.get("NUMBA_CACHE_DIR"):  # the kernels run in other working directories
            mp.setenv("NUMBA_CACHE_DIR", os.path.abspath(os.environ["NUMBA_CACHE_DIR"]))
        yield


def execute(name: str, workdir: Path):
    """Run a notebook (plus one cell printing the kernel's interpreter) in ``workdir``."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:200]
        assert cell.execution_count is not None, cell.source[:200]
    kernel_python = "".join(o.get("text", "") for o in code[-1].outputs).strip()
    assert kernel_python == sys.executable  # the interpreter under test, not another Python
    return nb


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def results(nb) -> dict:
    """The JSON printed by the cell tagged ``results``."""
    cells = [c for c in nb.cells if "results" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    return json.loads(stdout(cells[0]))


def images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs)


#: what the results cell of each committed notebook says at full size (its parameters cell
#: without CHSNN_NOTEBOOK_SMALL): the committed copies are executed by
#: scripts/execute_notebooks.py, so a reader on a code host sees the figures and numbers
#: (a results key, its full-size value, the figures the notebook shows)
FULL_SIZE = {"01_evolved_topology.ipynb": ("epochs", 8, 5),
             "02_link_prediction.ipynb": ("n_repeats", 50, 1),
             "03_testing_link_predictors.ipynb": ("examples", 100, 0)}


@pytest.mark.parametrize("name", sorted(FULL_SIZE))
def test_notebooks_are_committed_executed_at_full_size(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    # run top to bottom in one session, every cell without an error
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source[:80]
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "CHSNN_NOTEBOOK_SMALL" in params[0].source
    key, value, figures = FULL_SIZE[name]
    assert results(nb)[key] == value  # the full settings, not the tests' small ones
    assert images(nb) >= figures
    assert nb.metadata["kernelspec"]["name"] == "python3"  # the reader's kernel, not ours


def test_evolved_topology_notebook(jupyter_env, tmp_path):
    nb = execute("01_evolved_topology.ipynb", tmp_path)
    r = results(nb)
    assert 0.0 <= r["test_accuracy"] <= 1.0
    assert r["epochs"] >= 1 and r["links"] > 0
    assert len(r["live_fraction"]) == r["epochs"] + 1  # one snapshot per epoch and the initial
    assert all(0.0 < v <= 1.0 for v in r["live_fraction"].values())
    assert len(r["turnover"]) == r["epochs"]
    assert all(0.0 <= v <= 1.0 for t in r["turnover"].values() for v in t.values())
    assert any(v > 0 for t in r["turnover"].values() for v in t.values())  # it did evolve
    for value in r["asi"].values():
        assert -1.0 <= value <= 1.0
    for fit in r["powerlaw_final"].values():
        assert fit["alpha"] > 1.0 and fit["verdict"]
    assert images(nb) >= 5  # degrees, pixel maps, live neurons, turnover, embedding
    run_dirs = list((tmp_path / "runs").glob("chsnn-3fc-*"))
    assert len(run_dirs) == 1 and (run_dirs[0] / "report.json").is_file()
    assert (run_dirs[0] / "topology" / "epoch_000.npz").is_file()


def test_link_prediction_notebook(jupyter_env, tmp_path):
    nb = execute("02_link_prediction.ipynb", tmp_path)
    r = results(nb)
    assert r["n_repeats"] == 3
    davis = r["Davis Southern Women"]
    assert {"CH3-L3", "CH2-L3", "RA-L3", "CN-L3", "CH3-L3n", "random"} <= set(davis)
    assert davis["CH3-L3"]["auroc_mean"] > 0.5
    assert davis["CH3-L3"]["aupr_mean"] > davis["random"]["aupr_mean"]
    for name in ("karate club", "Les Miserables"):
        assert "nx.adamic_adar_index" in r[name] and "CH3-L3" in r[name]
        assert r[name]["CH3-L3"]["auroc_mean"] > 0.5
        # the same score computed by chgraph and by networkx
        assert r[name]["RA-L2"]["aupr_mean"] == pytest.approx(
            r[name]["nx.resource_allocation_index"]["aupr_mean"])
    for network in (davis, r["karate club"], r["Les Miserables"]):
        for row in network.values():
            for metric in ("precision", "aupr", "auroc", "ndcg"):
                assert 0.0 <= row[f"{metric}_mean"] <= 1.0
    assert len(r["paired"]) >= 6 and all(p["vs"] != "random" for p in r["paired"])
    networks = set(r) - {"paired", "n_repeats"}
    assert {p["network"] for p in r["paired"] if p["method"] == "CH3-L3"} == networks
    assert images(nb) >= 1
    assert os.listdir(tmp_path) == []  # writes nothing


def test_testing_link_predictors_notebook(jupyter_env, tmp_path):
    nb = execute("03_testing_link_predictors.ipynb", tmp_path)
    r = results(nb)
    assert r["examples"] == 10
    ours = r["ours"]
    assert not ours["failed"] and "reference" in ours["passed"] and "input_format" in ours["passed"]
    assert r["networkx"]["failed"] == ["transpose"]  # it does not promise it
    assert r["networkx"]["counterexamples"]["transpose"]
    promised = r["networkx_promised"]
    assert not promised["failed"] and promised["skipped"] == ["transpose"]
    broken = r["broken"]
    assert broken["failed"] == ["non_links", "permutation"]
    assert broken["counterexamples"]["non_links"] == [[1]]  # shrunk to the smallest layer
    assert "fast_l3: 2 of 9 properties failed" in "".join(stdout(c) for c in nb.cells
                                                             if c.cell_type == "code")
    # no example database; hypothesis itself caches the constants of the source it reads
    assert set(os.listdir(tmp_path)) <= {".hypothesis"}
    assert not (tmp_path / ".hypothesis" / "examples").exists()
