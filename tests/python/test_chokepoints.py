"""Chokepoints against the brute-force oracle (removal of each node) and networkx's
immediate dominators; disabling a chokepoint never raises exposure."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from hypothesis import given, settings

import datareach as dr
from explain_oracle import _holding_stores, _possible_arcs
from explain_oracle import chokepoints as oracle_chokepoints
from oracle import _Compiled
from random_models import AT_DATES, random_scenario, scenarios


def _atomic(data: dict) -> list[str]:
    return [c["id"] for c in data["classes"] if not c.get("components")]


def _dominator_chain(data: dict, adversary: str, d: str, at: object) -> list[str]:
    c = _Compiled(data, adversary, at)
    g = nx.DiGraph()
    g.add_node(adversary)
    for a in _possible_arcs(c, d):
        g.add_edge(a["from"], a["to"])
    for s in _holding_stores(c, d):
        g.add_edge(s, "__sink__")
    if "__sink__" not in g or not nx.has_path(g, adversary, "__sink__"):
        return []
    idom = nx.immediate_dominators(g, adversary)
    chain = []
    v = idom["__sink__"]
    while v != adversary:
        chain.append(v)
        v = idom[v]
    return chain[::-1]


@pytest.mark.parametrize("seed", range(300))
def test_chokepoints_equal_the_oracle_and_networkx(seed: int) -> None:
    rng = random.Random(seed)
    data = random_scenario(rng)
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    for d in _atomic(data):
        found = dr.chokepoints(model, adversary, d, at=at)
        assert set(found.nodes) == oracle_chokepoints(data, adversary, d, at)
        assert found.nodes == _dominator_chain(data, adversary, d, at)
        assert list(found.table["order"]) == list(range(1, len(found.nodes) + 1))


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_disabling_a_chokepoint_never_raises_exposure(data: dict) -> None:
    model = dr.Model.from_dict(data)
    adversary = data["nodes"][0]["id"]
    base = dr.analyze(model, [adversary], method="exact").exposure.set_index("class")["probability"]
    for d in _atomic(data):
        for node in dr.chokepoints(model, adversary, d).nodes:
            after = dr.analyze(model.apply([dr.changes.disable(node)]), [adversary], method="exact")
            probability = after.exposure.set_index("class")["probability"]
            assert probability[d] <= base[d] + 1e-12
            assert probability[d] == 0.0  # every possible path went through it
