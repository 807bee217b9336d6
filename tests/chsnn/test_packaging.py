"""Packaging: the engine without torch, the chsnn command's one line when torch is missing or
too old, what pyproject.toml declares; the command's one-line notes and dataset warnings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from chsnn import entry

tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11's")

ROOT = Path(__file__).resolve().parents[2]

#: makes torch (and everything under it) unimportable, as in an environment without it
BLOCK_TORCH = textwrap.dedent("""
    import importlib.abc, sys

    class _NoTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _NoTorch())
    for _m in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        del sys.modules[_m]
""")


def _python(code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize("argv", [["methods"], ["train", "--out", "x"], ["datasets"], []])
def test_chsnn_without_torch_says_what_to_install(argv):
    line = _one_error_line(_python(BLOCK_TORCH + "from chsnn.entry import main\n"
                                   "sys.exit(main(sys.argv[1:]))", *argv))
    assert line.startswith("chsnn: error: the chsnn command needs PyTorch >= 2.1, which is not "
                           "installed: install the PyTorch build you want first (CPU: pip "
                           "install torch --index-url https://download.pytorch.org/whl/cpu")
    assert "pip install 'chsnn[torch]'" in line and "Traceback" not in line


def test_python_m_chsnn_and_the_script_without_torch(tmp_path):
    """``python -m chsnn`` and the installed ``chsnn`` script, torch blocked at start-up by a
    sitecustomize module."""
    (tmp_path / "sitecustomize.py").write_text(BLOCK_TORCH)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    commands = [[sys.executable, "-m", "chsnn", "methods"]]
    script = shutil.which("chsnn", path=str(Path(sys.executable).parent))
    if script is not None:
        commands.append([script, "models"])
    for cmd in commands:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=300)
        assert "needs PyTorch >= 2.1, which is not installed" in _one_error_line(proc)


def test_broken_or_old_torch_is_one_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(__version__="1.13.1+cu117"))
    assert entry.torch_problem().startswith(
        "the chsnn command needs PyTorch >= 2.1, found 1.13.1+cu117: install the PyTorch build")
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(__version__="2.13.0+cpu"))
    assert entry.torch_problem() is None
    monkeypatch.setitem(sys.modules, "torch", None)  # blocked: as not installed
    problem = entry.torch_problem()
    assert "PyTorch >= 2.1, which is not installed" in problem and "\n" not in problem


def test_torch_is_judged_without_importing_it(monkeypatch):
    """The version comes from the package metadata: importing torch here would load OpenMP
    before the entry point's OMP_WAIT_POLICY, and a second import of torch in one process
    crashes it."""
    import importlib.metadata

    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "2.0.1")
    assert "found 2.0.1" in entry.torch_problem()
    assert "torch" not in sys.modules


def test_a_torch_that_fails_to_load_is_one_line(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "cli":  # entry's "from .cli import main"
            raise ImportError("libtorch_cpu.so: cannot open shared object file", name="torch")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    assert entry.main(["methods"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be imported (libtorch_cpu.so" in err


def test_engine_and_data_work_without_torch():
    code = BLOCK_TORCH + textwrap.dedent("""
        import numpy as np
        import chgraph, chgraph.analysis, chgraph.checks, chgraph.evaluation, chgraph.evolution
        import chgraph.io, chgraph.cli
        from chsnn import data
        B = np.array([[1, 0], [1, 1]])
        assert chgraph.link_scores(B, "CH3-L3")[0, 1] == 1.0
        assert [i.name for i in data.available_datasets()][0] == "mnist5k"
        assert data.load_dataset("digits").n_classes == 10
        try:
            import snn_adapters
        except ImportError as exc:  # says torch is needed
            assert "torch" in str(exc)
        else:
            raise AssertionError("snn_adapters imported without torch")
        assert "torch" not in sys.modules
        print("ok")
    """)
    pytest.importorskip("sklearn")
    proc = _python(code)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_pyproject_declares_torch_only_as_an_extra():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [d.split(";")[0].split("[")[0].strip() for d in meta["dependencies"]]
    assert not any(n.startswith("torch") for n in names)
    extras = meta["optional-dependencies"]
    assert extras["torch"] == [f"torch>={'.'.join(map(str, entry.TORCH_MIN))}"]
    for name, reqs in extras.items():  # no other extra pulls a torch build on its own
        if name != "torch":
            assert not any(r.split("[")[0].startswith("torch") for r in reqs), name
    assert meta["scripts"] == {"chsnn": "chsnn.entry:main", "chgraph": "chgraph.cli:main"}


# --------------------------------------------------------------------------------------------
# one-line notes and warnings of the chsnn command

TINY = ["--dataset", "digits", "--epochs", "1", "--batch-size", "8", "--T", "2",
        "--hidden", "8", "--energy-samples", "8", "--device", "cpu", "--quiet", "--no-plots"]


def test_dense_ignores_sparsity_and_a_tiny_subset_warns(tmp_path, capsys):
    """``--method dense --sparsity`` says the sparsity is ignored; a subset with fewer samples
    than classes trains, with one warning line."""
    pytest.importorskip("sklearn")
    out = tmp_path / "dense"
    args = ["train", "--method", "dense", "--sparsity", "0.5", "--n-train", "6", "--n-test",
            "20", "--val-fraction", "0", *TINY, "--out", str(out)]
    assert entry.main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("chsnn: note: --sparsity is ignored by --method dense (every weight is "
                      "trained; report.json's target_sparsity is 0)")
    warned = [e for e in err if e.startswith("chsnn: warning: ")]
    assert len(warned) == 1 and warned[0].startswith(
        "chsnn: warning: digits: 10 classes, but the training split (6 samples) has no sample "
        "of 4 classes (")
    import json

    report = json.loads((out / "report.json").read_text())
    assert report["target_sparsity"] == 0.0 and report["sparsity_linear"] == 0.0


def test_dense_without_sparsity_is_silent(capsys, monkeypatch):
    entry._notes(["train", "--method", "dense"])
    entry._notes(["compare", "--methods", "dense,set", "--sparsity", "0.9"])
    entry._notes(["train", "--method", "set", "--sparsity", "0.9"])
    assert capsys.readouterr().err == ""
    entry._notes(["train", "--method=Dense", "--sparsity=0.9"])
    assert "ignored" in capsys.readouterr().err
    monkeypatch.setenv("RANK", "1")  # torchrun's other ranks stay quiet
    entry._notes(["train", "--method=Dense", "--sparsity=0.9"])
    assert capsys.readouterr().err == ""
