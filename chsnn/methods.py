"""The training methods the harness runs on the same model and data (docs/method.md, section 5).

One registry, :data:`METHODS`: each :class:`Method` says whether the linear layers are sparse,
whether the topology evolves, whether the run calibrates (SSCTI / SSWI) and which
:class:`chgraph.evolution.EvolutionSchedule` rules it uses. Every sparse method starts from the
same random equal-degree topology with SWI weights (what :class:`snn_adapters.CHSNN` does
without calibration) so that only the method differs.

============== ===== ========== ============================================================
method         sparse evolves   rules
============== ===== ========== ============================================================
dense          no    --         every weight trained (the classifier too)
static         yes   no         fixed random equal-degree topology, SWI weights
set            yes   yes        magnitude removal (hard), random regrowth, no percolation
rigl           yes   yes        magnitude removal (hard), top-k regrowth by dense gradient
                                magnitude, no percolation
cht            yes   yes        magnitude removal (hard), percolation, CH3-L3 top-k regrowth;
                                no SSCTI / SSWI
chsnn          yes   yes        SSCTI + SSWI, soft LRS removal, percolation, soft CH3-L3
chsnn-no-sscti yes   yes        CH-SNN with a random first-layer topology
chsnn-no-sswi  yes   yes        CH-SNN with SWI weights instead of SSWI
chsnn-no-perc  yes   yes        CH-SNN without percolation
chsnn-no-ch    yes   yes        CH-SNN with random instead of CH3-L3 regrowth
============== ===== ========== ============================================================

>>> sorted(METHODS)[:3]
['chsnn', 'chsnn-no-ch', 'chsnn-no-perc']
>>> get_method("SET").schedule["regrowth"]
'random'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Method", "METHODS", "get_method", "method_names"]


@dataclass(frozen=True)
class Method:
    """How one training method uses :class:`snn_adapters.CHSNN`."""

    name: str
    description: str
    sparse: bool = True
    evolves: bool = True
    calibrate: bool = False
    sscti: bool = True
    sswi: bool = True
    schedule: dict = field(default_factory=dict)
    #: the learning rate ``chsnn train`` uses unless told (``--lr``): chosen on validation
    #: splits (docs/method.md, section 5.2)
    lr: float = 1e-2


_CHSNN_RULES = {"removal": "lrs", "removal_mode": "soft", "regrowth": "CH3-L3",
                "regrowth_mode": "soft", "percolation": True}
_MAGNITUDE = {"removal": "magnitude", "removal_mode": "hard"}


def _chsnn(name: str, description: str, **changes) -> Method:
    flags = {k: changes.pop(k) for k in ("sscti", "sswi") if k in changes}
    return Method(name, description, calibrate=True, schedule={**_CHSNN_RULES, **changes},
                  **flags)


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("dense", "dense network, every weight trained", sparse=False, evolves=False,
           lr=3e-3),
    Method("static", "static random sparse topology (equal degree, SWI weights)",
           evolves=False),
    Method("set", "SET: magnitude removal, random regrowth",
           schedule={**_MAGNITUDE, "regrowth": "random", "regrowth_mode": "soft",
                     "percolation": False}),
    Method("rigl", "RigL: magnitude removal, regrowth of the largest dense gradients",
           schedule={**_MAGNITUDE, "regrowth": "scores", "regrowth_mode": "topk",
                     "percolation": False}),
    Method("cht", "CHT: magnitude removal, percolation, CH3-L3 top-k regrowth",
           schedule={**_MAGNITUDE, "regrowth": "CH3-L3", "regrowth_mode": "topk",
                     "percolation": True}),
    _chsnn("chsnn", "CH-SNN: SSCTI, SSWI, soft LRS removal, percolation, soft CH3-L3 regrowth"),
    _chsnn("chsnn-no-sscti", "CH-SNN without SSCTI (random first-layer topology)",
           sscti=False),
    _chsnn("chsnn-no-sswi", "CH-SNN without SSWI (SWI weights)", sswi=False),
    _chsnn("chsnn-no-perc", "CH-SNN without percolation", percolation=False),
    _chsnn("chsnn-no-ch", "CH-SNN with random instead of CH3-L3 regrowth", regrowth="random"),
)}


def method_names() -> list[str]:
    """The method names, in the registry's order.

    >>> method_names()[:3]
    ['dense', 'static', 'set']
    """
    return list(METHODS)


def get_method(name: str) -> Method:
    """The :class:`Method` called ``name`` (case-insensitive); ``ValueError`` if unknown.

    >>> get_method("chsnn-no-sscti").sscti
    False
    """
    key = str(name).strip().lower()
    if key not in METHODS:
        raise ValueError(f"unknown method {name!r}; available: {', '.join(METHODS)}")
    return METHODS[key]
