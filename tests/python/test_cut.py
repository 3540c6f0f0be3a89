"""The cheapest cut against the brute-force oracle (every subset of arcs tried) and networkx's
minimum cut; applying the cut's changes leaves the class not possibly reachable."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest
from hypothesis import given, settings

import datareach as dr
from explain_oracle import _holding_stores, _possible_arcs, _rule_arc_count, minimum_cut_cost
from oracle import _Compiled, present
from random_models import AT_DATES, random_scenario, scenarios


def _atomic(data: dict) -> list[str]:
    return [c["id"] for c in data["classes"] if not c.get("components")]


def _possible(model: dr.Model, adversary: str, d: str, at: object) -> bool:
    table = dr.reach(model, [adversary], at=at).table
    return bool(table.loc[table["class"] == d, "possible"].iloc[0])


@pytest.mark.parametrize("seed", range(200))
def test_cut_cost_equals_the_oracle(seed: int) -> None:
    rng = random.Random(seed)
    data = random_scenario(rng)
    for entry in data["access"]:
        if rng.randrange(2):
            entry["cost"] = rng.choice([0.5, 1, 2, 3.25])
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    for d in _atomic(data):
        cut = dr.cheapest_cut(model, adversary, d, at=at)
        expected = minimum_cut_cost(data, adversary, d, at)
        if math.isinf(expected):
            assert math.isinf(cut.cost) and not cut.pairs
            continue
        assert cut.cost == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert cut.cost == pytest.approx(float(cut.table["cost"].sum()), rel=1e-12, abs=1e-12)
        if cut.pairs:
            assert not _possible(model.apply(cut.as_changes()), adversary, d, at)
        else:
            assert cut.cost == 0 and not _possible(model, adversary, d, at)


def _networkx_cut(data: dict, adversary: str, d: str, at: object) -> float:
    """networkx's minimum cut on the same capacitated graph: possible explicit arcs admitting
    the class by pair (costs add), rule arcs and holding stores to the sink uncapacitated."""
    c = _Compiled(data, adversary, at)
    entries = present(data, at)["access"]
    explicit = len(entries) - _rule_arc_count(data, at)
    g = nx.DiGraph()
    g.add_node(adversary)
    for a in _possible_arcs(c, d):
        u, v = a["from"], a["to"]
        if a["index"] >= explicit:
            g.add_edge(u, v)
            g.edges[u, v].pop("capacity", None)
            g.edges[u, v]["rule"] = True
        elif not g.edges.get((u, v), {}).get("rule"):
            cost = float(entries[a["index"]].get("cost", 1.0))
            g.add_edge(u, v, capacity=g.edges[u, v]["capacity"] + cost if g.has_edge(u, v) else cost)
    for s in _holding_stores(c, d):
        g.add_edge(s, "__sink__")
    if "__sink__" not in g or not nx.has_path(g, adversary, "__sink__"):
        return 0.0
    try:
        value, _ = nx.minimum_cut(g, adversary, "__sink__")
    except nx.NetworkXUnbounded:
        return math.inf
    return float(value)


@pytest.mark.parametrize("seed", range(100))
def test_cut_cost_equals_networkx(seed: int) -> None:
    rng = random.Random(1000 + seed)
    data = random_scenario(rng)
    for entry in data["access"]:
        if rng.randrange(2):
            entry["cost"] = rng.choice([0.5, 1, 2, 3.25])
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    for d in _atomic(data):
        cut = dr.cheapest_cut(model, adversary, d, at=at)
        expected = _networkx_cut(data, adversary, d, at)
        if adversary in _holding_stores(_Compiled(data, adversary, at), d):
            expected = math.inf
        assert cut.cost == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_example_cut() -> None:
    m = dr.examples.project_texas()
    data = m.to_dict()
    cut = dr.cheapest_cut(m, "CN", "phone_numbers", at="2022-07-01")
    assert cut.cost == pytest.approx(_networkx_cut(data, "CN", "phone_numbers", "2022-07-01"))
    assert cut.cost == minimum_cut_cost(data, "CN", "phone_numbers", "2022-07-01", max_arcs=30)
    assert not _possible(m.apply(cut.as_changes()), "CN", "phone_numbers", "2022-07-01")
    assert cut.to_dict()["analysis"] == "cut"


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_cut_changes_always_make_the_class_unreachable(data: dict) -> None:
    model = dr.Model.from_dict(data)
    adversary = data["nodes"][0]["id"]
    for d in _atomic(data):
        cut = dr.cheapest_cut(model, adversary, d)
        if cut.pairs:
            assert not _possible(model.apply(cut.as_changes()), adversary, d, None)
