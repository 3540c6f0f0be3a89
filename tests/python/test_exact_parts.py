"""The exact engine's split into independent parts (docs/design.md §8, decision 52): models
built as several pieces that meet only at the adversary (each piece with its own events)
against the brute-force oracle, and six 8 x 8 grids from one adversary, exact under
``method="auto"`` only because the parts are searched apart, against the grids computed one
by one; and random all-terminal models (every node a store with its own class, a composite
of them all) against the oracle."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import datareach as dr
from datareach import _core
from datareach.analysis._engines import resolve_method
from datareach.model.lowering import compile_model
from oracle import enumerate_exposure, random_variables

TOLERANCE = 1e-12
REGIONS = [None, "US", "US/VA", "CN"]
CHANCES = st.sampled_from([0.1, 0.25, 0.5, 0.8, 0.95])


@st.composite
def pieces_scenarios(draw: st.DrawFn) -> dict:
    """An adversary and 2-3 pieces of 2-4 nodes, each entered from the adversary, with arcs
    inside the piece (some requiring the piece's own event), maybe one back to the adversary,
    and classes (an optional composite, optional filters) placed across the pieces."""
    atoms = [f"c{i}" for i in range(draw(st.integers(1, 3)))]
    classes: list[dict[str, object]] = [{"id": c} for c in atoms]
    if len(atoms) >= 2 and draw(st.booleans()):
        classes.append({"id": "mosaic", "components": [atoms[0], atoms[-1]]})
    nodes: list[dict[str, object]] = [{"id": "adv", "kind": "role"}]
    events, access, stores = [], [], []
    for piece in range(draw(st.integers(2, 3))):
        names = [f"p{piece}n{v}" for v in range(draw(st.integers(2, 4)))]
        for node in names:
            kind = draw(st.sampled_from(["store", "role"]))
            entry: dict[str, object] = {"id": node, "kind": kind}
            if (region := draw(st.sampled_from(REGIONS))) is not None:
                entry["region"] = region
            nodes.append(entry)
            if kind == "store":
                stores.append(node)
        event = f"e{piece}"
        events.append({"id": event, "p": draw(CHANCES)})
        access.append({"from": "adv", "to": names[0], "p": draw(CHANCES)})
        for _ in range(draw(st.integers(1, 4))):
            a, b = draw(st.permutations(names))[:2]
            arc: dict[str, object] = {"from": a, "to": b, "p": draw(st.sampled_from([1.0, 0.3, 0.7]))}
            if draw(st.booleans()):
                arc["requires"] = [event]
            if draw(st.integers(0, 4)) == 0:
                arc["classes"] = [draw(st.sampled_from(atoms))]
            access.append(arc)
        if draw(st.integers(0, 3)) == 0:
            access.append({"from": draw(st.sampled_from(names)), "to": "adv", "p": 0.5, "requires": [event]})
    if not stores:
        nodes.append({"id": "s", "kind": "store"})
        stores.append("s")
        access.append({"from": "adv", "to": "s", "p": 0.4})
    placements = [
        {"class": c, "store": s, "share": draw(st.sampled_from([0.25, 0.5, 1.0]))}
        for c in atoms
        for s in stores
        if draw(st.booleans())
    ]
    if not placements:
        placements.append({"class": atoms[0], "store": stores[0]})
    return {
        "format": "datareach/1",
        "nodes": nodes,
        "classes": classes,
        "placements": placements,
        "events": events,
        "access": access,
    }


def places(table: object, columns: str, key: str, labels: list[str], row: int) -> dict[tuple[int, str], float]:
    """{(class column, place label): probability} of one adversary row of a place table."""
    found = getattr(table, columns)
    return {
        (int(c), labels[int(place)]): float(p)
        for r, c, place, p in zip(found["adversary_row"], found["class"], found[key], found["probability"])
        if r == row
    }


@settings(max_examples=150, deadline=None)
@given(pieces_scenarios())
def test_independent_pieces_match_brute_force(scenario: dict) -> None:
    if len(random_variables(scenario, "adv")) > 16:
        return  # too many worlds for a quick oracle (rare: at most 3 pieces of 4 arcs)
    model = dr.Model.from_dict(scenario)
    graph = compile_model(model)
    table = _core.exact_exposure(graph, [model.node_index["adv"]], max_frontier_width=30)
    expected = enumerate_exposure(scenario, "adv")
    composite = {c["id"] for c in scenario["classes"] if c.get("components")}
    stores = places(table, "by_store", "store", model.node_ids, 0)
    regions = places(table, "by_region", "region", model.region_names, 0)
    for c, cid in enumerate(model.class_ids):
        want = expected[cid]
        assert table.probability[0, c] == pytest.approx(want["probability"], abs=TOLERANCE), cid
        assert table.expected_share[0, c] == pytest.approx(want["expected_share"], abs=TOLERANCE), cid
        if cid in composite:
            continue
        for got, want_places in ((stores, want["by_store"]), (regions, want["by_region"])):
            mine = {place: p for (column, place), p in got.items() if column == c}
            assert set(want_places) <= set(mine), cid  # the oracle lists positive ones only
            for place, p in mine.items():
                assert p == pytest.approx(want_places.get(place, 0.0), abs=TOLERANCE), (cid, place)


GRID, GRIDS, ENTRY = 8, 6, 0.9
SHARES = [1.0, 0.5, 0.5, 0.25, 1.0, 0.75]


def grid_piece(index: int) -> tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]:
    """Nodes, events and arcs of grid `index`: links of p = 0.84 + 0.02 index (two arcs
    requiring one event), entered from "adv" at its first corner by an arc of ENTRY; its far
    corner is the store g{index}_store."""

    def node(r: int, c: int) -> str:
        return f"g{index}_store" if (r, c) == (GRID - 1, GRID - 1) else f"g{index}_{r}_{c}"

    nodes: list[dict[str, object]] = [
        {"id": node(r, c), "kind": "store" if (r, c) == (GRID - 1, GRID - 1) else "role"}
        for r in range(GRID)
        for c in range(GRID)
    ]
    links = [((r, c), (r, c + 1)) for r in range(GRID) for c in range(GRID - 1)]
    links += [((r, c), (r + 1, c)) for r in range(GRID - 1) for c in range(GRID)]
    events: list[dict[str, object]] = [{"id": f"g{index}_l{i}", "p": 0.84 + 0.02 * index} for i in range(len(links))]
    arcs: list[dict[str, object]] = [{"from": "adv", "to": node(0, 0), "p": ENTRY}]
    for i, (a, b) in enumerate(links):
        for x, y in ((a, b), (b, a)):
            arcs.append({"from": node(*x), "to": node(*y), "p": 1.0, "requires": [f"g{index}_l{i}"]})
    return nodes, events, arcs


def grids_scenario(indices: list[int]) -> dict:
    nodes: list[dict[str, object]] = [{"id": "adv", "kind": "role"}]
    events: list[dict[str, object]] = []
    access: list[dict[str, object]] = []
    for i in indices:
        more_nodes, more_events, more_arcs = grid_piece(i)
        nodes += more_nodes
        events += more_events
        access += more_arcs
    return {
        "format": "datareach/1",
        "nodes": nodes,
        "classes": [{"id": "data"}],
        "placements": [{"class": "data", "store": f"g{i}_store", "share": SHARES[i]} for i in indices],
        "events": events,
        "access": access,
    }


def test_six_grids_from_one_adversary_are_the_product_of_the_grids() -> None:
    model = dr.Model.from_dict(grids_scenario(list(range(GRIDS))))
    graph = compile_model(model)
    adversary = [model.node_index["adv"]]
    size = _core.exact_complexity(graph, adversary)
    assert size["variables"][0] > 600  # far beyond factoring
    assert resolve_method("auto", [(graph, adversary)]) == "exact"
    table = _core.exact_exposure(graph, adversary)
    # Each grid alone: its own model, its own exact run.
    alone = []
    for i in range(GRIDS):
        single = dr.Model.from_dict(grids_scenario([i]))
        single_graph = compile_model(single)
        alone.append(float(_core.exact_exposure(single_graph, [single.node_index["adv"]]).probability[0, 0]))
        assert (
            _core.exact_complexity(single_graph, [single.node_index["adv"]])["max_run_width"] == size["max_run_width"]
        )

    def at_least(share: float) -> float:
        return 1.0 - math.prod(1.0 - p for p, s in zip(alone, SHARES) if s >= share)

    levels = sorted(set(SHARES), reverse=True)
    expected = sum((s - (levels[k + 1] if k + 1 < len(levels) else 0.0)) * at_least(s) for k, s in enumerate(levels))
    assert table.probability[0, 0] == pytest.approx(at_least(min(SHARES)), abs=TOLERANCE)
    assert table.expected_share[0, 0] == pytest.approx(expected, abs=TOLERANCE)
    stores = places(table, "by_store", "store", model.node_ids, 0)
    assert stores == pytest.approx({(0, f"g{i}_store"): alone[i] for i in range(GRIDS)}, abs=TOLERANCE)
    result = dr.analyze(model, "adv", method="auto")
    assert result.provenance.method == "exact"
    assert float(result.matrix("probability")[0, 0]) == pytest.approx(table.probability[0, 0], abs=TOLERANCE)


@st.composite
def all_terminal_scenarios(draw: st.DrawFn) -> dict:
    """A random graph on 3-7 nodes (a path from the adversary through every node, then more
    links and one-way arcs) where every node but the adversary is a store holding its own
    class, with a composite of them all: exposed iff every node is reached."""
    count = draw(st.integers(3, 7))
    names = ["adv", *(f"s{i}" for i in range(1, count))]
    pairs = [(names[i - 1], names[i]) for i in range(1, count)]
    pairs += [tuple(draw(st.permutations(names))[:2]) for _ in range(draw(st.integers(0, 4)))]
    events, access = [], []
    for i, (a, b) in enumerate(pairs):
        p = draw(CHANCES)
        if draw(st.integers(0, 2)) == 0:
            access.append({"from": a, "to": b, "p": p})
        else:
            events.append({"id": f"link{i}", "p": p})
            access += [{"from": x, "to": y, "p": 1.0, "requires": [f"link{i}"]} for x, y in ((a, b), (b, a))]
    holders = names[1:]
    return {
        "format": "datareach/1",
        "nodes": [{"id": "adv", "kind": "role"}, *({"id": s, "kind": "store"} for s in holders)],
        "classes": [*({"id": f"c_{s}"} for s in holders), {"id": "all", "components": [f"c_{s}" for s in holders]}],
        "placements": [{"class": f"c_{s}", "store": s, "share": draw(st.sampled_from([0.5, 1.0]))} for s in holders],
        "events": events,
        "access": access,
    }


@settings(max_examples=120, deadline=None)
@given(all_terminal_scenarios())
def test_all_terminal_models_match_brute_force(scenario: dict) -> None:
    model = dr.Model.from_dict(scenario)
    graph = compile_model(model)
    table = _core.exact_exposure(graph, [model.node_index["adv"]], max_frontier_width=30)
    expected = enumerate_exposure(scenario, "adv")
    stores = places(table, "by_store", "store", model.node_ids, 0)
    for c, cid in enumerate(model.class_ids):
        assert table.probability[0, c] == pytest.approx(expected[cid]["probability"], abs=TOLERANCE), cid
        assert table.expected_share[0, c] == pytest.approx(expected[cid]["expected_share"], abs=TOLERANCE), cid
        if cid != "all":
            (store,) = [s for (column, s) in stores if column == c]
            assert stores[(c, store)] == pytest.approx(expected[cid]["by_store"].get(store, 0.0), abs=TOLERANCE)
