"""chgraph.testing: property-based tests of link prediction, for anyone's predictor.

What ``numpy.testing`` is to arrays and ``sklearn.utils.estimator_checks`` to estimators, this
is to link predictors: the pieces that make chgraph's own link prediction trustworthy, public.

* :func:`check_link_predictor` — run the properties a link predictor should have
  (:data:`PROPERTIES`: scores only on non-links, finite, non-negative, permutation
  equivariance, transpose symmetry, invariance to an isolated node, locality, independence of
  the input format and of the thread count, equality to a reference) on generated graphs, and
  report each failing one with a minimal counterexample. Select or skip properties by name.
* :mod:`chgraph.testing.strategies` — hypothesis strategies: layers, graphs and chains of
  every shape (degree-skewed, disconnected, with isolated nodes, empty, complete), and
  :func:`~chgraph.testing.strategies.input_formats`.
* :mod:`chgraph.testing.reference` — the slow reference: the CH family by brute-force path
  enumeration, from the definitions of docs/method.md, section 2.
* :mod:`chgraph.testing.formats` — the same links in every input format chgraph accepts.

In a pytest test:

>>> import chgraph
>>> from chgraph.testing import check_link_predictor
>>> def test_my_predictor():
...     check_link_predictor(lambda B: chgraph.link_scores(B, "CH3-L3"), max_examples=5)
>>> test_my_predictor()

hypothesis is needed by :func:`check_link_predictor` and :mod:`~chgraph.testing.strategies`
only, and imported when they are used: ``import chgraph.testing``, :mod:`reference` and
:mod:`formats` work without it, while ``chgraph.testing.strategies`` and a call of
:func:`check_link_predictor` raise an ``ImportError`` saying ``pip install 'chsnn[testing]'``.
chgraph.testing never imports torch.
"""

from . import formats, reference
from .check import (
    PROPERTIES,
    CheckReport,
    Counterexample,
    LinkPredictorCheckError,
    PropertyResult,
    check_link_predictor,
)

__all__ = ["check_link_predictor", "PROPERTIES", "CheckReport", "PropertyResult",
           "Counterexample", "LinkPredictorCheckError", "formats", "reference", "strategies"]


def __getattr__(name):
    if name == "strategies":  # imports hypothesis: only on first use
        import importlib

        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
