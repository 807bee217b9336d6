"""docs/report.md describes every key of a real run's report.json (a sparse run with a
validation split and a dense run without one, both tiny)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chsnn.config import TrainConfig
from chsnn.train import train

pytest.importorskip("sklearn", reason="the tiny runs use scikit-learn's digits")

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"
TINY = dict(dataset="digits", n_train=48, n_test=24, epochs=2, batch_size=16, T=2,
            hidden=16, sparsity=0.8, calibration_samples=32, energy_samples=16, device="cpu",
            execution="sparse")


def _sections() -> dict[str, str]:
    """The text of each ``## `` section of docs/report.md, by heading."""
    parts = re.split(r"^## (.+)$", DOC.read_text(), flags=re.M)
    return {head.strip(): body for head, body in zip(parts[1::2], parts[2::2], strict=True)}


def _section(marker: str) -> str:
    found = [body for head, body in _sections().items() if head.startswith(marker)]
    assert len(found) == 1, f"docs/report.md has no single section headed {marker!r}"
    return found[0]


def _keys(report: dict) -> dict[str, set[str]]:
    """The keys of every object in ``report``, by the section of docs/report.md that must
    describe them (objects keyed by layer name contribute their entries' keys)."""
    out: dict[str, set[str]] = {}

    def add(marker, obj):
        out.setdefault(marker, set()).update(obj)

    add("`report.json`", report)
    for epoch in report["history"]:
        add("`history`", epoch)
        for update in epoch.get("evolution") or []:
            add("`history[i].evolution`", update)
            for layer in update["layers"].values():
                add("`history[i].evolution[j].layers`", layer)
                add("`history[i].evolution[j].layers`", layer["seconds"])
    if report["calibration"] is not None:
        add("`calibration`", report["calibration"])
    add("`energy`", report["energy"])
    for layer in report["energy"]["layers"].values():
        add("`energy`", layer)
    for marker in ("environment", "files", "config"):
        add(f"`{marker}`", report[marker])
    return out


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("reports")
    train(TrainConfig(**TINY, method="chsnn"), base / "chsnn", progress=False, log=None)
    train(TrainConfig(**{**TINY, "val_fraction": 0.0}, method="dense"), base / "dense",
          progress=False, log=None)
    return [json.loads((base / name / "report.json").read_text()) for name in ("chsnn", "dense")]


def test_every_report_key_is_documented(reports):
    missing = []
    for report in reports:
        for marker, keys in _keys(report).items():
            body = _section(marker)
            missing += [f"{marker}: {k}" for k in sorted(keys) if f"`{k}`" not in body]
    assert not missing, "docs/report.md does not describe " + ", ".join(sorted(set(missing)))


def test_the_documented_top_level_fields_exist(reports):
    """No stale field: every field of the top-level table is in a report (or null there)."""
    table = _section("`report.json`")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M))
    present = set(reports[0]) | set(reports[1])
    assert documented - present == set()
    assert reports[1]["best_test_accuracy"] is not None and reports[0]["best_test_accuracy"] \
        is None  # as documented: only when every epoch was tested
    assert reports[1]["target_sparsity"] == 0.0 and reports[1]["calibration"] is None
    r = reports[0]
    assert r["sop_reduction"] == pytest.approx(r["dense_sops_per_sample"] / r["sops_per_sample"])
    assert r["energy_uj_per_sample"] == pytest.approx(
        (0.9 * r["sops_per_sample"] + 4.6 * r["macs_per_sample"]) * 1e-6)
