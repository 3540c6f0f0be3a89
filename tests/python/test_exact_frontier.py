"""The exact engine's frontier method (docs/design.md §2.7, §8 decisions 13, 14 and 51): grids
and ladders of shared-event links against an independent two-terminal reliability computation
written here (an undirected connectivity-partition sweep over the links), the published 5 x 5
value, ``method="auto"`` choosing exact for the 2 x 1,000 ladder, and the frontier method
against factoring on random models."""

from __future__ import annotations

import random

import pytest

import datareach as dr
from datareach import _core
from datareach.analysis._engines import AUTO_EXACT_WIDTH, resolve_method
from datareach.model.lowering import compile_model
from random_models import DATES, random_scenario

P = 0.9

Vertex = tuple[int, int]


def grid_links(rows: int, cols: int) -> list[tuple[Vertex, Vertex]]:
    links = []
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                links.append(((r, c), (r, c + 1)))
            if r + 1 < rows:
                links.append(((r, c), (r + 1, c)))
    return links


def name(v: Vertex) -> str:
    return f"v{v[0]}_{v[1]}"


def link_scenario(rows: int, cols: int, p: float) -> dict[str, object]:
    """Links as two arcs with p = 1 requiring one shared event; a store at the far corner."""
    links = grid_links(rows, cols)
    target = (rows - 1, cols - 1)
    return {
        "format": "datareach/1",
        "nodes": [
            {"id": name((r, c)), "kind": "store" if (r, c) == target else "role"}
            for r in range(rows)
            for c in range(cols)
        ],
        "classes": [{"id": "data"}],
        "placements": [{"class": "data", "store": name(target)}],
        "events": [{"id": f"link{i}", "p": p} for i in range(len(links))],
        "access": [
            arc
            for i, (a, b) in enumerate(links)
            for arc in (
                {"from": name(a), "to": name(b), "p": 1.0, "requires": [f"link{i}"]},
                {"from": name(b), "to": name(a), "p": 1.0, "requires": [f"link{i}"]},
            )
        ],
    }


SOURCE_SIDE, TARGET_SIDE = -1, -2  # component labels of the source's and the target's parts


def two_terminal_reliability(links: list[tuple[Vertex, Vertex]], p: float, source: Vertex, target: Vertex) -> float:
    """P(source and target connected) for undirected links each up with probability p, by a
    sweep over the links keeping the partition into components of the vertices met so far
    that later links still touch (labels: SOURCE_SIDE, TARGET_SIDE, or 0, 1, ...)."""
    # Column by column, so that the frontier stays one column (plus a vertex) wide.
    links = sorted(links, key=lambda link: (max(link[0][1], link[1][1]), max(link[0][0], link[1][0]), link))
    last = {}
    for i, (a, b) in enumerate(links):
        last[a] = last[b] = i
    states: dict[tuple[tuple[Vertex, int], ...], float] = {(): 1.0}
    connected = 0.0
    fresh = 10**9  # labels for vertices met now, made canonical below
    for i, (a, b) in enumerate(links):
        following: dict[tuple[tuple[Vertex, int], ...], float] = {}
        for state, weight in states.items():
            labels = dict(state)
            for v in (a, b):
                if v not in labels:
                    fresh += 1
                    labels[v] = SOURCE_SIDE if v == source else TARGET_SIDE if v == target else fresh
            for up, w in ((True, p), (False, 1 - p)):
                now = dict(labels)
                x, y = now[a], now[b]
                if up and x != y:
                    if {x, y} == {SOURCE_SIDE, TARGET_SIDE}:
                        connected += weight * w
                        continue
                    keep, drop = (x, y) if x < y else (y, x)  # a side label wins
                    now = {v: keep if lab == drop else lab for v, lab in now.items()}
                alive = True
                for v in (a, b):
                    if last[v] == i and v in now:
                        label = now.pop(v)
                        if label < 0 and label not in now.values():
                            alive = False  # that side can grow no more
                if alive:
                    key = canonical(now)
                    following[key] = following.get(key, 0.0) + weight * w
        states = following
    return connected


def canonical(labels: dict[Vertex, int]) -> tuple[tuple[Vertex, int], ...]:
    names: dict[int, int] = {}
    return tuple((v, labels[v] if labels[v] < 0 else names.setdefault(labels[v], len(names))) for v in sorted(labels))


def test_the_reference_sweep_on_the_bridge_and_a_series_pair() -> None:
    """The reference itself, on closed forms: two links in series, and the bridge network."""
    q = 0.7
    assert two_terminal_reliability([((0, 0), (0, 1)), ((0, 1), (0, 2))], q, (0, 0), (0, 2)) == pytest.approx(q * q)
    bridge = [((0, 0), (0, 1)), ((0, 0), (0, 2)), ((0, 1), (0, 2)), ((0, 1), (0, 3)), ((0, 2), (0, 3))]
    closed = 2 * q**2 + 2 * q**3 - 5 * q**4 + 2 * q**5
    assert two_terminal_reliability(bridge, q, (0, 0), (0, 3)) == pytest.approx(closed, abs=1e-14)
    assert two_terminal_reliability(grid_links(5, 5), P, (0, 0), (4, 4)) == pytest.approx(0.9755566, abs=5e-8)


def analyze(rows: int, cols: int, p: float = P) -> tuple[float, str]:
    model = dr.Model.from_dict(link_scenario(rows, cols, p))
    result = dr.analyze(model, name((0, 0)), method="auto")
    return float(result.matrix("probability")[0, 0]), result.provenance.method


@pytest.mark.parametrize(("rows", "cols"), [(2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (3, 8), (2, 30)])
def test_grids_are_exact_under_auto_and_match_the_sweep(rows: int, cols: int) -> None:
    value, method = analyze(rows, cols)
    assert method == "exact"
    assert value == pytest.approx(
        two_terminal_reliability(grid_links(rows, cols), P, (0, 0), (rows - 1, cols - 1)), abs=1e-12
    )


def test_grid_5x5_published_and_8x8_by_both_methods() -> None:
    value, _ = analyze(5, 5)
    assert value == pytest.approx(0.9755566, abs=5e-8)  # Hardy, Lucet & Limnios
    model = dr.Model.from_dict(link_scenario(8, 8, P))
    graph = compile_model(model)
    row = model.node_index[name((0, 0))]
    by_frontier = _core.exact_exposure(graph, [row])
    by_factoring = _core.exact_exposure(graph, [row], max_variables=1000, max_frontier_width=0)
    assert by_frontier.probability[0, 0] == pytest.approx(by_factoring.probability[0, 0], abs=1e-13)


@pytest.mark.parametrize("n", [100, 1000])
def test_ladders_are_exact_under_auto(n: int) -> None:
    """2 x n ladders: thousands of variables, a frontier of width 5; Monte Carlo would see
    no exposure at all in 10^6 worlds for n = 1,000 (7.18e-6)."""
    value, method = analyze(2, n)
    assert method == "exact"
    expected = two_terminal_reliability(grid_links(2, n), P, (0, 0), (1, n - 1))
    assert value == pytest.approx(expected, rel=1e-10)
    if n == 1000:
        assert value == pytest.approx(7.1824e-6, rel=1e-4)


def test_auto_counts_widths_and_factoring_variables() -> None:
    model = dr.Model.from_dict(link_scenario(2, 1000, P))
    graph = compile_model(model)
    row = model.node_index[name((0, 0))]
    size = _core.exact_complexity(graph, [row], cap=40)
    assert size["capped"] == [True]  # the variable count stopped at the cap...
    assert size["max_run_width"] == [5]  # ...the width did not
    assert size["max_factoring_variables"] == [0]
    # Without the frontier method every variable is left to factoring.
    assert _core.exact_complexity(graph, [row], cap=40, max_frontier_width=0)["max_factoring_variables"][0] > 40
    # A 12 x 12 grid (width 14, 264 variables) is wider than auto takes: Monte Carlo.
    wide = dr.Model.from_dict(link_scenario(12, 12, P))
    wide_graph = compile_model(wide)
    wide_row = wide.node_index[name((0, 0))]
    assert _core.exact_complexity(wide_graph, [wide_row])["max_run_width"][0] > AUTO_EXACT_WIDTH
    assert resolve_method("auto", [(wide_graph, [wide_row])]) == "monte_carlo"
    assert resolve_method("auto", [(graph, [row])]) == "exact"


def test_progress_can_stop_the_frontier_method() -> None:
    model = dr.Model.from_dict(link_scenario(10, 10, P))
    graph = compile_model(model)
    calls = []

    def stop(done: int, total: int) -> bool:
        calls.append((done, total))
        return len(calls) < 3

    with pytest.raises(ValueError, match="stopped by the progress callback"):
        _core.exact_exposure(graph, [model.node_index[name((0, 0))]], progress=stop)
    assert len(calls) == 3


@pytest.mark.parametrize("batch", range(4))
def test_frontier_method_matches_factoring_on_random_models(batch: int) -> None:
    """4 x 40 random models (events, filters, flows, composites, rules, windows): the
    default engine (the frontier method wherever it applies) against factoring alone."""
    rng = random.Random(9100 + batch)
    checked = 0
    while checked < 40:
        scenario = random_scenario(rng)
        at = rng.choice([None, *DATES])
        model = dr.Model.from_dict(scenario)
        graph = compile_model(model, at)
        rows = [model.node_index[n["id"]] for n in rng.sample(scenario["nodes"], min(2, len(scenario["nodes"])))]
        try:
            by_factoring = _core.exact_exposure(graph, rows, max_frontier_width=0, max_variables=24)
        except dr.ModelError:
            continue  # too many variables for a quick factoring reference
        by_frontier = _core.exact_exposure(graph, rows, max_frontier_width=30)
        assert by_frontier.probability == pytest.approx(by_factoring.probability, abs=1e-12)
        assert by_frontier.expected_share == pytest.approx(by_factoring.expected_share, abs=1e-12)
        for places in ("by_store", "by_region"):
            ours, theirs = getattr(by_frontier, places), getattr(by_factoring, places)
            for column in theirs:
                assert list(ours[column]) == pytest.approx(list(theirs[column]), abs=1e-12), (places, column)
        checked += 1


def all_terminal_reliability(links: list[tuple[Vertex, Vertex]], p: float) -> float:
    """P(every vertex connected) for undirected links each up with probability p, by a sweep
    over the links (column by column) keeping the partition of the vertices met so far that
    later links still touch: a component whose last vertex leaves must be the only one left."""
    links = sorted(links, key=lambda link: (max(link[0][1], link[1][1]), max(link[0][0], link[1][0]), link))
    first, last = {}, {}
    for i, (a, b) in enumerate(links):
        for v in (a, b):
            first.setdefault(v, i)
            last[v] = i
    states: dict[tuple[tuple[Vertex, int], ...], float] = {(): 1.0}
    fresh = 0
    for i, (a, b) in enumerate(links):
        to_come = any(first[v] > i for v in first)
        following: dict[tuple[tuple[Vertex, int], ...], float] = {}
        for state, weight in states.items():
            labels = dict(state)
            for v in (a, b):
                if v not in labels:
                    fresh += 1
                    labels[v] = fresh
            for up, w in ((True, p), (False, 1 - p)):
                now = dict(labels)
                if up and now[a] != now[b]:
                    drop, keep = now[a], now[b]
                    now = {v: keep if label == drop else label for v, label in now.items()}
                alive = True
                for v in (a, b):
                    if last[v] == i and v in now:
                        label = now.pop(v)
                        if label not in now.values() and (now or to_come):
                            alive = False  # a finished component, and something else remains
                if alive:
                    key = canonical(now)
                    following[key] = following.get(key, 0.0) + weight * w
        states = following
    return states.get((), 0.0)


def all_terminal_scenario(rows: int, cols: int, p: float) -> dict[str, object]:
    """Every node but the source (0, 0) a store holding its own class, and one composite of
    them all: exposed iff every node is reached (as in benchmarks/bench_exact.py)."""
    scenario = link_scenario(rows, cols, p)
    holders = [(r, c) for r in range(rows) for c in range(cols) if (r, c) != (0, 0)]
    scenario["nodes"] = [
        {"id": name((r, c)), "kind": "store" if (r, c) != (0, 0) else "role"} for r in range(rows) for c in range(cols)
    ]
    scenario["classes"] = [{"id": f"at_{name(v)}"} for v in holders]
    scenario["classes"].append({"id": "everything", "components": [f"at_{name(v)}" for v in holders]})
    scenario["placements"] = [{"class": f"at_{name(v)}", "store": name(v)} for v in holders]
    return scenario


def test_the_all_terminal_sweep_on_closed_forms() -> None:
    q = 0.7
    assert all_terminal_reliability([((0, 0), (0, 1)), ((0, 1), (0, 2))], q) == pytest.approx(q * q)
    triangle = [((0, 0), (0, 1)), ((0, 1), (0, 2)), ((0, 0), (0, 2))]
    assert all_terminal_reliability(triangle, q) == pytest.approx(q**3 + 3 * q**2 * (1 - q))
    square = grid_links(2, 2)  # a 4-cycle: connected iff at most one link is down
    assert all_terminal_reliability(square, q) == pytest.approx(q**4 + 4 * q**3 * (1 - q))


@pytest.mark.parametrize(("rows", "cols"), [(3, 3), (4, 4), (5, 5), (3, 7)])
def test_all_terminal_grids_match_the_sweeps(rows: int, cols: int) -> None:
    """The composite of every node's class against the all-terminal sweep; every store's row
    (from the one-sweep marginals) against the two-terminal sweep to that node."""
    model = dr.Model.from_dict(all_terminal_scenario(rows, cols, P))
    graph = compile_model(model)
    row = model.node_index[name((0, 0))]
    assert resolve_method("auto", [(graph, [row])]) == "exact"
    table = _core.exact_exposure(graph, [row])
    links = grid_links(rows, cols)
    assert table.probability[0, len(model.class_ids) - 1] == pytest.approx(
        all_terminal_reliability(links, P), abs=1e-12
    )
    stores = table.by_store
    assert len(stores["probability"]) == rows * cols - 1
    for store, probability in zip(stores["store"], stores["probability"]):
        r, c = (int(x) for x in model.node_ids[int(store)][1:].split("_"))
        assert probability == pytest.approx(two_terminal_reliability(links, P, (0, 0), (r, c)), abs=1e-12), (r, c)
    for c in range(len(model.class_ids) - 1):
        assert table.probability[0, c] == pytest.approx(float(stores["probability"][c]), abs=1e-15)
