"""Every public function of chgraph shows a runnable ``>>>`` example (issue #15).

The examples themselves run as doctests (``--doctest-modules`` in pyproject.toml); this test
only checks that none is missing. Public means: in the ``__all__`` of a public module (no path
component starting with ``_``) and defined in that module (re-exports are checked where they
are defined). The subcommand modules ``chgraph.cli.*`` are skipped: their ``add_parser`` and
``run`` are the command's plumbing, documented by ``chgraph COMMAND --help``; the package
``chgraph.cli`` itself (``main``, ``build_parser``) is checked.

Classes are exempt: they are mostly result containers (``HoldoutSplit``, ``PowerLawFit``,
``EvolutionResult``, ...) or documented with examples on their methods (``BipartiteLayer``,
``Graph``, ``CandidateLinks``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import chgraph


def _skipped(name: str) -> bool:
    parts = name.split(".")
    return any(p.startswith("_") for p in parts) or name.startswith("chgraph.cli.")


def public_modules() -> list:
    names = ["chgraph"] + [m.name for m in pkgutil.walk_packages(chgraph.__path__, "chgraph.")]
    return [importlib.import_module(n) for n in sorted(names) if not _skipped(n)]


def public_objects(predicate) -> list[tuple[str, object]]:
    """``(qualified name, object)`` of every ``__all__`` entry defined in its module."""
    found = []
    for module in public_modules():
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if predicate(obj) and getattr(obj, "__module__", None) == module.__name__:
                found.append((f"{module.__name__}.{attr}", obj))
    return found


def test_modules_are_found():
    names = {m.__name__ for m in public_modules()}
    assert {"chgraph", "chgraph.io.files", "chgraph.evolution.regrowth", "chgraph.cli"} <= names
    assert not any(n.startswith("chgraph.cli.") or "._" in n for n in names)


def test_every_public_function_has_an_example():
    # 126 functions checked when this was written; the 24 public classes are exempt.
    functions = public_objects(inspect.isfunction)
    assert len(functions) > 50  # the walk found the package
    missing = sorted(name for name, f in functions if ">>>" not in (inspect.getdoc(f) or ""))
    assert not missing, (
        f"{len(missing)} public function(s) without a '>>>' example:\n  " + "\n  ".join(missing)
    )

