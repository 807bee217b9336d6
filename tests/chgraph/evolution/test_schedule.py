"""The evolution schedule: zeta decay, temperature ramp, updates, serialisation."""

import json
import math

import pytest

from chgraph.evolution import EvolutionSchedule


def test_formulas():
    s = EvolutionSchedule(total_steps=1000, update_interval=50, start_step=100)
    assert s.end_step == 750
    assert s.zeta_at(100) == pytest.approx(0.3)
    mid = 100 + (750 - 100) / 2
    assert s.zeta_at(int(mid)) == pytest.approx(0.3 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert s.zeta_at(750) == 0.0 and s.zeta_at(50) == 0.0
    assert s.temperature_at(100) == 1.0 and s.temperature_at(750) == 3.0
    assert s.temperature_at(425) == pytest.approx(2.0)
    ups = [t for t in range(1001) if s.should_update(t)]
    assert ups == list(range(150, 750, 50))
    c = s.replace(zeta_decay="constant")
    assert c.zeta_at(700) == 0.3


def test_round_trip_through_json():
    s = EvolutionSchedule(200, 10, removal="magnitude", removal_mode="hard", regrowth="random",
                          early_stop_overlap=None, stopped=[False, True], targets=[5, 7],
                          n_updates=3)
    d = json.loads(json.dumps(s.to_dict()))
    assert EvolutionSchedule.from_dict(d) == s
    assert d["stopped"] == [False, True] and d["targets"] == [5, 7]
    assert hash(s) == hash(EvolutionSchedule.from_dict(d))


@pytest.mark.parametrize("kwargs, match", [
    (dict(total_steps=100, update_interval=10, start_step=80), "ends before it starts"),
    (dict(total_steps=100, update_interval=10, end_fraction=0.0), "end_fraction"),
    (dict(total_steps=100, update_interval=0), "update_interval"),
    (dict(total_steps=100, update_interval=10, zeta=1.5), "zeta"),
    (dict(total_steps=100, update_interval=10, removal="grad"), "removal"),
    (dict(total_steps=100, update_interval=10, regrowth="CH7"), "regrowth"),
    (dict(total_steps=100, update_interval=10, temperature_end=float("inf")), "temperature"),
    (dict(total_steps=100, update_interval=10, early_stop_overlap=2.0), "early_stop"),
])
def test_bad_schedules(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EvolutionSchedule(**kwargs)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown"):
        EvolutionSchedule.from_dict({"total_steps": 10, "update_interval": 1, "zetta": 0.1})
