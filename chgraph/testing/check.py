"""``check_link_predictor``: the properties of docs/method.md, section 2, run on anyone's link
predictor.

A link predictor here is a function ``fn(matrix) -> scores``: it reads a graph — by default a
dense float64 0/1 numpy array, a biadjacency ``B`` (``n_in x n_out``, rows = inputs) when
``bipartite=True`` or a symmetric adjacency otherwise — and returns one score per node pair,
an array (or scipy sparse matrix) of the same shape. :func:`check_link_predictor` runs each
property of :data:`PROPERTIES` as its own hypothesis test on generated graphs
(:mod:`chgraph.testing.strategies`) and reports every one that fails with the minimal
counterexample hypothesis shrank it to.

The module imports without hypothesis; calling :func:`check_link_predictor` needs it
(``pip install 'chsnn[testing]'``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["PROPERTIES", "check_link_predictor", "CheckReport", "PropertyResult",
           "Counterexample", "LinkPredictorCheckError"]

#: name -> what the property asks of a predictor, in the order they run
PROPERTIES = {
    "non_links": "scores only non-links: 0 at every existing link (and at a node and itself)",
    "finite": "every score is finite (no NaN, no infinity)",
    "non_negative": "no score is negative",
    "symmetric": "unipartite graphs: the score of (u, v) is the score of (v, u)",
    "permutation": "relabelling the nodes relabels the scores (permutation equivariance; the "
                   "reversed order, then a drawn one)",
    "transpose": "bipartite layers: the scores of B.T are the transposed scores of B",
    "isolated_node": "an isolated node added anywhere changes no other score",
    "disjoint_union": "local: the scores of a disjoint union are those of its parts, 0 across "
                      "(implies isolated_node)",
    "input_format": "the same scores from every accepted input format (chgraph.testing.formats)",
    "threads": "the same scores with 1 numba thread and with all of them",
    "reference": "equal to the reference predictor (given as reference=)",
}
_ONLY = {"symmetric": False, "transpose": True}  # property -> the one kind it applies to


@dataclass
class Counterexample:
    """The minimal example hypothesis found: the graph, the other draws, what went wrong."""

    graph: np.ndarray
    details: dict
    message: str
    bipartite: bool = True

    def __str__(self) -> str:
        lines = [self.message, f"minimal counterexample: {_describe(self.graph, self.bipartite)}"]
        for key, value in self.details.items():
            if isinstance(value, np.ndarray):
                lines.append(f"{key}: {_describe(value, self.bipartite)}")
            else:
                lines.append(f"{key}: {value}")
        return "\n".join(lines)


@dataclass
class PropertyResult:
    """One property's outcome: ``status`` is ``"passed"``, ``"failed"`` or ``"skipped"``."""

    name: str
    status: str
    message: str = ""
    counterexample: Counterexample | None = None

    def __str__(self) -> str:
        head = f"{self.name}: {self.status}"
        body = str(self.counterexample) if self.counterexample else self.message
        if not body:
            return head
        return head + "\n" + "\n".join("    " + line for line in body.splitlines())


@dataclass
class CheckReport:
    """What :func:`check_link_predictor` found, property by property.

    >>> CheckReport("f", [PropertyResult("finite", "passed")]).ok
    True
    """

    predictor: str
    results: list = field(default_factory=list)

    @property
    def passed(self) -> list[str]:
        return [r.name for r in self.results if r.status == "passed"]

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.results if r.status == "failed"]

    @property
    def skipped(self) -> list[str]:
        return [r.name for r in self.results if r.status == "skipped"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def __getitem__(self, name: str) -> PropertyResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    def __str__(self) -> str:
        n = len(self.results) - len(self.skipped)
        head = (f"{self.predictor}: {len(self.failed)} of {n} properties failed"
                if self.failed else f"{self.predictor}: all {n} properties hold")
        return "\n".join([head] + [str(r) for r in self.results])


class LinkPredictorCheckError(AssertionError):
    """Raised by :func:`check_link_predictor` when a property fails; ``report`` has it all."""

    def __init__(self, report: CheckReport):
        super().__init__(str(report))
        self.report = report


def check_link_predictor(fn, *, bipartite: bool = True, properties=None, skip=(),
                         reference=None, graphs=None, formats=None, rtol: float = 1e-9,
                         atol: float = 1e-12, max_examples: int | None = None, seed=None,
                         settings=None, raise_on_failure: bool = True) -> CheckReport:
    """Check that a link predictor has the properties it should, on generated graphs.

    Each selected property of :data:`PROPERTIES` runs as a hypothesis test; a failing one is
    reported with its minimal (shrunk) counterexample. In a pytest test, one call is the test:
    it raises :class:`LinkPredictorCheckError` (an ``AssertionError``) listing the failures.
    The predictor runs with one numba thread (the graphs are tiny, and a thread team costs
    more than it saves there), except in the ``threads`` property, which compares one thread
    with all of them.

    Parameters
    ----------
    fn : callable
        ``fn(matrix) -> scores``: a dense float64 0/1 array in (a biadjacency, or a symmetric
        adjacency if not ``bipartite``), an array of the same shape out. The
        ``input_format`` property also passes every format of :mod:`chgraph.testing.formats`.
    bipartite : bool
        Layers (default) or unipartite graphs.
    properties : iterable of str, optional
        The properties to run (default: all that apply to the kind of graph; ``reference``
        only when ``reference`` is given).
    skip : iterable of str
        Properties not to run: those the predictor does not promise (a global method is not
        local: ``skip=["disjoint_union"]``).
    reference : callable or str, optional
        The predictor ``fn`` must equal, same signature; a method name means its brute-force
        :func:`chgraph.testing.reference.scorer`.
    graphs : hypothesis strategy, optional
        Dense 0/1 matrices to check on (default :func:`~chgraph.testing.strategies.layers` or
        :func:`~chgraph.testing.strategies.graphs`); also the second part of a disjoint union.
    formats : iterable of str, optional
        The formats ``input_format`` passes (default all that chgraph accepts).
    rtol, atol : float
        Tolerance of every comparison of scores (:func:`numpy.isclose`).
    max_examples : int, optional
        Examples per property (default: that of the current hypothesis settings profile).
    seed : int, optional
        Makes the examples reproducible (the same examples and counterexamples on every run).
    settings : hypothesis.settings, optional
        Base settings (default: the current profile); the example database is never used.
    raise_on_failure : bool
        Raise :class:`LinkPredictorCheckError` if a property fails (default), or only return
        the report.

    Returns
    -------
    CheckReport

    Examples
    --------
    >>> import chgraph
    >>> def ch3(B):
    ...     return chgraph.link_scores(B, "CH3-L3")
    >>> report = check_link_predictor(ch3, reference="CH3-L3", max_examples=5, seed=0)
    >>> report.ok, len(report.passed)
    (True, 10)
    >>> def scores_links_too(B):
    ...     return chgraph.link_scores(B, "CH3-L3") + chgraph.as_layer(B).to_dense()
    >>> report = check_link_predictor(scores_links_too, properties=["non_links"], seed=0,
    ...                               max_examples=10, raise_on_failure=False)
    >>> print(report)
    scores_links_too: 1 of 1 properties failed
    non_links: failed
        scores the existing link (0, 0): 1.0
        minimal counterexample: 1 x 1 layer
        [[1]]
    """
    names = _select(bipartite, properties, skip, reference)
    if isinstance(reference, str):
        from .reference import scorer

        reference = scorer(reference, bipartite=bipartite)
    try:
        import hypothesis
    except ImportError as exc:
        raise ImportError("check_link_predictor needs hypothesis, which is not installed: "
                          "pip install 'chsnn[testing]' (or pip install hypothesis)") from exc
    from . import _properties, strategies

    if graphs is None:
        graphs = strategies.layers() if bipartite else strategies.graphs()
    if formats is not None:
        formats = _properties.formats_for(np.zeros((1, 1)), bipartite=bipartite,
                                          formats=formats)
    base = hypothesis.settings() if settings is None else settings
    run_settings = hypothesis.settings(
        base, database=None, deadline=None, report_multiple_bugs=False, print_blob=False,
        max_examples=base.max_examples if max_examples is None else max_examples,
        suppress_health_check=list(base.suppress_health_check) + [
            hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large])
    ctx = _properties.Context(fn, bipartite, rtol, atol, reference, formats, graphs)
    report = CheckReport(getattr(fn, "__name__", repr(fn)))
    with _properties.one_numba_thread():
        for name in PROPERTIES:
            if name not in names:
                continue
            why = names[name]
            if why:
                report.results.append(PropertyResult(name, "skipped", why))
                continue
            report.results.append(_run(name, _properties.FUNCTIONS[name], ctx, graphs,
                                       run_settings, seed, hypothesis))
    if raise_on_failure and not report.ok:
        raise LinkPredictorCheckError(report)
    return report


def _select(bipartite, properties, skip, reference) -> dict:
    """``{name: why skipped or ""}`` of the properties that apply, in :data:`PROPERTIES` order."""
    skip = _names([skip] if isinstance(skip, str) else skip)
    applies = {n for n in PROPERTIES if _ONLY.get(n, bipartite) == bipartite}
    if properties is None:
        chosen = applies - ({"reference"} if reference is None else set())
    else:
        chosen = _names([properties] if isinstance(properties, str) else properties)
        kind = "layers" if bipartite else "unipartite graphs"
        for n in chosen - applies:
            raise ValueError(f"property {n!r} does not apply to {kind}")
        if not chosen:
            raise ValueError("properties is empty: give at least one property name")
    if "reference" in chosen - skip and reference is None:
        raise ValueError("the property 'reference' needs reference=: a predictor or a method")
    out = {}
    for n in PROPERTIES:
        if n in skip & applies and (properties is None or n in chosen):
            out[n] = "skipped by the caller"
        elif n in chosen:
            out[n] = ""
    if "threads" in out and not out["threads"]:
        import numba

        if numba.config.NUMBA_NUM_THREADS < 2:
            out["threads"] = "numba has a single thread here (NUMBA_NUM_THREADS < 2)"
    return out


def _names(names) -> set:
    names = set(names)
    unknown = sorted(names - set(PROPERTIES))
    if unknown:
        raise ValueError(f"unknown properties {unknown}; known: {', '.join(PROPERTIES)}")
    return names


def _run(name, prop, ctx, graphs, run_settings, seed, hypothesis) -> PropertyResult:
    from hypothesis import strategies as st

    last = {}

    @run_settings
    @hypothesis.given(graphs, st.data())
    def test(M, data):
        last.clear()
        ctx.details = {}
        try:
            prop(ctx, M, data)
        except AssertionError as exc:
            last.update(graph=np.array(M), details=dict(ctx.details), message=str(exc),
                        bipartite=ctx.bipartite)
            raise

    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except (hypothesis.errors.InvalidArgument, hypothesis.errors.FailedHealthCheck):
        raise
    except Exception as exc:
        if not last:  # e.g. a failure that did not repeat on the same example
            return PropertyResult(name, "failed", f"{type(exc).__name__}: {exc}")
        return PropertyResult(name, "failed", last["message"], Counterexample(**last))
    return PropertyResult(name, "passed")


def _describe(M: np.ndarray, bipartite: bool) -> str:
    kind = "layer" if bipartite else "graph"
    rows = str(M.astype(np.int64).tolist()).replace("], [", "],\n [")
    return f"{M.shape[0]} x {M.shape[1]} {kind}\n{rows}"
