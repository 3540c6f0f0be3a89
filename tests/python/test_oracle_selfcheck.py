"""The oracle checked against hand-computed numbers. Imports nothing from datareach."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import networkx as nx
import pytest

import oracle


def model(nodes, classes, placements, access, flows=(), events=()):
    return {
        "format": "datareach/1",
        "nodes": [dict(n) for n in nodes],
        "classes": [dict(c) for c in classes],
        "placements": [dict(p) for p in placements],
        "flows": [dict(f) for f in flows],
        "access": [dict(a) for a in access],
        "events": [dict(e) for e in events],
    }


def role(i, region=None):
    return {"id": i, "kind": "role", **({"region": region} if region else {})}


def store(i, region=None):
    return {"id": i, "kind": "store", **({"region": region} if region else {})}


D = {"id": "d", "sensitivity": 2, "records": 1000}


def prob(m, cls="d", adversary="a", at=None):
    return oracle.enumerate_exposure(m, adversary, at=at)[cls]["probability"]


# ------------------------------------------------------------------ series / parallel


@pytest.mark.parametrize("p1,p2", [(0.3, 0.7), (0.5, 0.5), (1.0, 0.25), (0.9, 0.0)])
def test_series_is_product(p1, p2):
    m = model(
        [role("a"), role("b"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [{"from": "a", "to": "b", "p": p1}, {"from": "b", "to": "s", "p": p2}],
    )
    r = oracle.enumerate_exposure(m, "a")["d"]
    assert r["probability"] == pytest.approx(p1 * p2, abs=1e-12)
    assert r["expected_share"] == pytest.approx(p1 * p2, abs=1e-12)
    assert r["expected_records"] == pytest.approx(1000 * p1 * p2, abs=1e-9)
    assert r["risk"] == pytest.approx(2 * 1000 * p1 * p2, abs=1e-9)


@pytest.mark.parametrize("p1,p2", [(0.3, 0.7), (0.5, 0.5), (0.1, 0.2)])
def test_parallel_arcs(p1, p2):
    m = model(
        [role("a"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [{"from": "a", "to": "s", "p": p1}, {"from": "a", "to": "s", "p": p2}],
    )
    assert prob(m) == pytest.approx(1 - (1 - p1) * (1 - p2), abs=1e-12)


def test_parallel_paths():
    m = model(
        [role("a"), role("b"), role("c"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [
            {"from": "a", "to": "b", "p": 0.5},
            {"from": "b", "to": "s", "p": 0.6},
            {"from": "a", "to": "c", "p": 0.7},
            {"from": "c", "to": "s", "p": 0.8},
        ],
    )
    assert prob(m) == pytest.approx(1 - (1 - 0.3) * (1 - 0.56), abs=1e-12)


# ------------------------------------------------------------------ events


def test_two_arcs_sharing_one_event_count_it_once():
    m = model(
        [role("a"), role("b"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [{"from": "a", "to": "b", "p": 0.5, "requires": ["e"]}, {"from": "b", "to": "s", "p": 0.8, "requires": ["e"]}],
        events=[{"id": "e", "p": 0.3}],
    )
    assert prob(m) == pytest.approx(0.3 * 0.5 * 0.8, abs=1e-12)  # not 0.3**2 * ...


def test_parallel_arcs_sharing_an_event_are_correlated():
    # Both routes need e: P = pe * (1 - (1-p1)(1-p2)), not 1 - (1-pe p1)(1-pe p2).
    m = model(
        [role("a"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [{"from": "a", "to": "s", "p": 0.5, "requires": ["e"]}, {"from": "a", "to": "s", "p": 0.5, "requires": ["e"]}],
        events=[{"id": "e", "p": 0.4}],
    )
    assert prob(m) == pytest.approx(0.4 * 0.75, abs=1e-12)


def test_fixed_events_are_not_variables():
    m = model(
        [role("a"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [
            {"from": "a", "to": "s", "p": 1, "requires": ["one", "zero"]},
            {"from": "a", "to": "s", "p": 0.25, "requires": ["one"]},
        ],
        events=[{"id": "one", "p": 1}, {"id": "zero", "p": 0}],
    )
    assert oracle.random_variables(m, "a") == [("arc", 1, 0.25)]
    assert prob(m) == pytest.approx(0.25)


def undirected_bridge(p):
    """Edges 0-1, 0-2, 1-2, 1-3, 2-3: each two arcs with p=1 requiring one shared event."""
    edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]
    access, events = [], []
    for u, v in edges:
        e = f"link_{u}{v}"
        events.append({"id": e, "p": p})
        access.append({"from": f"n{u}", "to": f"n{v}", "p": 1, "requires": [e]})
        access.append({"from": f"n{v}", "to": f"n{u}", "p": 1, "requires": [e]})
    nodes = [role("n0"), role("n1"), role("n2"), store("n3")]
    return model(nodes, [D], [{"class": "d", "store": "n3"}], access, events=events)


def bridge_reliability(p):
    return 2 * p**2 + 2 * p**3 - 5 * p**4 + 2 * p**5


def test_bridge_network_reliability():
    assert bridge_reliability(0.9) == pytest.approx(0.97848, abs=1e-12)
    assert prob(undirected_bridge(0.9), adversary="n0") == pytest.approx(0.97848, abs=1e-12)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.77])
def test_bridge_network_reliability_other_p(p):
    assert prob(undirected_bridge(p), adversary="n0") == pytest.approx(bridge_reliability(p), abs=1e-12)


def test_bridge_variables_and_directed_twin():
    # Undirected: one shared event per link, 5 random variables.
    assert len(oracle.random_variables(undirected_bridge(0.9), "n0")) == 5
    # The directed twin (an independent coin on each of the 10 arcs) has the same 0 -> 3
    # reliability: a minimal 0-3 path uses the bridge 1-2 in one direction only, and the
    # two directions are needed in disjoint sets of worlds. 10 variables now.
    m = undirected_bridge(0.9)
    for a in m["access"]:
        a["p"], a["requires"] = 0.9, []
    m["events"] = []
    assert len(oracle.random_variables(m, "n0")) == 10
    assert prob(m, adversary="n0") == pytest.approx(0.97848, abs=1e-12)


# ------------------------------------------------------------------ composite, presence


def composite_model(shared_arc):
    classes = [
        {"id": "d1", "sensitivity": 1, "records": 10},
        {"id": "d2", "sensitivity": 1, "records": 10},
        {"id": "both", "components": ["d1", "d2"], "sensitivity": 5, "records": 10},
    ]
    placements = [{"class": "d1", "store": "s1", "share": 0.5}, {"class": "d2", "store": "s2", "share": 0.8}]
    if shared_arc:
        access = [
            {"from": "a", "to": "b", "p": 0.6},
            {"from": "b", "to": "s1", "p": 1},
            {"from": "b", "to": "s2", "p": 1},
        ]
    else:
        access = [{"from": "a", "to": "s1", "p": 0.6}, {"from": "a", "to": "s2", "p": 0.7}]
    return model([role("a"), role("b"), store("s1", "US/VA"), store("s2", "US/TX")], classes, placements, access)


def test_composite_is_min_in_the_same_world():
    r = oracle.enumerate_exposure(composite_model(shared_arc=False), "a")
    assert r["d1"]["probability"] == pytest.approx(0.6)
    assert r["d2"]["probability"] == pytest.approx(0.7)
    assert r["both"]["probability"] == pytest.approx(0.42)
    assert r["both"]["expected_share"] == pytest.approx(0.42 * 0.5)
    assert r["both"]["risk"] == pytest.approx(5 * 10 * 0.42 * 0.5)
    # its stores count only in worlds where the whole mosaic is reached
    assert r["both"]["by_store"] == pytest.approx({"s1": 0.42, "s2": 0.42})
    assert r["both"]["by_region"] == pytest.approx({"US": 0.42, "US/TX": 0.42, "US/VA": 0.42})
    # correlated: one arc opens both parts
    r = oracle.enumerate_exposure(composite_model(shared_arc=True), "a")
    assert r["both"]["probability"] == pytest.approx(0.6)


def test_nested_composite_flattens():
    m = composite_model(shared_arc=False)
    m["classes"].append({"id": "d3", "sensitivity": 1, "records": 1})
    m["classes"].append({"id": "outer", "components": ["both", "d3"], "sensitivity": 1, "records": 1})
    m["placements"].append({"class": "d3", "store": "s1"})
    assert oracle.class_atoms(m)["outer"] == {"d1", "d2", "d3"}
    r = oracle.enumerate_exposure(m, "a")
    assert r["outer"]["probability"] == pytest.approx(0.42)
    assert r["outer"]["expected_share"] == pytest.approx(0.42 * 0.5)


def test_composite_cycle_is_rejected():
    m = composite_model(shared_arc=False)
    m["classes"].append({"id": "x", "components": ["y"]})
    m["classes"].append({"id": "y", "components": ["x"]})
    with pytest.raises(ValueError, match="cycle"):
        oracle.class_atoms(m)


def test_flow_share_multiplies_and_cycles_are_fine():
    m = model(
        [role("a"), store("s1"), store("s2"), store("s3")],
        [D],
        [{"class": "d", "store": "s1", "share": 0.5}],
        [{"from": "a", "to": "s3", "p": 0.9}],
        flows=[
            {"from": "s1", "to": "s2", "share": 0.4},
            {"from": "s2", "to": "s3"},
            {"from": "s3", "to": "s1"},  # a cycle back to the origin
            {"from": "s1", "to": "s3", "share": 0.1},
        ],
    )
    assert oracle.presence_shares(m) == {"d": pytest.approx({"s1": 0.5, "s2": 0.2, "s3": 0.2})}
    r = oracle.enumerate_exposure(m, "a")["d"]
    assert r["probability"] == pytest.approx(0.9)
    assert r["expected_share"] == pytest.approx(0.9 * 0.2)
    assert r["expected_records"] == pytest.approx(1000 * 0.9 * 0.2)


def test_presence_takes_the_best_route_and_own_placement():
    m = model(
        [store("s1"), store("s2"), store("s3")],
        [D],
        [{"class": "d", "store": "s1"}, {"class": "d", "store": "s3", "share": 0.05}],
        [],
        flows=[
            {"from": "s1", "to": "s2", "share": 0.5},
            {"from": "s2", "to": "s3", "share": 0.5},
            {"from": "s1", "to": "s3", "share": 0.2},
        ],
    )
    assert oracle.presence_shares(m)["d"] == pytest.approx({"s1": 1, "s2": 0.5, "s3": 0.25})


def test_exposed_share_is_max_over_reached_stores():
    m = model(
        [role("a"), store("s1"), store("s2")],
        [D],
        [{"class": "d", "store": "s1", "share": 0.3}, {"class": "d", "store": "s2", "share": 0.6}],
        [{"from": "a", "to": "s1", "p": 0.5}, {"from": "a", "to": "s2", "p": 0.5}],
    )
    r = oracle.enumerate_exposure(m, "a")["d"]
    # worlds: both (.25) -> .6, only s2 (.25) -> .6, only s1 (.25) -> .3
    assert r["expected_share"] == pytest.approx(0.25 * 0.6 + 0.25 * 0.6 + 0.25 * 0.3)
    assert r["by_store"] == pytest.approx({"s1": 0.5, "s2": 0.5})


# ------------------------------------------------------------------ windows, filters


def windowed():
    return model(
        [role("a"), store("s")],
        [D],
        [{"class": "d", "store": "s", "window": [None, dt.date(2023, 1, 1)]}],
        [
            {"from": "a", "to": "s", "p": 0.5, "window": [dt.date(2022, 1, 1), dt.date(2024, 1, 1)]},
            {"from": "a", "to": "s", "p": 0.2, "window": ["2021-01-01", "2022-01-01"]},
        ],
        flows=[],
    )


@pytest.mark.parametrize(
    "at,expected",
    [
        (None, 1 - 0.5 * 0.8),  # windows ignored
        ("2021-06-01", 0.2),
        ("2021-12-31", 0.2),
        ("2022-01-01", 0.5),  # start is inclusive ...
        (dt.date(2022, 12, 31), 0.5),
        ("2023-01-01", 0.0),  # ... end exclusive: the placement is gone
        ("2020-01-01", 0.0),
    ],
)
def test_window(at, expected):
    assert prob(windowed(), at=at) == pytest.approx(expected)


def test_present_drops_absent_and_is_idempotent():
    m = windowed()
    p = oracle.present(m, "2022-06-01")
    assert [a["p"] for a in p["access"]] == [0.5]
    assert oracle.present(p, "2022-06-01") == p
    assert m["access"][1]["p"] == 0.2  # the input is not mutated


def test_class_filter_on_arcs_and_flows():
    classes = [
        {"id": "d1", "records": 1},
        {"id": "d2", "records": 1},
        {"id": "pair", "components": ["d1", "d2"], "records": 1},
    ]
    m = model(
        [role("a"), role("b"), store("s"), store("t")],
        classes,
        [{"class": "d1", "store": "s"}, {"class": "d2", "store": "s"}],
        [
            {"from": "a", "to": "b", "p": 0.5, "classes": ["d1"]},
            {"from": "b", "to": "s", "p": 1},
            {"from": "a", "to": "t", "p": 0.4, "classes": ["pair"]},
        ],
        flows=[{"from": "s", "to": "t", "classes": ["d2"], "share": 0.5}],
    )
    assert oracle.presence_shares(m) == {"d1": {"s": 1.0}, "d2": {"s": 1.0, "t": 0.5}}
    r = oracle.enumerate_exposure(m, "a")
    assert r["d1"]["probability"] == pytest.approx(0.5)
    assert r["d2"]["probability"] == pytest.approx(0.4)  # only via t, not via b
    assert r["d2"]["expected_share"] == pytest.approx(0.2)
    assert r["pair"]["probability"] == pytest.approx(0.2)
    assert oracle.possible_reach(m, "a") == {"d1": {"s"}, "d2": {"t"}, "pair": {"s", "t"}}
    assert oracle.certain_reach(m, "a") == {"d1": set(), "d2": set(), "pair": set()}


def test_composite_placement_places_its_components():
    classes = [{"id": "d1"}, {"id": "d2"}, {"id": "pair", "components": ["d1", "d2"]}]
    m = model([store("s")], classes, [{"class": "pair", "store": "s", "share": 0.5}], [])
    assert oracle.presence_shares(m) == {"d1": {"s": 0.5}, "d2": {"s": 0.5}}


# ------------------------------------------------------------------ jurisdictions, regions


def jurisdiction_model():
    nodes = [
        {"id": "CN", "kind": "jurisdiction", "territory": "CN", "compels": 0.9},
        role("admin", "CN/Beijing"),
        store("cn_store", "CN"),
        store("cnx_store", "CNX"),
        store("us_store", "US/VA"),
        role("nowhere"),
    ]
    classes = [{"id": "d", "records": 10, "sensitivity": 1}]
    placements = [{"class": "d", "store": s} for s in ("cn_store", "cnx_store", "us_store")]
    access = [{"from": "admin", "to": "us_store", "p": 0.5}]
    return model(nodes, classes, placements, access)


def test_jurisdiction_rule_expands_by_region_prefix():
    arcs = oracle.present(jurisdiction_model())["access"]
    implicit = {(a["from"], a["to"], a["p"], a["kind"]) for a in arcs if a["from"] == "CN"}
    assert implicit == {("CN", "admin", 0.9, "compels"), ("CN", "cn_store", 0.9, "compels")}


def test_jurisdiction_exposure_and_regions():
    r = oracle.enumerate_exposure(jurisdiction_model(), "CN")["d"]
    p_us = 0.9 * 0.5
    assert r["probability"] == pytest.approx(1 - 0.1 * (1 - p_us))
    assert r["by_store"] == pytest.approx({"cn_store": 0.9, "us_store": p_us})
    assert r["by_region"] == pytest.approx({"CN": 0.9, "US": p_us, "US/VA": p_us})


def test_region_helpers():
    assert oracle.region_and_ancestors("US/VA/Ashburn") == ["US/VA/Ashburn", "US/VA", "US"]
    assert oracle.region_within("US/VA", "US") and oracle.region_within("US", "US")
    assert not oracle.region_within("USA", "US") and not oracle.region_within(None, "US")


def test_adversary_reaches_itself():
    m = model([store("s")], [D], [{"class": "d", "store": "s"}], [])
    assert prob(m, adversary="s") == 1.0
    assert oracle.certain_reach(m, "s") == {"d": {"s"}}


def test_unknown_adversary():
    with pytest.raises(ValueError, match="unknown adversary"):
        oracle.enumerate_exposure(jurisdiction_model(), "XX")


# ------------------------------------------------------------------ deterministic views


def test_possible_and_certain_reach():
    m = model(
        [role("a"), role("b"), store("s1"), store("s2"), store("s3")],
        [D],
        [{"class": "d", "store": s} for s in ("s1", "s2", "s3")],
        [
            {"from": "a", "to": "b", "p": 1},
            {"from": "b", "to": "s1", "p": 1, "requires": ["sure"]},
            {"from": "b", "to": "s2", "p": 1, "requires": ["maybe"]},
            {"from": "a", "to": "s3", "p": 0.0},
        ],
        events=[{"id": "sure", "p": 1}, {"id": "maybe", "p": 0.1}],
    )
    assert oracle.possible_reach(m, "a") == {"d": {"s1", "s2"}}
    assert oracle.certain_reach(m, "a") == {"d": {"s1"}}


def random_model(rng, n_nodes=7, n_arcs=12, n_events=2):
    nodes = [role(f"n{i}") for i in range(n_nodes - 3)] + [store(f"s{i}") for i in range(3)]
    ids = [n["id"] for n in nodes]
    classes = [
        {"id": "d1", "records": 5, "sensitivity": 1},
        {"id": "d2", "records": 7, "sensitivity": 2},
        {"id": "c", "components": ["d1", "d2"], "records": 5, "sensitivity": 3},
    ]
    placements = [
        {"class": "d1", "store": "s0", "share": 0.7},
        {"class": "d2", "store": rng.choice(["s1", "s2"]), "share": 0.9},
    ]
    flows = [{"from": "s0", "to": "s1", "share": 0.5, "classes": ["d1"]}]
    events = [{"id": f"e{i}", "p": rng.choice([0.0, 0.3, 0.5, 1.0])} for i in range(n_events)]
    access = []
    for _ in range(n_arcs):
        a = {"from": rng.choice(ids[:-3]), "to": rng.choice(ids), "p": rng.choice([0.0, 0.4, 0.8, 1.0])}
        if rng.random() < 0.3:
            a["requires"] = [rng.choice(events)["id"]]
        if rng.random() < 0.3:
            a["classes"] = [rng.choice(["d1", "d2", "c"])]
        access.append(a)
    return model(nodes, classes, placements, access, flows=flows, events=events)


@pytest.mark.parametrize("seed", range(30))
def test_deterministic_views_match_networkx_and_enumeration(seed):
    rng = random.Random(seed)
    m = random_model(rng)
    ev = {e["id"]: e["p"] for e in m["events"]}
    shares = oracle.presence_shares(m)
    exact = oracle.enumerate_exposure(m, "n0")
    possible = oracle.possible_reach(m, "n0")
    certain = oracle.certain_reach(m, "n0")
    for d in ("d1", "d2"):
        for name, keep in (
            ("possible", lambda a: a["p"] > 0 and all(ev[e] > 0 for e in a.get("requires", []))),
            ("certain", lambda a: a["p"] == 1 and all(ev[e] == 1 for e in a.get("requires", []))),
        ):
            g = nx.DiGraph()
            g.add_nodes_from(n["id"] for n in m["nodes"])
            g.add_edges_from(
                (a["from"], a["to"])
                for a in m["access"]
                if keep(a) and (a.get("classes") is None or d in oracle._admitted(oracle.class_atoms(m), a["classes"]))
            )
            reached = nx.descendants(g, "n0") | {"n0"}
            expected = {s for s in shares[d] if s in reached}
            assert (possible if name == "possible" else certain)[d] == expected
        # possible <=> probability > 0; certain <=> probability == 1
        assert (exact[d]["probability"] > 0) == bool(possible[d])
        assert (exact[d]["probability"] == pytest.approx(1.0)) == bool(certain[d])
        assert set(exact[d]["by_store"]) == possible[d]
    assert (exact["c"]["probability"] > 0) == bool(possible["c"])


# ------------------------------------------------------------------ Monte Carlo, limits


@pytest.mark.parametrize("seed", range(5))
def test_monte_carlo_agrees_with_enumeration(seed):
    m = random_model(random.Random(100 + seed))
    exact = oracle.enumerate_exposure(m, "n0")
    mc = oracle.sample_exposure(m, "n0", samples=4000, seed=seed, z=4.0)
    for cid in ("d1", "d2", "c"):
        assert mc[cid]["ci_low"] <= exact[cid]["probability"] <= mc[cid]["ci_high"]
        assert mc[cid]["expected_share"] == pytest.approx(exact[cid]["expected_share"], abs=0.05)
    again = oracle.sample_exposure(m, "n0", samples=4000, seed=seed, z=4.0)
    assert again == mc


def test_enumeration_brute_force_by_hand_on_random_models():
    # An independent re-derivation on 3 small models: sum over all 2^n worlds by hand.
    for seed in range(3):
        rng = random.Random(seed)
        m = random_model(rng, n_arcs=6, n_events=1)
        arcs = [a for a in m["access"]]
        ev = {e["id"]: e["p"] for e in m["events"]}
        total = 0.0
        for coins in itertools.product((0, 1), repeat=len(arcs)):
            for ups in itertools.product((0, 1), repeat=len(ev)):
                up = dict(zip(ev, ups))
                w = 1.0
                for a, c in zip(arcs, coins):
                    w *= a["p"] if c else 1 - a["p"]
                for e, u in up.items():
                    w *= ev[e] if u else 1 - ev[e]
                g = nx.DiGraph()
                g.add_node("n0")
                for a, c in zip(arcs, coins):
                    if (
                        c
                        and all(up[e] for e in a.get("requires", []))
                        and (a.get("classes") is None or a["classes"][0] in ("d1", "c"))
                    ):
                        g.add_edge(a["from"], a["to"])
                reached = nx.descendants(g, "n0") | {"n0"}
                if reached & {"s0", "s1"}:  # d1 lives in s0 and (by flow) s1
                    total += w
        assert oracle.enumerate_exposure(m, "n0")["d1"]["probability"] == pytest.approx(total)


def test_too_many_variables_to_enumerate():
    n = oracle.MAX_ENUMERATED_VARIABLES + 1
    m = model(
        [role("a"), store("s")],
        [D],
        [{"class": "d", "store": "s"}],
        [{"from": "a", "to": "s", "p": 0.5} for _ in range(n)],
    )
    with pytest.raises(ValueError, match="too many"):
        oracle.enumerate_exposure(m, "a")
    mc = oracle.sample_exposure(m, "a", samples=200, seed=1)
    assert mc["d"]["probability"] == 1.0  # 1 - 2**-21 rounds to every sample


def test_total_risk_sums_classes():
    r = oracle.enumerate_exposure(composite_model(shared_arc=False), "a")
    assert oracle.total_risk(r) == pytest.approx(sum(v["risk"] for v in r.values()))


def test_defaults_share_records_sensitivity_are_one():
    m = model(
        [role("a"), store("s")], [{"id": "d"}], [{"class": "d", "store": "s"}], [{"from": "a", "to": "s", "p": 0.5}]
    )
    r = oracle.enumerate_exposure(m, "a")["d"]
    assert (r["expected_share"], r["expected_records"], r["risk"]) == (0.5, 0.5, 0.5)
