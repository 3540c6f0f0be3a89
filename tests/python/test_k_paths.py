"""The k most likely paths against the brute-force oracle (tests/python/explain_oracle.py):
every simple path enumerated, ranked by the product of its distinct random variables."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

import datareach as dr
from explain_oracle import simple_paths
from random_models import AT_DATES, random_scenario

K = 4


def _atomic(data: dict) -> list[str]:
    return [c["id"] for c in data["classes"] if not c.get("components")]


@pytest.mark.parametrize("seed", range(300))
def test_top_k_equals_the_oracle(seed: int) -> None:
    rng = random.Random(seed)
    data = random_scenario(rng)
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    for d in _atomic(data):
        expected = simple_paths(data, adversary, d, at)
        found = dr.most_likely_paths(model, adversary, d, K, at=at)
        assert len(found) == min(K, len(expected))
        got = [p.probability for p in found]
        want = [p for p, _, _ in expected[:K]]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15)
        # The same paths, as multisets of (probability, nodes) where probabilities tie at the edge.
        if len(found) and len(expected) > K and math.isclose(want[-1], expected[K][0], rel_tol=1e-12):
            cutoff = want[-1]
            inside = Counter(n for p, n, _ in expected if p > cutoff * (1 + 1e-12))
            assert inside <= Counter(p.nodes for p in found)
        else:
            assert Counter(p.nodes for p in found) == Counter(n for _, n, _ in expected[:K])
        for path in found:
            assert path.nodes[0] == adversary and len(path.arcs) == len(path.nodes) - 1
        best = dr.most_likely_path(model, adversary, d, at=at)
        assert (best is None) == (not expected)
        if best is not None:
            assert best.probability == pytest.approx(want[0], rel=1e-12)


def test_example_paths_and_table() -> None:
    m = dr.examples.project_texas()
    paths = dr.most_likely_paths(m, "CN", "phone_numbers", k=3, at="2022-07-01")
    assert isinstance(paths, list) and len(paths) == 3
    assert list(paths.table["rank"]) == [1, 2, 3]
    assert paths.table["probability"].is_monotonic_decreasing
    assert set(paths.steps.columns) >= {"rank", "step", "from", "to", "entry", "citation"}
    assert paths.to_dict()["analysis"] == "paths"
    assert paths[0] == dr.most_likely_path(m, "CN", "phone_numbers", at="2022-07-01")


def test_bad_requests() -> None:
    m = dr.examples.project_texas()
    with pytest.raises(dr.ModelError, match="k"):
        dr.most_likely_paths(m, "CN", "phone_numbers", k=0)
    with pytest.raises(dr.ModelError, match="composite"):
        dr.most_likely_paths(m, "CN", "user_profile")
    with pytest.raises(dr.ModelError, match="partial paths"):
        dr.most_likely_paths(m, "CN", "phone_numbers", k=1000, max_expansions=3)


@pytest.mark.parametrize("command", [["paths", "-k", "3"], ["cut"], ["chokepoints"]])
def test_cli_json_shape(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    import json
    from pathlib import Path

    from datareach.cli import main

    scenario = Path(dr.__file__).parent / "examples" / "project_texas.yaml"
    argv = [*command, str(scenario), "--adversary", "CN", "--class", "phone_numbers", "--at", "2022-07-01", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"analysis", "model", "provenance", "tables"}
    assert main([*command, str(scenario), "--adversary", "CN", "--class", "user_profile"]) == 2
