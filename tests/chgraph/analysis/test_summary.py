"""chgraph.analysis.summary and plotting: flat reports and degree-distribution plots."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from chgraph.analysis import (
    analyze_layers,
    average_clustering,
    chain_graph,
    plot_degree_distributions,
    summary,
)

LAYER_KEYS = {"kind", "n_nodes", "n_links", "n_in", "n_out", "density", "mean_degree_in",
              "powerlaw_alpha_out", "average_clustering", "degree_assortativity", "modularity",
              "n_communities", "characteristic_path_length", "global_efficiency",
              "lcc_fraction", "path_sources", "small_world_sigma"}


def _plain_values(d):
    for v in d.values():
        assert v is None or type(v) in (int, float, str, bool)


def test_summary_of_a_layer_is_flat_and_json_ready():
    B = np.random.default_rng(0).random((60, 40)) < 0.1
    s = summary(B, n_null=1)
    assert LAYER_KEYS <= set(s) and s["kind"] == "layer"
    assert s["n_links"] == int(B.sum()) and s["density"] == pytest.approx(B.mean())
    assert s["average_clustering"] == pytest.approx(average_clustering(B))
    assert s["small_world_sigma"] is not None
    _plain_values(s)
    json.dumps(s, allow_nan=False)
    assert summary(B, n_null=1) == s  # seeded


def test_summary_of_graphs():
    s = summary(nx.complete_graph(6))
    assert s["kind"] == "graph" and s["density"] == 1.0 and s["average_clustering"] == 1.0
    assert s["characteristic_path_length"] == 1.0 and s["degree_assortativity"] is None
    assert s["powerlaw_alpha"] is None and s["small_world_sigma"] is None
    empty = summary(np.zeros((3, 3)))  # a layer without links
    assert empty["n_links"] == 0 and empty["modularity"] is None
    json.dumps(empty, allow_nan=False)
    fast = summary(nx.karate_club_graph(), community_backend="igraph", n_sources=None)
    assert fast["modularity"] > 0.3
    with pytest.raises(ValueError, match="community_backend"):
        summary(nx.path_graph(3), community_backend="leiden")


def test_analyze_layers():
    rng = np.random.default_rng(1)
    layers = [rng.random((30, 20)) < 0.2, rng.random((20, 20)) < 0.1, rng.random((20, 5)) < 0.3]
    rows = analyze_layers(layers, n_sources=50)
    assert [r["layer"] for r in rows] == [0, 1, 2]
    assert rows[0]["live_in_fraction"] == 1.0 and rows[-1]["live_out_fraction"] == 1.0
    assert rows[0]["live_out_fraction"] == rows[1]["live_in_fraction"]
    for row, B in zip(rows, layers, strict=True):
        assert row["n_links"] == int(B.sum()) and (row["n_in"], row["n_out"]) == B.shape
        _plain_values(row)
    json.dumps(rows, allow_nan=False)
    whole = summary(chain_graph(layers))
    assert whole["n_links"] == sum(r["n_links"] for r in rows)


def test_plot_degree_distributions(tmp_path):
    rng = np.random.default_rng(0)
    layers = [rng.random((50, 40)) < 0.1, rng.random((40, 10)) < 0.3]
    layers[0][:5] = False  # some isolated inputs
    out = plot_degree_distributions(layers, tmp_path / "deg.png", title="test")
    assert out == tmp_path / "deg.png" and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    single = plot_degree_distributions(layers[1], str(tmp_path / "one.png"), labels=["fc2"])
    assert single.exists()
    with pytest.raises(ValueError, match="labels"):
        plot_degree_distributions(layers, tmp_path / "x.png", labels=["a"])
    with pytest.raises(ValueError, match="no layers"):
        plot_degree_distributions([], tmp_path / "x.png")
