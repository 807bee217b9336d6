"""chgraph.checks: the one validator, and the same verdict wherever a value enters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chgraph import checks

ANY = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                st.booleans(), st.none(), st.text(max_size=2))


@given(ANY, st.integers(-3, 3), st.integers(-3, 3))
def test_integer_accepts_exactly_the_integers_in_range(value, low, high):
    ok = (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high)
    if ok:
        assert checks.integer("n", value, low, high) == value
    else:
        with pytest.raises((TypeError, ValueError), match="n must be an integer"):
            checks.integer("n", value, low, high)


@given(ANY, st.booleans(), st.booleans())
def test_real_accepts_exactly_the_finite_reals_in_the_interval(value, open_low, open_high):
    is_real = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = is_real and math.isfinite(value) and (value > -1 if open_low else value >= -1) and (
        value < 2 if open_high else value <= 2)
    if ok:
        assert checks.real("x", value, -1, 2, open_low=open_low, open_high=open_high) == value
    else:
        with pytest.raises(TypeError if not is_real else ValueError, match="x must"):
            checks.real("x", value, -1, 2, open_low=open_low, open_high=open_high)


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.1, 1.5, float("nan"), float("inf")])
def test_one_sparsity_rule_from_the_command_line_to_the_engine(bad):
    """chsnn's configuration, the CHSNN sparsifier and the engine refuse the same values with
    the same message (chsnn as its own ConfigError)."""
    torch = pytest.importorskip("torch")
    from chgraph.evolution import n_links_for
    from chsnn.config import ConfigError, TrainConfig
    from snn_adapters import CHSNN

    with pytest.raises(ValueError) as engine:
        n_links_for((4, 4), bad)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError) as adapter:
        CHSNN(model, opt, sparsity=bad, total_steps=10)
    with pytest.raises(ConfigError) as app:
        TrainConfig(sparsity=bad)
    assert str(engine.value) == str(adapter.value) == str(app.value)
    assert str(app.value) == f"sparsity must lie in (0.0, 1.0), got {bad!r}"


def test_shapes_masks_and_choices():
    assert checks.layer_shape((2, 3)) == (2, 3)
    for bad in [(0, 3), (2,), "ab", (2, 3.0), (True, 2)]:
        with pytest.raises(ValueError, match="shape"):
            checks.layer_shape(bad)
    assert checks.boolean_mask(np.eye(2)).dtype == bool
    with pytest.raises(ValueError, match="2-dimensional"):
        checks.boolean_mask(np.ones(3))
    with pytest.raises(TypeError, match="booleans or real numbers"):
        checks.boolean_mask(np.array([["a"]]))
    assert checks.one_of("m", "a", ["a", "b"]) == "a"
    with pytest.raises(ValueError, match=r"m must be one of \('a', 'b'\)"):
        checks.one_of("m", "c", ["a", "b"])
    with pytest.raises(TypeError, match="rng"):
        checks.as_rng(1.5)


def test_a_wrong_kind_is_both_a_type_and_a_value_error():
    with pytest.raises(TypeError):
        checks.integer("n", 1.5)
    with pytest.raises(ValueError):
        checks.integer("n", "3")
    assert issubclass(checks.ArgumentTypeError, TypeError)
    assert issubclass(checks.ArgumentTypeError, ValueError)


def test_engine_entry_points_speak_with_the_validator_s_words():
    """The same rule, the same message, wherever the value enters."""
    from chgraph.evaluation import compare_bipartite, holdout_split
    from chgraph.evolution import EvolutionSchedule, keep_links, random_equal_degree

    cases = [
        (lambda: EvolutionSchedule(100, 10, zeta=1.5),
         lambda: checks.fraction("zeta", 1.5, open_low=True)),
        (lambda: EvolutionSchedule(100, 0), lambda: checks.integer("update_interval", 0, 1)),
        (lambda: keep_links(np.ones(3), 5, 0), lambda: checks.integer("n_keep", 5, 0, 3)),
        (lambda: holdout_split(np.ones((3, 3)), fraction=1.0),
         lambda: checks.fraction("fraction", 1.0, open_low=True, open_high=True)),
        (lambda: compare_bipartite(np.ones((3, 3)), n_repeats=0),
         lambda: checks.integer("n_repeats", 0, low=1)),
        (lambda: random_equal_degree((3, 3), 1.0, 0), lambda: checks.sparsity(1.0)),
    ]
    for call, reference in cases:
        with pytest.raises(ValueError) as expected:
            reference()
        with pytest.raises(ValueError) as got:
            call()
        assert expected.value.args[0] in str(got.value)
