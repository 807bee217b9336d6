"""The ``chgraph`` command: score, evaluate, analyze, export, and one-line errors (exit 2)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from chgraph import BipartiteLayer, link_scores, top_k_links
from chgraph.analysis import link_turnover, live_fraction, summary
from chgraph.cli import main
from chgraph.evaluation import BIPARTITE_METHODS, compare_bipartite
from chgraph.io import load_layers, read_graph, save_layers, write_graphml


def strict_load(path):
    """json.load that refuses NaN / Infinity."""
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=refuse)


def table_rows(text: str, header_start: str) -> list[list[str]]:
    """The rows of the whitespace-separated table whose header line starts ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.strip() or line.startswith("#"):
            break
        rows.append(line.split())
    return rows


def random_mask(rng, shape, n_links) -> np.ndarray:
    mask = np.zeros(shape[0] * shape[1], dtype=bool)
    mask[rng.choice(mask.size, n_links, replace=False)] = True
    return mask.reshape(shape)


def ranked_candidates(scores: np.ndarray, candidate: np.ndarray, k: int):
    """The k best candidates of a dense score matrix: score descending, then (row, col)."""
    rows, cols = np.nonzero(candidate)
    order = np.lexsort((cols, rows, -scores[rows, cols]))[:k]
    return rows[order], cols[order]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    layer = random_mask(rng, (12, 15), 40)
    save_layers(d / "layer.npz", [layer], names=["fc1"], weights=[rng.normal(size=(12, 15))])
    masks = [random_mask(rng, (8, 10), 24), random_mask(rng, (10, 4), 16)]
    save_layers(d / "two.npz", masks, names=["fc1", "fc2"],
                weights=[rng.normal(size=(8, 10)).astype(np.float32), None])
    write_graphml(d / "karate.graphml", nx.karate_club_graph())
    write_graphml(d / "davis.graphml", nx.davis_southern_women_graph())
    (d / "corrupt.npz").write_bytes(b"not a zip archive")
    (d / "corrupt.graphml").write_text("<graphml><node", encoding="utf-8")
    (d / "graph.json").write_text("{}", encoding="utf-8")
    (d / "empty_dir").mkdir()
    return d


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------------
# score
# ------------------------------------------------------------------------------------------
def test_score_layer_npz_matches_top_k_links(files, tmp_path, capsys):
    out_csv = tmp_path / "links.csv"
    code, out, err = run(capsys, "score", files / "layer.npz", "--top", 12, "--out", out_csv)
    assert code == 0 and err == ""
    assert out.startswith("# CH3-L3 scores of layer 'fc1' (12 x 15, 40 links): top 12 of 140")
    rows = table_rows(out, "rank")
    layer = load_layers(files / "layer.npz").layers[0]
    exp_r, exp_c, exp_s = top_k_links(layer, 12, "CH3-L3")
    assert [int(r[0]) for r in rows] == list(range(1, 13))
    assert [(int(r[1]), int(r[2])) for r in rows] == list(zip(exp_r.tolist(), exp_c.tolist(),
                                                             strict=True))
    np.testing.assert_allclose([float(r[3]) for r in rows], exp_s, atol=5e-7)
    # the same ranking from the dense link_scores matrix
    dense = link_scores(layer.to_dense(), "CH3-L3")
    r, c = ranked_candidates(dense, layer.to_dense() == 0, 12)
    assert (r.tolist(), c.tolist()) == (exp_r.tolist(), exp_c.tolist())
    with open(out_csv, newline="") as f:
        written = list(csv.reader(f))
    assert written[0] == ["rank", "u", "v", "score"]
    assert [(int(a), int(b)) for _, a, b, _ in written[1:]] == list(zip(r.tolist(), c.tolist(),
                                                                    strict=True))
    assert [float(s) for *_, s in written[1:]] == exp_s.tolist()  # full precision


def test_score_karate_graphml_and_layers(files, capsys):
    code, out, err = run(capsys, "score", files / "karate.graphml", "--top", 15,
                         "--method", "RA-L3")
    assert code == 0 and err == ""
    rows = table_rows(out, "rank")
    graph = read_graph(files / "karate.graphml")
    exp_r, exp_c, _ = top_k_links(graph, 15, "RA-L3", bipartite=False)
    labels = [(graph.labels[a], graph.labels[b]) for a, b in zip(exp_r, exp_c, strict=True)]
    assert [(r[1], r[2]) for r in rows] == labels
    adj = nx.to_numpy_array(nx.karate_club_graph(), nodelist=range(34))
    dense = link_scores(adj, "RA-L3", bipartite=False)
    upper_non_links = np.triu(adj == 0, k=1)
    r, c = ranked_candidates(dense, upper_non_links, 15)
    assert [(str(a), str(b)) for a, b in zip(r, c, strict=True)] == labels
    # a multi-layer file: --layer by name or by index, the same table
    _, by_name, _ = run(capsys, "score", files / "two.npz", "--layer", "fc2", "--top", 0)
    _, by_index, _ = run(capsys, "score", files / "two.npz", "--layer", "1", "--top", 0)
    assert by_name == by_index and len(table_rows(by_name, "rank")) == 40 - 16


# ------------------------------------------------------------------------------------------
# evaluate
# ------------------------------------------------------------------------------------------
def test_evaluate_davis(files, tmp_path, capsys):
    out_json = tmp_path / "eval.json"
    code, out, err = run(capsys, "evaluate", files / "davis.graphml", "--repeats", 2,
                         "--out", out_json)
    assert code == 0 and err == ""
    rows = {r[0]: r for r in table_rows(out, "method")}
    assert list(rows) == list(BIPARTITE_METHODS)
    layer = read_graph(files / "davis.graphml").layers[0]
    expected = compare_bipartite(layer, n_repeats=2).summary
    data = strict_load(out_json)
    assert data["kind"] == "layer" and data["settings"]["n_repeats"] == 2
    assert data["summary"] == expected
    ch3 = expected[0]
    assert rows["CH3-L3"][2:5] == [f"{ch3['precision_mean']:.3f}", "±",
                                   f"{ch3['precision_std']:.3f}"]
    code, out, _ = run(capsys, "evaluate", files / "davis.graphml", "--repeats", 1,
                       "--methods", "CH3-L3,random", "--negatives", 30, "--fraction", 0.2)
    assert code == 0 and [r[0] for r in table_rows(out, "method")] == ["CH3-L3", "random"]


# ------------------------------------------------------------------------------------------
# analyze
# ------------------------------------------------------------------------------------------
def test_analyze_graph_file(files, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "analyze", files / "karate.graphml", "--sources", 0)
    assert code == 0 and err == ""
    folder = tmp_path / "karate-analysis"
    assert (folder / "degrees.png").read_bytes()[:4] == b"\x89PNG"
    data = strict_load(folder / "analysis.json")
    expected = summary(read_graph(files / "karate.graphml"), n_sources=None, rng=0)
    row = dict(data["layers"][0])
    assert row.pop("name") == "karate" and row == expected
    measures = {r[0]: r[1] for r in table_rows(out, "measure")}
    assert measures["n_links"] == "78" and measures["small_world_sigma"] == "nan"
    assert float(measures["average_clustering"]) == pytest.approx(
        expected["average_clustering"], abs=1e-4)
    assert data["powerlaw"][0]["alpha"] == expected["powerlaw_alpha"]


@pytest.fixture
def run_dir(tmp_path):
    """A fake ``chsnn train`` run directory: three snapshots of a chain of two layers."""
    rng = np.random.default_rng(3)
    d = tmp_path / "run"
    (d / "topology").mkdir(parents=True)
    snapshots = []
    for epoch in range(3):
        masks = [random_mask(rng, (6, 9), 20), random_mask(rng, (9, 3), 12)]
        save_layers(d / "topology" / f"epoch_{epoch:03d}.npz", masks, names=["fc1", "fc2"])
        snapshots.append(masks)
    save_layers(d / "topology.npz", snapshots[-1], names=["fc1", "fc2"],
                weights=[rng.normal(size=(6, 9)), rng.normal(size=(9, 3))])
    (d / "config.json").write_text(json.dumps({"method": "chsnn", "epochs": 2}))
    (d / "report.json").write_text(json.dumps({"method": "chsnn", "model": "mlp",
                                               "epochs": 2, "test_accuracy": 0.5}))
    return d, snapshots


def test_analyze_run_directory(run_dir, capsys):
    d, snapshots = run_dir
    code, out, err = run(capsys, "analyze", d, "--quiet")
    assert code == 0 and err == ""
    assert out.startswith("# chsnn run")
    epochs = table_rows(out, "epoch")
    assert [int(r[0]) for r in epochs] == [0, 1, 2]
    data = strict_load(d / "analysis" / "analysis.json")
    for e in (1, 2):
        per_layer = {name: link_turnover(a, b) for name, a, b in
                     zip(["fc1", "fc2"], snapshots[e - 1], snapshots[e], strict=True)}
        assert data["epochs"][e]["layers"] == per_layer
        removed = sum(t["n_removed"] for t in per_layer.values())
        before = sum(t["n_before"] for t in per_layer.values())
        # columns: epoch links live removed added turnover jaccard turnover:fc1 turnover:fc2
        assert int(epochs[e][3]) == removed
        assert epochs[e][5] == f"{removed / before:.4f}"
        assert epochs[e][7:9] == [f"{per_layer[n]['removed_fraction']:.4f}" for n in per_layer]
        # a run's sparse layers feed a dense layer: their outputs are hidden neurons too
        assert epochs[e][2] == f"{live_fraction(snapshots[e], dense_after=True):.4f}"
    assert data["epochs"][0]["turnover"] is None and data["kind"] == "run"
    assert data["live_fraction"] == live_fraction(snapshots[-1], dense_after=True)
    assert data["settings"]["dense_after"] and data["chains"] == [["fc1", "fc2"]]
    assert data["run"]["model"] == "mlp" and [r["name"] for r in data["layers"]] == ["fc1", "fc2"]
    for name in ("degrees.png", "dynamics.png"):
        assert (d / "analysis" / name).read_bytes()[:4] == b"\x89PNG"


def test_analyze_run_uses_the_chains_and_live_fraction_of_its_report(run_dir, capsys):
    d, snapshots = run_dir
    report = json.loads((d / "report.json").read_text())
    singles = [live_fraction([m], dense_after=True) for m in snapshots[-1]]
    sizes = [m.shape[1] for m in snapshots[-1]]
    expected = float(np.dot(singles, sizes) / sum(sizes))
    report.update(chains=[["fc1"], ["fc2"]], live_neuron_fraction=expected)
    (d / "report.json").write_text(json.dumps(report))
    code, out, _ = run(capsys, "analyze", d, "--quiet")
    data = strict_load(d / "analysis" / "analysis.json")
    assert code == 0 and data["chains"] == [["fc1"], ["fc2"]]
    assert data["live_fraction"] == pytest.approx(expected)
    assert "report.json says" not in out  # the analysis agrees with the run
    report.update(live_neuron_fraction=0.123)
    (d / "report.json").write_text(json.dumps(report))
    code, out, _ = run(capsys, "analyze", d, "--quiet")
    assert "the run's report.json says 0.1230" in out
    for chains, match in [([["fc1", "fc9"]], "fc9"), ("fc1", "list of lists")]:
        report.update(chains=chains)
        (d / "report.json").write_text(json.dumps(report))
        code, _, err = run(capsys, "analyze", d, "--quiet")
        assert code == 2 and match in err and len(err.strip().splitlines()) == 1


def test_analyze_file_with_dense_after(tmp_path, capsys):
    path = tmp_path / "one.npz"
    layer = np.array([[1, 0, 0, 1], [1, 0, 0, 0]])
    save_layers(path, [layer], names=["fc1"])
    code, out, _ = run(capsys, "analyze", path, "--quiet", "--out", tmp_path / "a")
    assert code == 0 and "none (no hidden layer; see --dense-after)" in out
    code, out, _ = run(capsys, "analyze", path, "--quiet", "--dense-after", "--out",
                       tmp_path / "b")
    assert code == 0 and "# live hidden neurons: 0.5000" in out
    assert strict_load(tmp_path / "b" / "analysis.json")["live_fraction"] == 0.5


# ------------------------------------------------------------------------------------------
# export
# ------------------------------------------------------------------------------------------
def test_export_round_trip(files, tmp_path, capsys):
    chain = [tmp_path / "a.graphml", tmp_path / "b.edgelist", tmp_path / "c.npz"]
    source = files / "two.npz"
    for src, dst in zip([source, *chain[:-1]], chain, strict=True):
        code, out, err = run(capsys, "export", src, dst)
        assert code == 0 and err == "" and out.startswith(f"wrote {dst}")
    a, b = load_layers(source), load_layers(chain[-1])
    assert a.names == b.names
    for x, y, wx, wy in zip(a.layers, b.layers, a.weights, b.weights, strict=True):
        assert isinstance(y, BipartiteLayer) and (x.csr != y.csr).nnz == 0
        assert (wx is None and wy is None) or np.array_equal(wx, wy)
    assert run(capsys, "export", source, tmp_path / "n.npz", "--no-weights")[0] == 0
    assert load_layers(tmp_path / "n.npz").weights == [None, None]


def test_export_run_directory(run_dir, tmp_path, capsys):
    d, snapshots = run_dir
    assert run(capsys, "export", d, tmp_path / "t.gml")[0] == 0
    stack = read_graph(tmp_path / "t.gml")
    assert stack.has_weights
    assert all(np.array_equal(x.to_dense(), m)
               for x, m in zip(stack.layers, snapshots[-1], strict=True))


# ------------------------------------------------------------------------------------------
# errors: one line on stderr, exit status 2
# ------------------------------------------------------------------------------------------
BAD = {
    "no command": [],
    "unknown command": ["frobnicate"],
    "missing argument": ["score"],
    "missing file": ["score", "{d}/nothing.npz"],
    "unsupported extension": ["score", "{d}/graph.json"],
    "corrupt npz": ["score", "{d}/corrupt.npz"],
    "corrupt graphml": ["evaluate", "{d}/corrupt.graphml"],
    "unknown method": ["score", "{d}/layer.npz", "--method", "CH9-L7"],
    "method of the other kind": ["score", "{d}/karate.graphml", "--method", "CH3-L3n"],
    "unknown evaluation method": ["evaluate", "{d}/karate.graphml", "--methods", "bogus"],
    "fraction zero": ["evaluate", "{d}/karate.graphml", "--fraction", "0"],
    "fraction one": ["evaluate", "{d}/karate.graphml", "--fraction", "1"],
    "fraction not a number": ["evaluate", "{d}/karate.graphml", "--fraction", "half"],
    "negative top": ["score", "{d}/layer.npz", "--top", "-3"],
    "several layers": ["score", "{d}/two.npz"],
    "unknown layer": ["evaluate", "{d}/two.npz", "--layer", "fc9"],
    "--layer on a graph": ["score", "{d}/karate.graphml", "--layer", "0"],
    "bad output extension": ["score", "{d}/layer.npz", "--out", "{d}/x.xlsx"],
    "missing output directory": ["score", "{d}/layer.npz", "--out", "{d}/no/x.csv"],
    "analyze missing target": ["analyze", "{d}/nothing.graphml"],
    "analyze non-run directory": ["analyze", "{d}/empty_dir"],
    "export unsupported target": ["export", "{d}/layer.npz", "{d}/out.xyz"],
    "export graph to npz": ["export", "{d}/karate.graphml", "{d}/karate.npz"],
    "export corrupt": ["export", "{d}/corrupt.npz", "{d}/out.graphml"],
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_one_line_exit_2(case, files, capsys):
    code, out, err = run(capsys, *[a.format(d=files) for a in BAD[case]])
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("chgraph: error: ") and "Traceback" not in err


def test_corrupt_run_report(run_dir, capsys):
    d, _ = run_dir
    (d / "report.json").write_text("{not json")
    code, _, err = run(capsys, "analyze", d, "--out", d / "x")
    assert code == 2 and err.count("\n") == 1 and "report.json" in err


def test_module_entry_point(files):
    help_run = subprocess.run([sys.executable, "-m", "chgraph.cli", "--help"],
                              capture_output=True, text=True, timeout=120)
    assert help_run.returncode == 0 and help_run.stderr == ""
    for command in ("score", "evaluate", "analyze", "export"):
        assert command in help_run.stdout
    bad = subprocess.run([sys.executable, "-m", "chgraph.cli", "score",
                          str(files / "corrupt.npz")], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("chgraph: error: ") and bad.stderr.count("\n") == 1


def test_plain_edge_lists_take_a_delimiter(tmp_path, capsys):
    """A tab-separated edge list with spaces in node names: read with --delimiter tab (and
    exported with its names), refused in one line without it, never read as another graph."""
    path = tmp_path / "cities.txt"
    path.write_text("new york\tboston\nboston\tlos angeles\nlos angeles\tsan diego\n"
                    "san diego\tnew york\n")
    code, out, err = run(capsys, "score", path, "--delimiter", "tab", "--top", "2")
    assert code == 0 and err == ""
    rows = table_rows(out, "rank")
    assert len(rows) == 2 and all("new" in " ".join(r) or "boston" in " ".join(r) for r in rows)
    code, out, err = run(capsys, "score", path)
    assert code == 2 and err.count("\n") == 1 and "3 fields" in err and "--delimiter" in err
    code, _, err = run(capsys, "export", path, tmp_path / "c.graphml", "--delimiter", "\\t")
    assert code == 0
    assert sorted(read_graph(tmp_path / "c.graphml").labels) == [
        "boston", "los angeles", "new york", "san diego"]
    weighted = tmp_path / "w.txt"
    weighted.write_text("1 2 0.5\n2 3 0.25\n3 4 1\n4 1 2\n")
    assert run(capsys, "analyze", weighted, "--out", tmp_path / "a")[0] == 2
    code, _, err = run(capsys, "analyze", weighted, "--out", tmp_path / "a",
                       "--extra-fields", "ignore", "-q")
    assert code == 0, err


def test_a_dense_run_or_one_without_topology_is_named_as_such(tmp_path, capsys):
    dense = tmp_path / "dense"
    dense.mkdir()
    (dense / "config.json").write_text(json.dumps({"method": "dense"}))
    (dense / "report.json").write_text(json.dumps({"method": "dense", "test_accuracy": 0.9}))
    code, _, err = run(capsys, "analyze", dense)
    assert code == 2 and err.count("\n") == 1 and "dense method" in err
    assert "not a chsnn run directory" not in err
    young = tmp_path / "young"
    young.mkdir()
    (young / "config.json").write_text(json.dumps({"method": "chsnn"}))
    code, _, err = run(capsys, "score", young)
    assert code == 2 and "chsnn" in err and "has not written its topology" in err
    other = tmp_path / "other"
    other.mkdir()
    assert "not a chsnn run directory" in run(capsys, "analyze", other)[2]


def test_negatives_beyond_the_non_links_are_reported_as_scored(files, tmp_path, capsys):
    """Karate: 34 nodes, 78 links, so 561 - 78 = 483 non-links, however many are asked for."""
    code, out, _ = run(capsys, "evaluate", files / "karate.graphml", "--negatives", 100000,
                       "--repeats", 1, "--methods", "CH3-L3", "--out", tmp_path / "e.json")
    assert code == 0
    header = out.splitlines()[0]
    assert "all 483 non-links (--negatives 100000 exceeds them)" in header
    assert "100000 sampled" not in out
    settings = strict_load(tmp_path / "e.json")["settings"]
    assert settings["negatives_scored"] == 483 and settings["n_negatives"] == 100000
    code, out, _ = run(capsys, "evaluate", files / "karate.graphml", "--negatives", 50,
                       "--repeats", 2, "--methods", "CH3-L3")
    assert code == 0 and "50 sampled non-links" in out.splitlines()[0]


def test_export_says_what_the_target_format_drops(tmp_path, capsys):
    G = nx.karate_club_graph()  # node attribute 'club', edge attribute 'weight'
    nx.write_graphml(G, tmp_path / "k.graphml")
    code, out, _ = run(capsys, "export", tmp_path / "k.graphml", tmp_path / "k.edgelist")
    notes = [line for line in out.splitlines() if line.startswith("note: ")]
    assert code == 0 and len(notes) == 2
    assert "names are not kept" in notes[0] and "club" in notes[1] and "weight" in notes[1]
    code, out, _ = run(capsys, "export", tmp_path / "k.edgelist", tmp_path / "k.graphml2.gml")
    assert code == 0 and "note:" not in out  # integer nodes 0..33: nothing to lose
    save_layers(tmp_path / "l.npz", [np.eye(3)], weights=[np.ones(3)], names=["fc1"])
    assert run(capsys, "export", tmp_path / "l.npz", tmp_path / "l.graphml")[0] == 0
    code, out, _ = run(capsys, "export", tmp_path / "l.graphml", tmp_path / "l.edgelist")
    assert code == 0 and "note:" not in out  # layers keep everything chgraph wrote
