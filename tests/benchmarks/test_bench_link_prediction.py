"""benchmarks/bench_link_prediction.py --graphs on networkx's small real networks: it runs
end to end (its own agreement checks included), prints the table with the floors and writes
them to its JSON file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_link_prediction as bench  # noqa: E402


def test_graphs_section_on_small_networks(tmp_path, capsys):
    out = tmp_path / "graphs.json"
    assert bench.main(["--graphs", "--graph-cases", "karate_club", "les_miserables",
                       "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| walk floor s | count floor s | top-k / count floor |" in printed
    result = json.loads(out.read_text())
    assert [g["case"] for g in result["graphs"]] == ["karate_club", "les_miserables"]
    for g in result["graphs"]:
        assert g["walk_floor_seconds"] > 0 and g["count_floor_seconds"] > 0
        assert g["top_k_seconds"] > 0 and g["paths"] > 0
