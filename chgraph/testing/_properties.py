"""The properties of a link predictor, one function each (for ``check_link_predictor``).

A property function ``prop(ctx, M, data)`` checks one property on one generated dense 0/1
matrix ``M`` (a biadjacency, or a symmetric adjacency), draws what else it needs (a
permutation, a position, a second graph) from hypothesis' ``data``, records those draws in
``ctx.details`` for the report, and raises :class:`PropertyViolation` when the property fails.
``ctx`` is a :class:`Context`: the predictor, the kind of graph, the tolerances.

This module needs hypothesis.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from .formats import formats_for, to_format

__all__ = ["PropertyViolation", "Context", "FUNCTIONS"]


class PropertyViolation(AssertionError):
    """A property does not hold on the current example; the message says where."""


@dataclass
class Context:
    """What a property needs besides the example.

    >>> ctx = Context(lambda M: np.zeros(np.shape(M)), bipartite=True)
    >>> ctx.scores(np.ones((2, 3))).shape
    (2, 3)
    """

    fn: object
    bipartite: bool
    rtol: float = 1e-9
    atol: float = 1e-12
    reference: object = None
    formats: object = None
    second: object = None  # strategy of the second graph of a disjoint union
    details: dict = field(default_factory=dict)

    def scores(self, M, value=None, *, fn=None, who: str = "the predictor") -> np.ndarray:
        """``fn(value)`` (default: a float64 copy of ``M``) as float64 scores of ``M``'s shape."""
        fn = self.fn if fn is None else fn
        if value is None:
            value = np.array(M, dtype=np.float64)
        try:
            out = fn(value)
        except Exception as exc:
            raise PropertyViolation(f"{who} raised {type(exc).__name__}: {exc}") from exc
        return as_scores(out, np.shape(M), who)

    def assert_close(self, actual, expected, what: str) -> None:
        """Raise a :class:`PropertyViolation` naming the first entry that differs."""
        same = np.isclose(actual, expected, rtol=self.rtol, atol=self.atol, equal_nan=True)
        if not same.all():
            at = tuple(int(x) for x in np.argwhere(~same)[0])
            raise PropertyViolation(
                f"{what}: at {at} got {float(actual[at])!r}, expected {float(expected[at])!r}")


def as_scores(out, shape, who: str = "the predictor") -> np.ndarray:
    """A predictor's output as a float64 array of ``shape`` (scipy sparse is densified).

    >>> as_scores([[0, 1]], (1, 2))
    array([[0., 1.]])
    """
    if hasattr(out, "toarray") and callable(out.toarray):
        out = out.toarray()
    try:
        S = np.asarray(out)
        if S.dtype.kind not in "biuf":
            raise TypeError(f"dtype {S.dtype}")
        S = S.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise PropertyViolation(
            f"{who} returned {type(out).__name__}, not an array of real scores ({exc})") from exc
    if S.shape != tuple(shape):
        raise PropertyViolation(f"{who} returned scores of shape {S.shape} for a graph of "
                                f"shape {tuple(shape)}")
    return S


def _entry(S, mask, what):
    bad = np.argwhere(mask)
    if bad.size:
        at = tuple(int(x) for x in bad[0])
        raise PropertyViolation(f"{what} {at}: {float(S[at])!r}")


def non_links(ctx, M, data):
    S = ctx.scores(M)
    _entry(S, (M != 0) & (S != 0), "scores the existing link")
    if not ctx.bipartite:
        _entry(S, np.eye(len(M), dtype=bool) & (S != 0), "scores a node with itself:")


def finite(ctx, M, data):
    S = ctx.scores(M)
    _entry(S, ~np.isfinite(S), "a score that is not finite at")


def non_negative(ctx, M, data):
    S = ctx.scores(M)
    _entry(S, S < 0, "a negative score at")


def symmetric(ctx, M, data):
    S = ctx.scores(M)
    ctx.assert_close(S, S.T, "S[u, v] != S[v, u]")


def permutation(ctx, M, data):
    """The reversed order first (every list of neighbours comes the other way round: a
    predictor that reads the first neighbour reads the last, on any example where a node has
    two), then a drawn one."""
    n_in, n_out = M.shape
    S = ctx.scores(M)
    drawn_p = np.array(data.draw(st.permutations(range(n_in))), dtype=np.int64)
    drawn_q = (np.array(data.draw(st.permutations(range(n_out))), dtype=np.int64)
               if ctx.bipartite else drawn_p)
    for kind, p, q in (("reversed", np.arange(n_in)[::-1], np.arange(n_out)[::-1]),
                       ("drawn", drawn_p, drawn_q)):
        if ctx.bipartite:
            ctx.details["new order of the inputs (rows)"] = p.tolist()
            ctx.details["new order of the outputs (columns)"] = q.tolist()
        else:
            ctx.details["new order of the nodes"] = p.tolist()
        ctx.assert_close(ctx.scores(M[p][:, q]), S[p][:, q],
                         f"the scores of the relabelled graph ({kind} order) are not the "
                         "relabelled scores")


def transpose(ctx, M, data):
    ctx.assert_close(ctx.scores(M.T), ctx.scores(M).T,
                     "the scores of B.T are not the transposed scores of B")


def isolated_node(ctx, M, data):
    S = ctx.scores(M)
    if ctx.bipartite:
        side = data.draw(st.sampled_from(["input", "output", "input and output"]))
        r = data.draw(st.integers(0, M.shape[0])) if "input" in side else None
        c = data.draw(st.integers(0, M.shape[1])) if "output" in side else None
        M2 = M if r is None else np.insert(M, r, 0, axis=0)
        M2 = M2 if c is None else np.insert(M2, c, 0, axis=1)
        ctx.details["isolated node added"] = (f"{side}: " + ", ".join(
            f"{what} {at}" for what, at in (("row", r), ("column", c)) if at is not None))
        S2 = ctx.scores(M2)
        S2 = S2 if r is None else np.delete(S2, r, axis=0)
        S2 = S2 if c is None else np.delete(S2, c, axis=1)
    else:
        r = data.draw(st.integers(0, len(M)))
        ctx.details["isolated node added"] = f"node {r}"
        S2 = ctx.scores(np.insert(np.insert(M, r, 0, axis=0), r, 0, axis=1))
        S2 = np.delete(np.delete(S2, r, axis=0), r, axis=1)
    ctx.assert_close(S2, S, "with the isolated node, the score of another pair changed")


def disjoint_union(ctx, M, data):
    M2 = data.draw(ctx.second)
    ctx.details["second part"] = M2
    (r1, c1), (r2, c2) = M.shape, M2.shape
    U = np.zeros((r1 + r2, c1 + c2), dtype=M.dtype)
    U[:r1, :c1] = M
    U[r1:, c1:] = M2
    S = ctx.scores(U)
    ctx.assert_close(S[:r1, :c1], ctx.scores(M),
                     "the scores of the union differ from those of the first part")
    ctx.assert_close(S[r1:, c1:], ctx.scores(M2),
                     "the scores of the union differ from those of the second part")
    across = np.zeros(S.shape, dtype=bool)
    across[:r1, c1:] = across[r1:, :c1] = True
    _entry(S, across & (S != 0), "a score between the parts (not local) at")


def input_format(ctx, M, data):
    S = ctx.scores(M)
    for name in formats_for(M, bipartite=ctx.bipartite, formats=ctx.formats):
        ctx.details["format"] = name
        value = to_format(M, name, bipartite=ctx.bipartite, seed=0)
        got = ctx.scores(M, value, who=f"the predictor, given the {name!r} format,")
        ctx.assert_close(got, S, f"the {name!r} format gives other scores than float64")
    ctx.details.pop("format", None)


@contextmanager
def one_numba_thread():
    """Run the block with one numba thread, then restore the count."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def threads(ctx, M, data):
    import numba

    with one_numba_thread():
        one = ctx.scores(M)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        ctx.details["numba threads"] = f"1 and {numba.config.NUMBA_NUM_THREADS}"
        many = ctx.scores(M)
    ctx.assert_close(many, one, "the scores depend on the number of threads")


def reference(ctx, M, data):
    ctx.assert_close(ctx.scores(M), ctx.scores(M, fn=ctx.reference, who="the reference"),
                     "differs from the reference")


#: property name -> function, in the order they are run and reported
FUNCTIONS = {
    "non_links": non_links,
    "finite": finite,
    "non_negative": non_negative,
    "symmetric": symmetric,
    "permutation": permutation,
    "transpose": transpose,
    "isolated_node": isolated_node,
    "disjoint_union": disjoint_union,
    "input_format": input_format,
    "threads": threads,
    "reference": reference,
}
