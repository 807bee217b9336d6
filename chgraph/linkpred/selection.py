"""Selecting candidate links without a dense score matrix: top-k and weighted sampling.

Both functions stream the scores row block by row block (a few MB at a time) and keep only
``O(k)`` candidates, so a layer of any size can be handled in bounded memory; on a large layer
with few links they enumerate only the candidates joined by a path (the positive scores), so
time follows the links, the paths and ``k`` (:class:`CandidateLinks`, ``engine="sparse"``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .. import checks
from ..checks import as_rng
from ..graph import as_graph, as_layer, csr_row_indices
from .registry import get_predictor
from .sampling import StreamingTopK, top_k_flat, uniform_sample, weighted_sample
from .scores import (
    BipartiteScorer,
    UnipartiteScorer,
    internal_degree_code,
    node_based_scores,
    positive_scores,
)

__all__ = ["top_k_links", "sample_links", "CandidateLinks"]

#: Scores held in memory at once while streaming (float64 entries per block).
BLOCK_ENTRIES = 1 << 21
#: Largest layer (entries) that ``engine="auto"`` scores at once (64 MiB of float64).
DENSE_ENTRIES = 1 << 23
#: ``engine="auto"`` follows the paths (``"sparse"``) when the allowed pairs of a layer
#: outnumber this many times its L3 walks plus links.
SPARSE_RATIO = 16
ENGINES = ("auto", "dense", "stream", "sparse")


def top_k_links(matrix, k: int, method: str = "CH3-L3", *, bipartite: bool = True,
                ties: str = "index", allowed_rows=None, allowed_cols=None,
                internal_degree: str = "path", engine: str = "auto", progress=None):
    """The ``k`` best-scoring candidate links, in memory bounded by ``k`` if need be.

    Candidates are the non-links: pairs ``(i, o)`` with ``B[i, o] = 0`` of a layer (restricted
    to ``allowed_rows`` x ``allowed_cols`` when given), or the non-adjacent pairs ``u < v`` of
    a unipartite graph. Zero-score candidates count: if fewer than ``k`` candidates have a
    positive score, the tie-break decides among the zeros.

    Parameters
    ----------
    matrix : layer or graph input
        Anything :func:`chgraph.link_scores` accepts.
    k : int
        Number of links to return; at most the number of candidates.
    method : str
        A predictor name (see :func:`chgraph.available_predictors`).
    bipartite : bool
        Read ``matrix`` as a bipartite layer (default) or a unipartite graph.
    ties : {"index", "all"}
        ``"index"`` (default): equal scores are ordered by row, then column, ascending, and
        exactly ``k`` links are returned. ``"all"``: every candidate whose score equals the
        k-th best score is returned too (so possibly more than ``k``).
    allowed_rows, allowed_cols : bool array, optional
        Layers: masks of the inputs and outputs a candidate may join (for example the live
        neurons). Unipartite graphs: masks of nodes; a pair ``{u, v}`` is a candidate when
        one end is in ``allowed_rows`` (the seed nodes) and the other in ``allowed_cols``
        (default: every node), e.g. ``allowed_rows=mask`` alone asks for the new links of
        the masked nodes, both equal to ``mask`` for links inside it. Only the seeds' paths
        are visited. A pair is scored from its smaller node when both ends are seeds, else
        from its seed (the same sum in another order: equal to :func:`chgraph.link_scores`
        up to rounding).
    internal_degree : {"path", "community"}
        See :func:`chgraph.link_scores`.
    engine : {"auto", "dense", "stream", "sparse"}
        ``"dense"`` scores the whole layer at once (``n_in x n_out`` float64; fastest),
        ``"stream"`` in blocks of :data:`BLOCK_ENTRIES` keeping ``O(k)`` candidates (bounded
        memory), ``"sparse"`` only the candidates joined by an L3 path, the zero-score rest in
        index order without enumerating it (time follows the links, the paths and ``k``);
        ``"auto"`` is dense up to :data:`DENSE_ENTRIES` entries, else sparse on a layer with
        few paths for its size (:data:`SPARSE_RATIO`), else stream (see
        :class:`CandidateLinks`). Unipartite graphs always follow the paths ("sparse" and
        "stream" are the same there), seed by seed: only the pairs joined by a path are
        enumerated (they are the positive-score candidates), so time follows the paths, and
        memory is ``O(n + m)`` per thread plus ``O(k)``: each thread keeps the best ``k``
        candidates of its seeds behind a running threshold (``ties="all"``: a second pass
        with the k-th score as the threshold keeps its ties too). All engines are exact;
        for one seed they draw different samples.
    progress : callable, optional
        Called as ``progress(done, total)`` after each block of seeds or rows (e.g. to draw a
        progress bar).

    Returns
    -------
    rows, cols : numpy.ndarray of int64
    scores : numpy.ndarray of float64
        Ordered by score, descending, then by ``(row, col)`` ascending.

    Examples
    --------
    >>> import numpy as np
    >>> from chgraph import top_k_links
    >>> B = np.ones((3, 4)); B[0, 0] = B[2, 3] = 0
    >>> rows, cols, scores = top_k_links(B, 1)
    >>> rows.tolist(), cols.tolist()
    ([0], [0])

    On a graph (pairs ``u < v``; ``allowed_rows``: only the new links of node 4):

    >>> import networkx as nx
    >>> rows, cols, scores = top_k_links(nx.path_graph(5), 2, "CN-L3", bipartite=False)
    >>> list(zip(rows.tolist(), cols.tolist()))
    [(0, 3), (1, 4)]
    >>> seeds = np.zeros(5, bool); seeds[4] = True
    >>> top_k_links(nx.path_graph(5), 1, "CN-L3", bipartite=False, allowed_rows=seeds)[:2]
    (array([1]), array([4]))
    """
    if ties not in ("index", "all"):
        raise ValueError(f"ties must be 'index' or 'all', got {ties!r}")
    cands = CandidateLinks(matrix, method, bipartite=bipartite, internal_degree=internal_degree,
                           allowed_rows=allowed_rows, allowed_cols=allowed_cols)
    flat, scores = cands.top_k(k, ties=ties, engine=engine, progress=progress)
    rows, cols = np.divmod(flat, cands.n_cols)
    return rows, cols, scores


def sample_links(matrix, k: int, method: str = "CH3-L3", *, rng, bipartite: bool = True,
                 zero_scores: str = "error", allowed_rows=None, allowed_cols=None,
                 internal_degree: str = "path", engine: str = "auto", progress=None):
    """Sample ``k`` candidate links without replacement, with probability proportional to score.

    The result has the distribution of ``k`` successive draws, each proportional to score
    among the candidates not drawn yet (the soft rule of CHTs/CH-SNN regrowth). It is
    computed on the dense scores by exact successive draws (with replacement, repeats
    redrawn: :func:`chgraph.linkpred.sampling.weighted_sample`), or, streaming, in one pass
    with the exponential-keys method of Efraimidis and Spirakis: each positive candidate gets
    the key ``log(U) / score``, ``U ~ Uniform(0, 1]``, and the ``k`` largest keys win. The
    random numbers are drawn in a fixed order, so the same ``rng`` state gives the same links,
    whatever the thread count.

    Parameters
    ----------
    matrix, method, bipartite, allowed_rows, allowed_cols, internal_degree
        As in :func:`top_k_links`.
    k : int
        Number of links; at most the number of candidates.
    rng : numpy.random.Generator or int
        The random generator, or a seed for :func:`numpy.random.default_rng`.
    zero_scores : {"error", "uniform"}
        What to do when fewer than ``k`` candidates have a positive score: raise a
        ``ValueError`` (default), or draw the shortfall uniformly among the zero-score
        candidates (they are returned last, with score 0).
    engine, progress
        As in :func:`top_k_links`. On a unipartite graph the uniform number of each
        positive candidate is a hash (splitmix64) of one number drawn from ``rng`` and of the
        pair, so the sample does not depend on the order in which seeds are visited; the
        zero-score fill is drawn by rejection, without enumerating the zero-score candidates.

    Returns
    -------
    rows, cols : numpy.ndarray of int64
    scores : numpy.ndarray of float64
        In the order of the successive draws.

    Examples
    --------
    >>> import numpy as np
    >>> from chgraph import sample_links
    >>> B = np.ones((3, 4)); B[0, 0] = B[2, 3] = 0
    >>> rows, cols, scores = sample_links(B, 2, rng=0)
    >>> sorted(zip(rows.tolist(), cols.tolist()))
    [(0, 0), (2, 3)]
    >>> import networkx as nx
    >>> rows, cols, scores = sample_links(nx.path_graph(6), 4, "CN-L3", rng=0, bipartite=False,
    ...                                   zero_scores="uniform")
    >>> scores.tolist()[:3], bool(scores[3] == 0.0)   # 3 pairs at distance 3, then a zero
    ([1.0, 1.0, 1.0], True)

    References
    ----------
    P. S. Efraimidis, P. G. Spirakis, "Weighted random sampling with a reservoir",
    Information Processing Letters 97 (2006) 181-185.
    """
    if zero_scores not in ("error", "uniform"):
        raise ValueError(f"zero_scores must be 'error' or 'uniform', got {zero_scores!r}")
    rng = as_rng(rng)
    cands = CandidateLinks(matrix, method, bipartite=bipartite, internal_degree=internal_degree,
                           allowed_rows=allowed_rows, allowed_cols=allowed_cols)
    flat, scores = cands.sample(k, rng, zero_scores=zero_scores, engine=engine,
                                progress=progress)
    rows, cols = np.divmod(flat, cands.n_cols)
    return rows, cols, scores


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------
def _check_k(k, n_candidates: int) -> int:
    k = checks.integer("k", k, low=0)
    if k > n_candidates:
        raise ValueError(f"k={k} is larger than the number of candidate links ({n_candidates})")
    return k


def _check_mask(mask, n: int, name: str) -> np.ndarray | None:
    if mask is None:
        return None
    arr = np.asarray(mask)
    if arr.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean mask, got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


class CandidateLinks:
    """The candidate links of a layer or graph for one predictor, counted once, selected by
    :meth:`top_k` or :meth:`sample` (what :func:`top_k_links` and :func:`sample_links` do).

    Candidates of a layer are its non-links ``(i, o)`` with ``allowed_rows[i]`` and
    ``allowed_cols[o]``; of a graph, its allowed non-adjacent pairs ``u < v`` (see
    :func:`top_k_links`). Links are flat indices ``row * n_cols + col`` (``n_cols``: the
    layer's ``n_out``, the graph's ``n_nodes``). The scorer is built on first use, so a
    candidate count alone costs ``O(links)``.

    Engines (bipartite layers): ``"dense"`` scores the whole layer at once; ``"stream"``
    enumerates every candidate in blocks (bounded memory, time ``n_in x n_out``);
    ``"sparse"`` enumerates only the positive-score candidates, following the L3 paths
    (:func:`chgraph.linkpred.scores.positive_scores`), and the zero-score ones without
    enumerating them (the first ones in index order for :meth:`top_k`, a uniform draw by
    rejection for :meth:`sample`), so time follows the links, the paths and ``k``.
    ``"auto"``: dense up to :data:`DENSE_ENTRIES` entries, else sparse when the allowed
    pairs outnumber :data:`SPARSE_RATIO` times the L3 walks and links, else stream. The
    engines select the same links (top-k, up to the rounding of the scores) or the same
    distribution (sampling: distinct random streams). Graphs always follow the paths.

    >>> import numpy as np
    >>> cands = CandidateLinks(np.eye(3), "CN-L3")
    >>> cands.n_candidates
    6
    >>> flat, scores = cands.top_k(2)
    >>> flat.tolist(), scores.tolist()
    ([1, 2], [0.0, 0.0])
    """

    def __init__(self, matrix, method: str = "CH3-L3", *, bipartite: bool = True,
                 internal_degree: str = "path", allowed_rows=None, allowed_cols=None) -> None:
        predictor = get_predictor(method, bipartite)
        self._internal = internal_degree_code(internal_degree)
        self.predictor = predictor
        self.method = predictor.name
        self.bipartite = bipartite
        self._scorer = None
        self._walks = None
        if bipartite:
            layer = as_layer(matrix)
            n_in, n_out = layer.shape
            self.layer = layer
            self.n_cols = n_out
            self.allowed_rows = _check_mask(allowed_rows, n_in, "allowed_rows")
            self.allowed_cols = _check_mask(allowed_cols, n_out, "allowed_cols")
            self.n_candidates = layer.n_non_links(self.allowed_rows, self.allowed_cols)
        else:
            graph = as_graph(matrix)
            self.graph = graph
            n = graph.n_nodes
            self.n_cols = n
            self.allowed_rows = _check_mask(allowed_rows, n, "allowed_rows")
            self.allowed_cols = _check_mask(allowed_cols, n, "allowed_cols")
            self.n_candidates = _unipartite_candidates(graph, self.allowed_rows,
                                                       self.allowed_cols)

    @property
    def scorer(self):
        """The :class:`~chgraph.linkpred.scores.BipartiteScorer` or ``UnipartiteScorer``."""
        if self._scorer is None:
            if self.bipartite:
                self._scorer = BipartiteScorer(self.layer, self.predictor)
            else:
                self._scorer = UnipartiteScorer(self.graph, self.predictor, self._internal)
        return self._scorer

    # -- the two selections --------------------------------------------------------------------
    def top_k(self, k: int, *, ties: str = "index", engine: str = "auto", progress=None):
        """``(flat, scores)`` of the ``k`` best candidates, as :func:`top_k_links`.

        >>> CandidateLinks(np.ones((2, 2)) - np.eye(2), "CN-L3").top_k(1)[0].tolist()
        [0]
        """
        if ties not in ("index", "all"):
            raise ValueError(f"ties must be 'index' or 'all', got {ties!r}")
        k = _check_k(k, self.n_candidates)
        engine = self.engine_for(engine)
        if engine == "dense":
            return self._dense_top_k(k, ties, progress)
        if not self.bipartite:
            return _unipartite_top_k(self, k, ties, progress)
        if engine == "sparse":
            return self._sparse_top_k(k, ties, progress)
        best = StreamingTopK(k, keep_ties=ties == "all")
        for flat, scores in self._bipartite_blocks(True, progress):
            best.push(scores, flat)
        scores, flat, _ = best.result()
        return flat, scores

    def sample(self, k: int, rng, *, zero_scores: str = "error", engine: str = "auto",
               progress=None):
        """``(flat, scores)`` of ``k`` candidates drawn as :func:`sample_links` draws them.

        >>> flat, scores = CandidateLinks(np.eye(2), "CN-L3").sample(2, 0, zero_scores="uniform")
        >>> sorted(flat.tolist()), scores.tolist()
        ([1, 2], [0.0, 0.0])
        """
        if zero_scores not in ("error", "uniform"):
            raise ValueError(f"zero_scores must be 'error' or 'uniform', got {zero_scores!r}")
        rng = as_rng(rng)
        k = _check_k(k, self.n_candidates)
        engine = self.engine_for(engine)
        if engine == "dense":
            return self._dense_sample(k, rng, zero_scores, progress)
        if not self.bipartite:
            return _unipartite_sample(self, k, rng, zero_scores, progress)
        if engine == "sparse":
            return self._sparse_sample(k, rng, zero_scores, progress)
        weighted = StreamingTopK(k)
        n_positive = 0
        for flat, scores in self._bipartite_blocks(True, progress):
            pos = scores > 0.0
            n = int(pos.sum())
            n_positive += n
            if n:
                u = 1.0 - rng.random(n)  # in (0, 1]
                weighted.push(np.log(u) / scores[pos], flat[pos], scores[pos])
        _, flat, picked = weighted.result()
        if n_positive < k:
            if zero_scores == "error":
                raise ValueError(self.shortfall_message(n_positive, k))
            # every positive candidate is taken; a second pass, without scores, draws the rest
            positive = np.sort(flat)
            fill = StreamingTopK(k - n_positive)
            for cand, _ in self._bipartite_blocks(False):
                zero = cand[~np.isin(cand, positive, assume_unique=True)]
                fill.push(rng.random(zero.size), zero)
            _, extra, _ = fill.result()
            flat = np.concatenate([flat, extra])
            picked = np.concatenate([picked, np.zeros(extra.size)])
        return flat, picked

    def engine_for(self, engine: str) -> str:
        """The engine that ``engine`` (``"auto"`` included) means here.

        >>> CandidateLinks(np.eye(3)).engine_for("auto")
        'dense'
        """
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        if not self.bipartite:
            if engine == "dense":
                raise ValueError("engine='dense' applies to bipartite layers only")
            return "stream"
        if engine != "auto":
            return engine
        n_in, n_out = self.layer.shape
        if n_in * n_out <= DENSE_ENTRIES:
            return "dense"
        ar, ac = self._allowed()
        area = float(np.count_nonzero(ar)) * float(np.count_nonzero(ac))
        work = float(self._row_walks()[ar].sum()) + self.layer.n_links
        return "sparse" if area > SPARSE_RATIO * work else "stream"

    def shortfall_message(self, n_positive: int, k: int) -> str:
        """The error of a sample that needs more positive-score candidates than there are."""
        return (
            f"only {n_positive} candidate(s) have a positive {self.method} score, fewer than "
            f"k={k}; pass zero_scores='uniform' to draw the rest uniformly among the "
            "zero-score candidates, or use top_k_links"
        )

    # -- dense ---------------------------------------------------------------------------------
    def _dense_scores(self) -> np.ndarray:
        """Dense scores in the layer's orientation (C order), 0 off the allowed rows/cols
        (and, as always, at links): the positive entries are candidates."""
        scores = np.ascontiguousarray(self.scorer.all())
        if self.allowed_rows is not None:
            scores[~self.allowed_rows, :] = 0.0
        if self.allowed_cols is not None:
            scores[:, ~self.allowed_cols] = 0.0
        return scores

    def _allowed(self):
        n_in, n_out = self.layer.shape
        ar = np.ones(n_in, bool) if self.allowed_rows is None else self.allowed_rows
        ac = np.ones(n_out, bool) if self.allowed_cols is None else self.allowed_cols
        return ar, ac

    def _dense_top_k(self, k: int, ties: str, progress=None):
        scores = self._dense_scores()
        ar, ac = self._allowed()
        cand = ar[:, None] & ac[None, :]
        cand.flat[self.layer.flat_links()] = False
        flat = np.flatnonzero(cand)  # ascending: position order is index order
        vals = scores.ravel()[flat]
        sel = top_k_flat(vals, k)
        if ties == "all" and k:
            extra = np.flatnonzero(vals == vals[sel[-1]])
            sel = np.concatenate([sel, np.setdiff1d(extra, sel, assume_unique=True)])
        if progress is not None:
            progress(1, 1)
        return flat[sel], vals[sel]

    def _dense_sample(self, k: int, rng, zero_scores: str, progress=None):
        w = self._dense_scores().ravel()
        picked = weighted_sample(w, k, rng, short_ok=True)
        if picked is None:
            positive = np.flatnonzero(w > 0.0)
            if zero_scores == "error":
                raise ValueError(self.shortfall_message(positive.size, k))
            picked = positive[weighted_sample(w[positive], positive.size, rng)]
            picked = np.concatenate([picked, self._uniform_zeros(k - picked.size, picked, rng)])
        if progress is not None:
            progress(1, 1)
        return picked, w[picked]

    def _uniform_zeros(self, need: int, positive: np.ndarray, rng) -> np.ndarray:
        """``need`` zero-score candidates, uniformly without replacement (every candidate not
        in ``positive``): :func:`~chgraph.linkpred.sampling.uniform_sample`, by rejection
        unless the free pairs are few."""
        ar, ac = self._allowed()
        return uniform_sample(np.flatnonzero(ar), np.flatnonzero(ac), self.n_cols,
                              np.concatenate([self.layer.flat_links(), positive]), need, rng)

    # -- stream: every candidate, block by block ----------------------------------------------
    def _bipartite_blocks(self, with_scores: bool, progress=None):
        """Yield ``(flat, scores)`` per block of candidates of a layer (``scores`` None when
        not ``with_scores``), every candidate once, in a fixed order."""
        n_in, n_out = self.layer.shape
        transposed = self.scorer.transposed
        if transposed:  # kernel rows are the layer's columns
            krows_mask, other_mask = self.allowed_cols, self.allowed_rows
            links, width = self.layer.transposed_csr, n_in
        else:
            krows_mask, other_mask = self.allowed_rows, self.allowed_cols
            links, width = self.layer.csr, n_out
        n_krows = n_out if transposed else n_in
        krows = np.arange(n_krows) if krows_mask is None else np.flatnonzero(krows_mask)
        step = max(1, BLOCK_ENTRIES // max(width, 1))
        for start in range(0, krows.size, step):
            chunk = krows[start:start + step].astype(np.int64)
            cand = np.ones((chunk.size, width), dtype=bool)
            if other_mask is not None:
                cand &= other_mask[None, :]
            sub = links[chunk]
            cand[csr_row_indices(sub.indptr), sub.indices] = False
            r_loc, c_loc = np.nonzero(cand)
            if transposed:
                rows, cols = c_loc.astype(np.int64), chunk[r_loc]
            else:
                rows, cols = chunk[r_loc], c_loc.astype(np.int64)
            flat = rows * n_out + cols
            if transposed:  # keep a row-major order inside the block
                order = np.argsort(flat, kind="stable")
                flat, r_loc, c_loc = flat[order], r_loc[order], c_loc[order]
            if not with_scores:
                yield flat, None
            else:
                yield flat, self.scorer.kernel_rows_dense(chunk)[r_loc, c_loc]
            if progress is not None:
                progress(min(start + step, krows.size), krows.size)

    # -- sparse: the positive candidates along the paths ---------------------------------------
    def _row_walks(self) -> np.ndarray:
        """Per input, the L3 walks from it (``B (B^T k)``): the work of its positive scores."""
        if self._walks is None:
            csr = self.layer.csr
            ones = sp.csr_array((np.ones(csr.indices.size), csr.indices, csr.indptr),
                                shape=csr.shape)
            k = np.diff(csr.indptr).astype(np.float64)
            self._walks = ones @ (ones.T @ k)
        return self._walks

    def _positive_blocks(self, progress=None):
        """Yield ``(flat, scores)`` of the positive-score candidates, ascending, in blocks of
        about :data:`BLOCK_ENTRIES` walks; inputs without links are skipped."""
        ar, ac = self._allowed()
        seeds = np.flatnonzero(ar & (self.layer.in_degrees() > 0)).astype(np.int64)
        cum = np.cumsum(self._row_walks()[seeds] + 1.0)
        cuts = np.searchsorted(cum, BLOCK_ENTRIES * np.arange(1, int(cum[-1] // BLOCK_ENTRIES)
                                                              + 1), side="right") \
            if seeds.size else np.zeros(0, np.int64)
        bounds = np.unique(np.concatenate([[0], cuts, [seeds.size]]).clip(max=seeds.size))
        node_based = None
        if self.predictor.node_based:
            node_based = node_based_scores(self.layer, self.predictor.psi)
        n_out = self.n_cols
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
            chunk = seeds[start:stop]
            S = (sp.csr_array(node_based[chunk]) if node_based is not None
                 else positive_scores(self.layer, self.predictor, chunk))
            rows, cols, vals = chunk[csr_row_indices(S.indptr)], S.indices.astype(np.int64), \
                S.data
            if self.allowed_cols is not None:
                keep = ac[cols]
                rows, cols, vals = rows[keep], cols[keep], vals[keep]
            yield rows * n_out + cols, vals
            if progress is not None:
                progress(int(stop), seeds.size)

    def _sparse_top_k(self, k: int, ties: str, progress):
        best = StreamingTopK(k, keep_ties=ties == "all")
        n_pos = 0
        for flat, vals in self._positive_blocks(progress):
            n_pos += flat.size
            best.push(vals, flat)
        vals, flat, _ = best.result()
        if n_pos < k:  # every positive candidate is in; the zeros follow in index order
            zero = self._first_zeros(None if ties == "all" else k - n_pos, flat)
            flat = np.concatenate([flat, zero])
            vals = np.concatenate([vals, np.zeros(zero.size)])
        return flat, vals

    def _sparse_sample(self, k: int, rng, zero_scores: str, progress):
        weighted = StreamingTopK(k)
        n_pos = 0
        for flat, scores in self._positive_blocks(progress):
            n_pos += flat.size
            if flat.size:
                u = 1.0 - rng.random(flat.size)  # in (0, 1]
                weighted.push(np.log(u) / scores, flat, scores)
        _, flat, picked = weighted.result()
        if n_pos < k:
            if zero_scores == "error":
                raise ValueError(self.shortfall_message(n_pos, k))
            extra = self._uniform_zeros(k - n_pos, flat, rng)
            flat = np.concatenate([flat, extra])
            picked = np.concatenate([picked, np.zeros(extra.size)])
        return flat, picked

    def _first_zeros(self, need: int | None, positive: np.ndarray) -> np.ndarray:
        """The first ``need`` (all when None) zero-score candidates in index order: allowed
        non-links not in ``positive``; the work follows ``need`` and the excluded pairs."""
        ar, ac = self._allowed()
        R, C = np.flatnonzero(ar).astype(np.int64), np.flatnonzero(ac).astype(np.int64)
        exclude = np.union1d(self.layer.flat_links(), positive)
        out, got = [], 0
        step = max(1, BLOCK_ENTRIES // max(C.size, 1))
        for start in range(0, R.size, step):
            if need is not None and got >= need:
                break
            flat = (R[start:start + step, None] * self.n_cols + C[None, :]).ravel()
            lo, hi = np.searchsorted(exclude, [flat[0], flat[-1] + 1]) if flat.size else (0, 0)
            flat = flat[~np.isin(flat, exclude[lo:hi])]
            if need is not None:
                flat = flat[:need - got]
            out.append(flat)
            got += flat.size
        return np.concatenate(out) if out else np.empty(0, np.int64)


# ------------------------------------------------------------------------------------------
# unipartite graphs: seed by seed, only the pairs joined by a path
# ------------------------------------------------------------------------------------------
def _masks(stream) -> tuple[np.ndarray, np.ndarray]:
    n = stream.n_cols
    R = np.ones(n, bool) if stream.allowed_rows is None else stream.allowed_rows
    C = np.ones(n, bool) if stream.allowed_cols is None else stream.allowed_cols
    return R, C


def _upper_links(graph) -> np.ndarray:
    """Sorted flat indices ``u * n + v`` (``u < v``) of the links."""
    coo = graph.csr.tocoo()
    u, v = coo.row.astype(np.int64), coo.col.astype(np.int64)
    keep = u < v
    return np.sort(u[keep] * graph.n_nodes + v[keep])


def _pair_allowed(R, C, u, v) -> np.ndarray:
    return (R[u] & C[v]) | (R[v] & C[u])


def _unipartite_candidates(graph, allowed_rows, allowed_cols) -> int:
    """Unordered non-adjacent pairs ``{u, v}`` with one end in ``R`` and the other in ``C``."""
    n = graph.n_nodes
    R = np.ones(n, bool) if allowed_rows is None else allowed_rows
    C = np.ones(n, bool) if allowed_cols is None else allowed_cols
    n_r, n_c, n_rc = int(R.sum()), int(C.sum()), int(np.sum(R & C))
    pairs = n_r * n_c - n_rc - n_rc * (n_rc - 1) // 2
    links = _upper_links(graph)
    u, v = np.divmod(links, max(n, 1))
    return pairs - int(np.sum(_pair_allowed(R, C, u, v)))


def _unipartite_blocks(stream, cap: int, tau, key0=None, progress=None, complete=False):
    """Yield ``(flat, value, score, n_positive)`` per block of seeds: the best ``cap``
    candidates of the block (:meth:`UnipartiteScorer.select_best`; the seeds go hubs first,
    whose pairs score highest, so the threshold rises early); ``tau()`` gives the current
    threshold. With ``complete``, every candidate of the block with value >= ``tau()``: a
    block whose result may have been cut at ``cap`` (as many as ``cap`` came back) is scored
    again with 4 times the cap."""
    R, C = _masks(stream)
    n = stream.n_cols
    upper = stream.allowed_rows is None and stream.allowed_cols is None
    seeds = np.arange(n, dtype=np.int64) if stream.allowed_rows is None else \
        np.flatnonzero(R).astype(np.int64)
    row_ok, col_ok = R.astype(np.uint8), C.astype(np.uint8)
    cap = max(1, int(cap))
    select = stream.scorer.select_best
    seeds = stream.scorer.seed_order(seeds)
    starts = _work_blocks(stream.graph.csr, seeds)
    for start, stop in zip(starts[:-1], starts[1:], strict=True):
        block_cap = cap
        while True:
            got = select(seeds[start:stop], block_cap, tau(), upper=upper, row_ok=row_ok,
                         col_ok=col_ok, key0=key0)
            if not complete or got[0].size < block_cap:
                break
            block_cap *= 4
        yield got
        if progress is not None:
            progress(int(stop), seeds.size)


#: Least work (3-walks) of one kernel call of the selection: starting the threads costs a
#: few milliseconds on a busy machine.
BLOCK_WALKS = 2e7


def _work_blocks(A, seeds: np.ndarray, steps: int = 100) -> np.ndarray:
    """Boundaries of consecutive blocks of ``seeds`` with about equal work (the 3-walks from
    each seed, ``A (A k)``): at most ``steps`` blocks (progress steps), each of at least
    :data:`BLOCK_WALKS` walks unless it is the only one."""
    if seeds.size == 0:
        return np.zeros(1, np.int64)
    k = np.diff(A.indptr).astype(np.float64)
    ones = sp.csr_array((np.ones(A.indices.size), A.indices, A.indptr), shape=A.shape)
    walks = (ones @ (ones @ k))[seeds]
    cum = np.cumsum(walks)
    size = max(cum[-1] / steps, BLOCK_WALKS)
    cuts = np.searchsorted(cum, size * np.arange(1, int(cum[-1] // size) + 1), side="right")
    return np.unique(np.concatenate([[0], cuts, [seeds.size]]).clip(max=seeds.size))


def _zero_candidates(stream, need: int | None, exclude: np.ndarray) -> np.ndarray:
    """The first ``need`` (all when None) zero-score candidates in ``(u, v)`` order: allowed
    non-adjacent pairs ``u < v`` whose flat index is not in ``exclude`` (the positives)."""
    R, C = _masks(stream)
    n = stream.n_cols
    links = _upper_links(stream.graph)
    exclude = np.sort(exclude)
    out, got = [], 0
    step = max(1, BLOCK_ENTRIES // max(n, 1))
    for start in range(0, n, step):
        u = np.arange(start, min(n, start + step), dtype=np.int64)
        uu, vv = np.nonzero(np.arange(n)[None, :] > u[:, None])
        uu, vv = u[uu], vv.astype(np.int64)
        ok = _pair_allowed(R, C, uu, vv)
        flat = (uu * n + vv)[ok]
        flat = flat[~np.isin(flat, links) & ~np.isin(flat, exclude)]
        if need is not None:
            flat = flat[:need - got]
        out.append(flat)
        got += flat.size
        if need is not None and got >= need:
            break
    return np.concatenate(out) if out else np.empty(0, np.int64)


#: Least cap per block of the second pass of ``ties="all"`` on unipartite graphs (a block
#: with more candidates at or above the k-th score is scored again with 4 times the cap).
TIES_MIN_CAP = 1024


def _unipartite_top_k(stream, k: int, ties: str, progress):
    best = StreamingTopK(k)
    n_pos = 0

    def tau():
        return best.kth()

    for flat, val, _, npos in _unipartite_blocks(stream, k, tau, progress=progress):
        best.push(val, flat)
        n_pos += npos
    vals, flat, _ = best.result()
    if n_pos < k:  # every positive candidate is in; the zeros follow in (u, v) order
        zero = _zero_candidates(stream, None if ties == "all" else k - n_pos, flat)
        flat = np.concatenate([flat, zero])
        vals = np.concatenate([vals, np.zeros(zero.size)])
    elif ties == "all" and k:
        kth = vals[-1]  # every candidate >= kth, block by block (k and its ties at least)
        parts_f, parts_v = [], []
        for f, v, _, _ in _unipartite_blocks(stream, max(k, TIES_MIN_CAP), lambda: kth,
                                             complete=True):
            parts_f.append(f)
            parts_v.append(v)
        flat, vals = np.concatenate(parts_f), np.concatenate(parts_v)
        order = np.lexsort((flat, -vals))
        flat, vals = flat[order], vals[order]
    return flat, vals


def _unipartite_sample(stream, k: int, rng, zero_scores: str, progress):
    key0 = int(rng.integers(0, 2**63))
    best = StreamingTopK(k)
    n_pos = 0

    def tau():
        return best.kth()

    for flat, key, score, npos in _unipartite_blocks(stream, k, tau, key0, progress):
        best.push(key, flat, score)
        n_pos += npos
    _, flat, picked = best.result()
    if n_pos < k:
        if zero_scores == "error":
            raise ValueError(stream.shortfall_message(n_pos, k))
        extra = _uniform_zero_candidates(stream, k - n_pos, flat, n_pos, rng)
        flat = np.concatenate([flat, extra])
        picked = np.concatenate([picked, np.zeros(extra.size)])
    return flat, picked


def _uniform_zero_candidates(stream, need: int, positive: np.ndarray, n_pos: int,
                             rng) -> np.ndarray:
    """``need`` distinct zero-score candidates, uniformly, without replacement.

    By rejection when zero-score candidates are at least a quarter of the allowed pairs: an
    ordered pair is drawn uniformly from ``allowed_rows x allowed_cols``, kept with
    probability 1/2 when its reverse is allowed too (so every unordered pair is equally
    likely), and rejected if it is a self-pair, a link, a positive candidate or already
    drawn. Otherwise the (then few) candidates are enumerated."""
    R, C = _masks(stream)
    n = stream.n_cols
    n_zero = stream.n_candidates - n_pos
    n_r, n_c, n_rc = int(R.sum()), int(C.sum()), int(np.sum(R & C))
    pairs = n_r * n_c - n_rc - n_rc * (n_rc - 1) // 2
    if 4 * n_zero < pairs or n_zero <= 4 * need:
        zero = _zero_candidates(stream, None, positive)
        return zero[rng.permutation(zero.size)[:need]]
    links = _upper_links(stream.graph)
    r_idx, c_idx = np.flatnonzero(R), np.flatnonzero(C)
    taken = np.sort(positive)
    out: list[np.ndarray] = []
    left = need
    while left > 0:
        m = 2 * left + 16
        r = r_idx[rng.integers(0, r_idx.size, m)]
        c = c_idx[rng.integers(0, c_idx.size, m)]
        coin = rng.random(m) < 0.5
        ok = (r != c) & (~(R[c] & C[r]) | coin)
        u, v = np.minimum(r, c)[ok], np.maximum(r, c)[ok]
        flat = u * n + v
        _, first = np.unique(flat, return_index=True)
        flat = flat[np.sort(first)]
        flat = flat[~np.isin(flat, links) & ~np.isin(flat, taken)][:left]
        out.append(flat)
        taken = np.union1d(taken, flat)
        left -= flat.size
    return np.concatenate(out).astype(np.int64)
