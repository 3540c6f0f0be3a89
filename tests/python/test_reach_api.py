"""The behaviour of ``dr.reach`` and ``dr.most_likely_path`` as a user meets it: errors that
name the field and suggest the id meant, dates in every accepted form, the printed path,
the claims of the embedded example, and a model of a million arcs."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import time

import numpy as np
import pandas as pd
import pytest

import datareach as dr

AUTUMN_2021 = "2021-10-01"
JUNE_2022 = "2022-07-01"


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def stores_of(table: pd.DataFrame, adversary: str, data_class: str) -> set[str]:
    row = table[(table["adversary"] == adversary) & (table["class"] == data_class)]
    assert len(row) == 1, (adversary, data_class)
    return set(row["possible_stores"].iloc[0])


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("adversaries", "where", "suggestion"),
    [
        ("CM", "adversaries[0]", "'CN'"),
        (["CN", "bejing_master_admin"], "adversaries[1]", "'beijing_master_admin'"),
        (("US", "usds_staf"), "adversaries[1]", "'usds_staff'"),
    ],
)
def test_unknown_adversary(texas: dr.Model, adversaries: object, where: str, suggestion: str) -> None:
    with pytest.raises(dr.ModelError) as caught:
        dr.reach(texas, adversaries)
    assert caught.value.where == where
    assert f"did you mean {suggestion}?" in str(caught.value)
    assert str(caught.value).startswith(f"{where}: unknown node")


@pytest.mark.parametrize("adversaries", [5, {"CN": 1}, b"CN", 1.5])
def test_adversaries_of_the_wrong_type(texas: dr.Model, adversaries: object) -> None:
    with pytest.raises(dr.ModelError, match=r"^adversaries: must be a node id or a list of node ids"):
        dr.reach(texas, adversaries)  # type: ignore[arg-type]


def test_no_adversaries_anywhere() -> None:
    m = dr.Model().add_node("a", "role")
    with pytest.raises(dr.ModelError, match=r"^adversaries: no adversaries given"):
        dr.reach(m)
    assert dr.reach(m, "a").table.empty  # no class: no rows, but a valid request


def test_model_error_is_a_value_error(texas: dr.Model) -> None:
    with pytest.raises(ValueError):
        dr.reach(texas, "nobody")


def test_path_unknown_adversary_and_class(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError) as caught:
        dr.most_likely_path(texas, "CM", "public_videos")
    assert caught.value.where == "adversary"
    assert "did you mean 'CN'?" in str(caught.value)
    with pytest.raises(dr.ModelError) as caught:
        dr.most_likely_path(texas, "CN", "public_video")
    assert caught.value.where == "data_class"
    assert str(caught.value) == "data_class: unknown class 'public_video' (did you mean 'public_videos'?)"
    with pytest.raises(dr.ModelError) as caught:
        dr.most_likely_path(texas, "CN", "Comments")  # case slip: still suggested
    assert "did you mean 'comments'?" in str(caught.value)
    with pytest.raises(dr.ModelError, match=r"^data_class: unknown class 'zzz'$"):
        dr.most_likely_path(texas, "CN", "zzz")  # nothing close: no suggestion


def test_path_of_a_composite_class(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError) as caught:
        dr.most_likely_path(texas, "CN", "user_profile")
    assert caught.value.where == "data_class"
    message = str(caught.value)
    assert "'user_profile' is a composite class" in message
    for component in ("phone_numbers", "birthdays", "public_videos", "comments"):
        assert component in message


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "at",
    [
        JUNE_2022,
        dt.date(2022, 7, 1),
        dt.datetime(2022, 7, 1),
        pd.Timestamp(JUNE_2022),
        np.datetime64(JUNE_2022),
    ],
    ids=["str", "date", "datetime", "Timestamp", "datetime64"],
)
def test_at_in_every_form(texas: dr.Model, at: object) -> None:
    expected = dr.reach(texas, at=JUNE_2022).table
    pd.testing.assert_frame_equal(dr.reach(texas, at=at).table, expected)
    path = dr.most_likely_path(texas, "CN", "phone_numbers", at=at)
    assert path == dr.most_likely_path(texas, "CN", "phone_numbers", at=JUNE_2022)


def test_at_changes_the_answer(texas: dr.Model) -> None:
    autumn = dr.reach(texas, at=AUTUMN_2021).table
    june = dr.reach(texas, at=JUNE_2022).table
    assert not autumn["possible_stores"].equals(june["possible_stores"])


@pytest.mark.parametrize(
    "at",
    ["2022-13-01", "yesterday", "2022/07/01", "", 20220701, True, pd.Timestamp("2022-07-01 12:00"), pd.NaT],
)
def test_bad_at_is_a_model_error_naming_at(texas: dr.Model, at: object) -> None:
    with pytest.raises(dr.ModelError) as caught:
        dr.reach(texas, at=at)
    assert caught.value.where == "at"
    assert str(caught.value).startswith("at: must be a date written YYYY-MM-DD")
    with pytest.raises(dr.ModelError) as caught:
        dr.most_likely_path(texas, "CN", "comments", at=at)
    assert caught.value.where == "at"


# --------------------------------------------------------------------------- paths


def test_path_of_the_design_example(example: dr.Model) -> None:
    path = dr.most_likely_path(example, "CN", "public_videos")
    assert path is not None
    assert path.nodes == ("CN", "beijing_master_admin", "tiktok_virginia")
    assert path.store == "tiktok_virginia"
    assert path.adversary == "CN" and path.data_class == "public_videos"
    assert path.probability == pytest.approx(0.9 * 0.95 * 0.8, rel=1e-15)
    assert str(path) == "CN → beijing_master_admin → tiktok_virginia (p = 0.684)"
    rule, admin = path.arcs
    assert rule == dr.PathStep("CN", "beijing_master_admin", 0.9, "compels", (), "nodes[0].compels", None)
    assert admin == dr.PathStep(
        "beijing_master_admin", "tiktok_virginia", 0.95, "admin", ("insider-complies",), "access[0]", "buzzfeed-2022"
    )
    html = path._repr_html_()
    assert html.count("&rarr;") == 2 and "p = 0.684" in html
    # The admin arc is dated: before its window and after it there is no path.
    assert dr.most_likely_path(example, "CN", "public_videos", at="2021-10-01") == path
    assert dr.most_likely_path(example, "CN", "public_videos", at="2021-08-31") is None
    assert dr.most_likely_path(example, "CN", "public_videos", at="2022-02-01") is None


def test_path_counts_a_shared_event_once() -> None:
    m = dr.Model()
    m.add_event("insider", 0.5)
    for node, kind in (("a", "role"), ("b", "role"), ("s", "store")):
        m.add_node(node, kind)
    m.add_class("d")
    m.place("d", "s")
    m.add_access("a", "b", p=0.8, requires=["insider"])
    m.add_access("b", "s", p=0.9, requires=["insider"])
    path = dr.most_likely_path(m, "a", "d")
    assert path is not None and path.nodes == ("a", "b", "s")
    assert path.probability == pytest.approx(0.8 * 0.9 * 0.5, rel=1e-15)  # not * 0.5 twice


def test_path_prefers_fewer_shared_risks_over_fewer_hops() -> None:
    m = dr.Model()
    for node, kind in (("a", "role"), ("b", "role"), ("c", "role"), ("s", "store")):
        m.add_node(node, kind)
    m.add_class("d")
    m.add_class("e")
    m.place("d", "s")
    m.add_access("a", "s", p=0.5)
    m.add_access("a", "b", p=0.9)
    m.add_access("b", "c", p=0.9)
    m.add_access("c", "s", p=0.9, classes=["d"])
    path = dr.most_likely_path(m, "a", "d")
    assert path is not None and path.nodes == ("a", "b", "c", "s")
    assert path.probability == pytest.approx(0.9**3)
    assert [step.entry for step in path.arcs] == ["access[1]", "access[2]", "access[3]"]
    assert dr.most_likely_path(m, "a", "e") is None  # e is held nowhere


def test_adversary_holding_the_class_itself() -> None:
    m = dr.Model().add_node("s", "store").add_class("d").place("d", "s")
    path = dr.most_likely_path(m, "s", "d")
    assert path is not None
    assert path.nodes == ("s",) and path.arcs == () and path.probability == 1.0
    row = dr.reach(m, "s").table.iloc[0]
    assert row.possible and row.certain and list(row.possible_stores) == ["s"]


# --------------------------------------------------------------------------- the example


def test_project_texas_at_two_dates(texas: dr.Model) -> None:
    autumn = dr.reach(texas, ["CN"], at=AUTUMN_2021).table
    june = dr.reach(texas, ["CN"], at=JUNE_2022).table
    for table in (autumn, june):
        for data_class in ("public_videos", "comments"):
            assert "tiktok_virginia" in stores_of(table, "CN", data_class)
            row = table[table["class"] == data_class].iloc[0]
            assert row.possible and not row.certain
            assert "US/VA" in row.possible_regions
            # Public content never went to Texas.
            assert "oracle_texas" not in stores_of(table, "CN", data_class)
    # The protected data moved to Texas: in June 2022 phone numbers also live in Oracle's
    # store (and CN still reaches copies of them), while in autumn 2021 they did not.
    assert "oracle_texas" not in stores_of(autumn, "CN", "phone_numbers")
    assert "oracle_texas" in stores_of(june, "CN", "phone_numbers")
    row = june[june["class"] == "phone_numbers"].iloc[0]
    assert "US/TX" in row.possible_regions
    # Reach is what a path shows: the most likely route to public videos ends in Virginia.
    path = dr.most_likely_path(texas, "CN", "public_videos", at=JUNE_2022)
    assert path is not None and path.store in stores_of(june, "CN", "public_videos")
    assert path.nodes[0] == "CN" and 0 < path.probability <= 1
    # Every step is cited: an access arc by its source, CN's rule by CN's own source.
    first = path.arcs[0]
    assert first.kind == "compels" and first.entry == "nodes[0].compels"
    assert first.citation == "cn-nil-2017"
    assert all(step.citation in texas.sources for step in path.arcs)


# --------------------------------------------------------------------------- scale

ARCS = 1_000_000
NODES = ARCS // 10
FILTERS = [("a",), ("b", "c"), ("abc",)]
FILTER_ATOMS = [{"a"}, {"b", "c"}, {"a", "b", "c"}]
REQUIRES = [("e0",), ("e0", "e1")]
EVENT_P = {"e0": 0.9, "e1": 1.0}


def _object_array(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def synthetic(seed: int = 7) -> tuple[dr.Model, dict[str, np.ndarray]]:
    """A million random arcs over 100,000 nodes, added as bulk frames (no loop per arc);
    also returns the arrays it was built from, as node indices."""
    rng = np.random.default_rng(seed)
    ids = _object_array([f"n{i}" for i in range(NODES)])
    kinds = np.full(NODES, "role", dtype=object)
    stores = rng.choice(np.arange(2, NODES), size=NODES // 100, replace=False)
    kinds[stores] = "store"
    kinds[0] = "jurisdiction"
    region_code = rng.integers(0, 4, NODES)
    region_code[0] = 3
    regions = np.array(["X/a", "X/b", "Y", None], dtype=object)[region_code]
    territory = np.full(NODES, None, dtype=object)
    territory[0] = "X"  # X/a and X/b lie in X
    compels = np.full(NODES, np.nan)
    compels[0] = 1.0
    store_class = rng.integers(0, 3, len(stores))

    src = rng.integers(0, NODES, ARCS)
    dst = rng.integers(0, NODES, ARCS)
    p = np.where(rng.random(ARCS) < 0.08, 1.0, rng.uniform(0.01, 1.0, ARCS))
    p[rng.random(ARCS) < 0.02] = 0.0
    filter_code = np.where(rng.random(ARCS) < 0.1, rng.integers(0, 3, ARCS), -1)
    requires_code = np.where(rng.random(ARCS) < 0.05, rng.integers(0, 2, ARCS), -1)
    filters = np.full(ARCS, None, dtype=object)
    filters[filter_code >= 0] = _object_array(FILTERS)[filter_code[filter_code >= 0]]
    requires = np.full(ARCS, None, dtype=object)
    requires[requires_code >= 0] = _object_array(REQUIRES)[requires_code[requires_code >= 0]]

    m = dr.Model("a million arcs")
    m.add_events(pd.DataFrame({"id": list(EVENT_P), "p": list(EVENT_P.values())}))
    m.add_nodes(pd.DataFrame({"id": ids, "kind": kinds, "region": regions, "territory": territory, "compels": compels}))
    m.add_classes(pd.DataFrame({"id": ["a", "b", "c", "abc"], "components": [None, None, None, ("a", "b", "c")]}))
    m.add_placements(
        pd.DataFrame({"class": np.array(["a", "b", "c"], dtype=object)[store_class], "store": ids[stores]})
    )
    m.add_arcs(pd.DataFrame({"from": ids[src], "to": ids[dst], "p": p, "classes": filters, "requires": requires}))
    m.adversaries = ["n0", "n1"]
    arrays = {
        "src": src,
        "dst": dst,
        "p": p,
        "filter": filter_code,
        "requires": requires_code,
        "stores": stores,
        "store_class": store_class,
        "region": region_code,
    }
    return m, arrays


def _with_rule_arcs(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The explicit arcs plus the rule of n0 (compels 1 to every node in X/a or X/b)."""
    ruled = np.flatnonzero(arrays["region"] <= 1)
    ruled = ruled[ruled != 0]
    k = len(ruled)
    return {
        "src": np.concatenate([arrays["src"], np.zeros(k, dtype=np.int64)]),
        "dst": np.concatenate([arrays["dst"], ruled]),
        "p": np.concatenate([arrays["p"], np.ones(k)]),
        "filter": np.concatenate([arrays["filter"], np.full(k, -1)]),
        "requires": np.concatenate([arrays["requires"], np.full(k, -1)]),
    }


def _bfs(src: np.ndarray, dst: np.ndarray, usable: np.ndarray, start: int) -> np.ndarray:
    """Nodes reachable from ``start`` over the usable arcs, level by level in NumPy."""
    s, d = src[usable], dst[usable]
    order = np.argsort(s, kind="stable")
    s, d = s[order], d[order]
    begin = np.searchsorted(s, np.arange(NODES + 1))
    reached = np.zeros(NODES, dtype=bool)
    reached[start] = True
    frontier = np.array([start])
    while len(frontier):
        lo, hi = begin[frontier], begin[frontier + 1]
        counts = hi - lo
        first = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        targets = np.unique(d[first + np.arange(counts.sum())])
        frontier = targets[~reached[targets]]
        reached[frontier] = True
    return reached


def _dijkstra(
    arcs: dict[str, np.ndarray], usable: np.ndarray, weight: np.ndarray, start: int, goals: set[int]
) -> float | None:
    """Plain heapq Dijkstra: the smallest weight from ``start`` to any goal."""
    idx = np.flatnonzero(usable)
    order = idx[np.argsort(arcs["src"][idx], kind="stable")]
    src, dst, w = arcs["src"][order], arcs["dst"][order].tolist(), weight[order].tolist()
    begin = np.searchsorted(src, np.arange(NODES + 1)).tolist()
    best = {start: 0.0}
    heap = [(0.0, start)]
    done: set[int] = set()
    while heap:
        dist, v = heapq.heappop(heap)
        if v in done:
            continue
        if v in goals:
            return dist
        done.add(v)
        for k in range(begin[v], begin[v + 1]):
            t, nd = dst[k], dist + w[k]
            if nd < best.get(t, math.inf):
                best[t] = nd
                heapq.heappush(heap, (nd, t))
    return None


def test_a_million_arcs() -> None:
    started = time.perf_counter()
    model, arrays = synthetic()
    built = time.perf_counter()
    table = dr.reach(model).table
    reached = time.perf_counter()
    path = dr.most_likely_path(model, "n1", "a")
    pathed = time.perf_counter()
    assert len(model.access) == ARCS
    # Far below the limit of a test marked slow: build, compile and reach, one path.
    assert built - started < 20 and reached - built < 10 and pathed - reached < 10

    # Reach against a breadth-first search done here in NumPy.
    arcs = _with_rule_arcs(arrays)
    event_p = np.array([EVENT_P["e0"], EVENT_P["e0"] * EVENT_P["e1"]])
    requires_certain = np.array([False, False])  # every REQUIRES row names e0 (p = 0.9)
    no_events = arcs["requires"] < 0
    possible_arc = (arcs["p"] > 0) & (no_events | (event_p[arcs["requires"]] > 0))
    certain_arc = (arcs["p"] == 1) & (no_events | requires_certain[arcs["requires"]])
    holders = {cls: set(arrays["stores"][arrays["store_class"] == k].tolist()) for k, cls in enumerate("abc")}
    names = np.array(model.node_ids, dtype=object)
    checked = 0
    for adversary in (0, 1):
        per_atom = {}
        for cls in "abc":
            admitted = np.array([cls in atoms for atoms in FILTER_ATOMS])
            admits = (arcs["filter"] < 0) | admitted[arcs["filter"]]
            views = []
            for view in (possible_arc, certain_arc):
                mask = _bfs(arcs["src"], arcs["dst"], admits & view, adversary)
                views.append({s for s in holders[cls] if mask[s]})
            per_atom[cls] = views
        rows = table[table["adversary"] == f"n{adversary}"].set_index("class")
        for cls in "abc":
            possible, certain = per_atom[cls]
            assert set(rows.at[cls, "possible_stores"]) == set(names[sorted(possible)])
            assert set(rows.at[cls, "certain_stores"]) == set(names[sorted(certain)])
            assert rows.at[cls, "possible"] == bool(possible)
            checked += len(possible) + len(certain)
        assert rows.at["abc", "possible"] == all(per_atom[c][0] for c in "abc")
        assert rows.at["abc", "certain"] == all(per_atom[c][1] for c in "abc")
    assert checked > 1000  # the searches really reached many stores

    # The path against a heapq Dijkstra done here.
    assert path is not None and path.nodes[0] == "n1" and path.store in names[sorted(holders["a"])]
    admitted = np.array(["a" in atoms for atoms in FILTER_ATOMS])
    usable = possible_arc & ((arcs["filter"] < 0) | admitted[arcs["filter"]])
    with np.errstate(divide="ignore"):
        weight = -np.log(arcs["p"]) - np.where(no_events, 0.0, np.log(event_p[arcs["requires"]]))
    best = _dijkstra(arcs, usable, weight, 1, holders["a"])
    assert best is not None
    coins, events = 1.0, set()
    total = 0.0
    for step in path.arcs:
        if step.entry == "nodes[0].compels":  # n0's rule: p = 1 into X
            assert step.source == "n0" and arrays["region"][int(step.target[1:])] <= 1
            assert step.p == 1.0 and step.kind == "compels"
            continue
        row = int(step.entry.removeprefix("access[").removesuffix("]"))
        assert (names[arrays["src"][row]], names[arrays["dst"][row]]) == (step.source, step.target)
        assert step.p == arrays["p"][row] > 0
        total += weight[row]
        coins *= step.p
        events.update(step.requires)
    assert total == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert path.probability == pytest.approx(coins * math.prod(EVENT_P[e] for e in events), rel=1e-12)
