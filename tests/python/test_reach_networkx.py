"""Possible/certain reach and the most likely path, checked against networkx.

Random scenario dicts (seeded, so every run tests the same models) cover class filters
naming composite classes, windows on arcs, placements and flows with an ``at`` date on
their boundaries, flows with shares and cycles, events with p = 0 and p = 1, jurisdiction
rules whose territories nest (``A`` / ``A/x``) or merely share a prefix (``A`` / ``AB``),
arcs with p = 0 and p = 1, self-loops and parallel arcs.

For each model the expected answer is computed here from the dict alone: the present arcs
(windows filtered, rules expanded by hand) go into a networkx graph per class and
``nx.descendants`` gives the reach; Dijkstra in networkx on -log(p * Π events) gives the
weight of the best path. Nothing here calls into datareach except the functions under test.
A sample of the models is also checked against ``oracle.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from typing import Any

import networkx as nx
import pytest

import datareach as dr
import oracle

MODELS = 240
ORACLE_EVERY = 4  # every 4th model is also checked against oracle.py

# Region tree: "AB" shares a prefix with "A" but does not lie in it.
REGIONS = [None, "A", "A/x", "A/x/1", "A/y", "AB", "AB/q", "B", "B/z"]
TERRITORIES = ["A", "A/x", "AB", "B", "B/z", "C"]  # "C": a territory holding no node
DAYS = [dt.date(2021, 1, 1) + dt.timedelta(days=30 * k) for k in range(8)]
TINY = 1e-170  # p * p underflows to 0.0 in double precision; still p > 0


# --------------------------------------------------------------------------- generator


def _probability(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.15:
        return 0.0
    if roll < 0.45:
        return 1.0
    if roll < 0.48:
        return TINY
    return round(rng.uniform(0.05, 0.99), 3)


def _date(rng: random.Random, day: dt.date) -> Any:
    """A date as YAML gives it (datetime.date) or as a string."""
    return day if rng.random() < 0.5 else day.isoformat()


def _window(rng: random.Random) -> list[Any] | None:
    if rng.random() < 0.6:
        return None
    i, j = sorted(rng.sample(range(len(DAYS)), 2))
    start = None if rng.random() < 0.2 else _date(rng, DAYS[i])
    end = None if rng.random() < 0.2 else _date(rng, DAYS[j])
    return [start, end]


def _filter(rng: random.Random, classes: list[str], chance: float) -> list[str] | None:
    if rng.random() >= chance:
        return None
    return rng.sample(classes, rng.randint(1, min(2, len(classes))))


def random_scenario(seed: int) -> tuple[dict[str, Any], Any]:
    """A valid scenario dict and an ``at`` (None, a date or an ISO string)."""
    rng = random.Random(seed)
    n_nodes = rng.randint(3, 12)
    kinds = ["store"] * 2 + [
        rng.choice(["jurisdiction", "organization", "role", "store", "gateway"]) for _ in range(n_nodes - 2)
    ]
    rng.shuffle(kinds)
    nodes = []
    for i, kind in enumerate(kinds):
        node: dict[str, Any] = {"id": f"n{i}", "kind": kind}
        region = rng.choice(REGIONS)
        if region is not None:
            node["region"] = region
        if kind == "jurisdiction" and rng.random() < 0.8:
            node["territory"] = rng.choice(TERRITORIES)
            node["compels"] = _probability(rng)
            if rng.random() < 0.5:
                node["source"] = "report-a"
        nodes.append(node)
    stores = [n["id"] for n in nodes if n["kind"] == "store"]
    node_ids = [n["id"] for n in nodes]

    atomic = [f"d{i}" for i in range(rng.randint(1, 4))]
    classes: list[dict[str, Any]] = [{"id": d} for d in atomic]
    composites: list[str] = []
    for k in range(rng.randint(0, 2)):
        pool = atomic + composites  # a composite may contain an earlier composite
        parts = rng.sample(pool, rng.randint(1, min(3, len(pool))))
        composites.append(f"c{k}")
        classes.append({"id": f"c{k}", "components": parts, "sensitivity": 2})
    all_classes = atomic + composites

    events = [{"id": f"e{i}", "p": _probability(rng)} for i in range(rng.randint(0, 3))]
    event_ids = [e["id"] for e in events]

    placements = []
    for _ in range(rng.randint(1, 6)):
        pl: dict[str, Any] = {"class": rng.choice(atomic), "store": rng.choice(stores)}
        if rng.random() < 0.5:
            pl["share"] = round(rng.uniform(0.1, 1.0), 3)
        window = _window(rng)
        if window is not None:
            pl["window"] = window
        placements.append(pl)

    flows = []
    for _ in range(rng.randint(0, 5)):  # random store pairs: cycles and self-loops happen
        fl: dict[str, Any] = {"from": rng.choice(stores), "to": rng.choice(stores)}
        if rng.random() < 0.5:
            fl["share"] = round(rng.uniform(0.1, 1.0), 3)
        chosen = _filter(rng, all_classes, 0.4)
        if chosen is not None:
            fl["classes"] = chosen
        window = _window(rng)
        if window is not None:
            fl["window"] = window
        flows.append(fl)

    access = []
    for _ in range(rng.randint(n_nodes, 3 * n_nodes)):
        arc: dict[str, Any] = {"from": rng.choice(node_ids), "to": rng.choice(node_ids), "p": _probability(rng)}
        chosen = _filter(rng, all_classes, 0.35)
        if chosen is not None:
            arc["classes"] = chosen
        if event_ids and rng.random() < 0.4:
            arc["requires"] = rng.sample(event_ids, rng.randint(1, len(event_ids)))
        window = _window(rng)
        if window is not None:
            arc["window"] = window
        if rng.random() < 0.3:
            arc["kind"] = rng.choice(["admin", "read", "employs"])
        if rng.random() < 0.3:
            arc["source"] = rng.choice(["report-a", "report-b"])
        access.append(arc)

    data = {
        "format": "datareach/1",
        "name": f"random model {seed}",
        "sources": {"report-a": {"title": "A"}, "report-b": {"title": "B"}},
        "adversaries": rng.sample(node_ids, rng.randint(1, 2)),
        "events": events,
        "nodes": nodes,
        "classes": classes,
        "placements": placements,
        "flows": flows,
        "access": access,
    }
    roll = rng.random()
    if roll < 0.25:
        at = None
    else:
        day = rng.choice(DAYS) if roll < 0.7 else DAYS[0] + dt.timedelta(days=rng.randint(-40, 250))
        at = _date(rng, day)
    return data, at


# --------------------------------------------------------------------------- expectation


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def is_present(entry: dict[str, Any], at: Any) -> bool:
    window = entry.get("window")
    if at is None or window is None:
        return True
    start, end = (_as_date(v) for v in window)
    day = _as_date(at)
    return (start is None or start <= day) and (end is None or day < end)


def atoms_of(data: dict[str, Any]) -> dict[str, set[str]]:
    spec = {c["id"]: c.get("components") for c in data["classes"]}

    def flat(cid: str) -> set[str]:
        parts = spec[cid]
        return {cid} if not parts else set().union(*(flat(p) for p in parts))

    return {cid: flat(cid) for cid in spec}


def lies_in(region: str | None, territory: str) -> bool:
    return region is not None and (region == territory or region.startswith(territory + "/"))


class Expected:
    """The answer for one (scenario, at), worked out from the dict with networkx."""

    def __init__(self, data: dict[str, Any], at: Any) -> None:
        self.data = data
        self.atoms = atoms_of(data)
        self.atomic = [c["id"] for c in data["classes"] if not c.get("components")]
        self.event_p = {e["id"]: float(e["p"]) for e in data.get("events") or []}
        self.region = {n["id"]: n.get("region") for n in data["nodes"]}

        # Present arcs, the rules expanded: (entry name, from, to, p, requires, admitted).
        self.arcs: list[tuple[str, str, str, float, tuple[str, ...], set[str] | None]] = []
        for i, a in enumerate(data["access"]):
            if is_present(a, at):
                admitted = None
                if a.get("classes") is not None:
                    admitted = set().union(*(self.atoms[c] for c in a["classes"]))
                self.arcs.append(
                    (f"access[{i}]", a["from"], a["to"], float(a["p"]), tuple(a.get("requires") or ()), admitted)
                )
        for j, node in enumerate(data["nodes"]):
            if node.get("compels") is None:
                continue
            for other in data["nodes"]:
                if other["id"] != node["id"] and lies_in(other.get("region"), node["territory"]):
                    self.arcs.append((f"nodes[{j}].compels", node["id"], other["id"], float(node["compels"]), (), None))

        # Stores holding each atomic class: placement stores and everything downstream of
        # them over present flows that carry the class (shares are > 0, so any route counts).
        self.holders: dict[str, set[str]] = {}
        for d in self.atomic:
            flow_graph = nx.DiGraph()
            for fl in data.get("flows") or []:
                carried = fl.get("classes") is None or any(d in self.atoms[c] for c in fl["classes"])
                if carried and is_present(fl, at):
                    flow_graph.add_edge(fl["from"], fl["to"])
            placed = {pl["store"] for pl in data.get("placements") or [] if pl["class"] == d and is_present(pl, at)}
            held = set(placed)
            for s in placed:
                if s in flow_graph:
                    held |= nx.descendants(flow_graph, s)
            self.holders[d] = held

    def possible_arc(self, arc: tuple) -> bool:
        _name, _u, _v, p, requires, _admitted = arc
        return p > 0 and all(self.event_p[e] > 0 for e in requires)

    def certain_arc(self, arc: tuple) -> bool:
        _name, _u, _v, p, requires, _admitted = arc
        return p == 1 and all(self.event_p[e] == 1 for e in requires)

    def graph(self, d: str, keep) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        g.add_nodes_from(n["id"] for n in self.data["nodes"])
        for arc in self.arcs:
            name, u, v, p, requires, admitted = arc
            if (admitted is None or d in admitted) and keep(arc):
                weight = -math.log(p) - sum(math.log(self.event_p[e]) for e in requires)
                g.add_edge(u, v, key=name, weight=weight)
        return g

    def reached_stores(self, adversary: str, d: str, keep) -> set[str]:
        g = self.graph(d, keep)
        reached = nx.descendants(g, adversary) | {adversary}
        return reached & self.holders[d]

    def table(self, adversary: str) -> dict[str, dict[str, Any]]:
        """{class: {possible, certain, stores, certain_stores}} for every class."""
        per_atom = {
            d: (
                self.reached_stores(adversary, d, self.possible_arc),
                self.reached_stores(adversary, d, self.certain_arc),
            )
            for d in self.atomic
        }
        out = {}
        for c in (c["id"] for c in self.data["classes"]):
            parts = [per_atom[d] for d in sorted(self.atoms[c])]
            possible = all(p for p, _ in parts)
            certain = all(q for _, q in parts)
            out[c] = {
                "possible": possible,
                "certain": certain,
                "stores": set().union(*(p for p, _ in parts)) if possible else set(),
                "certain_stores": set().union(*(q for _, q in parts)) if certain else set(),
            }
        return out

    def best_weight(self, adversary: str, d: str) -> float | None:
        """The smallest -log(p * Π events) to a store holding d, None if none is reached."""
        g = self.graph(d, self.possible_arc)
        distance = nx.single_source_dijkstra_path_length(g, adversary, weight="weight")
        reached = [distance[s] for s in self.holders[d] if s in distance]
        return min(reached) if reached else None


def _entry(data: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    match = re.fullmatch(r"(access|nodes)\[(\d+)\](\.compels)?", name)
    assert match is not None, name
    return data[match.group(1)][int(match.group(2))], match.group(1)


def check_path(model: dr.Model, data: dict[str, Any], at: Any, expected: Expected, adversary: str, d: str) -> None:
    best = expected.best_weight(adversary, d)
    path = dr.most_likely_path(model, adversary, d, at=at)
    if best is None:
        assert path is None, (adversary, d, path)
        return
    assert path is not None, (adversary, d, best)
    assert path.adversary == adversary and path.data_class == d
    assert path.nodes[0] == adversary
    assert path.nodes[-1] in expected.holders[d]
    assert len(path.arcs) == len(path.nodes) - 1
    weight = 0.0
    coins: dict[str, float] = {}
    events: set[str] = set()
    for k, step in enumerate(path.arcs):
        assert (step.source, step.target) == (path.nodes[k], path.nodes[k + 1])
        entry, section = _entry(data, step.entry)
        if section == "access":
            assert (entry["from"], entry["to"]) == (step.source, step.target), step
            assert is_present(entry, at), step
            filt = entry.get("classes")
            assert filt is None or any(d in expected.atoms[c] for c in filt), step
            p = float(entry["p"])
            requires = tuple(entry.get("requires") or ())
            assert step.kind == entry.get("kind")
            assert step.citation == entry.get("source")
        else:
            assert entry["id"] == step.source and entry.get("compels") is not None
            assert step.target != step.source
            assert lies_in(expected.region[step.target], entry["territory"]), step
            p = float(entry["compels"])
            requires = ()
            assert step.kind == "compels" and step.citation == entry.get("source")
        assert step.p == p and step.requires == requires, step
        assert p > 0 and all(expected.event_p[e] > 0 for e in requires), step
        weight += -math.log(p) - sum(math.log(expected.event_p[e]) for e in requires)
        coins[step.entry] = p
        events.update(requires)
    # The path is exact for the distinct product (docs/design.md §5a): at least as likely as
    # networkx's best path by per-arc weights, and of the same weight where no event can be
    # counted twice (another path of equal weight is fine).
    assert path.probability >= math.exp(-best) * (1 - 1e-9), (adversary, d, path)
    if not expected.event_p:
        assert weight == pytest.approx(best, rel=1e-9, abs=1e-12), (adversary, d, path)
    exact = math.prod(coins.values()) * math.prod(expected.event_p[e] for e in events)
    assert path.probability == pytest.approx(exact, rel=1e-12, abs=0.0)
    assert path.probability >= math.exp(-weight) * (1 - 1e-12)


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("seed", range(MODELS))
def test_random_model_against_networkx(seed: int) -> None:
    data, at = random_scenario(seed)
    model = dr.Model.from_dict(data)
    expected = Expected(data, at)
    adversaries = list(data["adversaries"])
    # Default adversaries from the model half the time, an explicit list otherwise.
    table = dr.reach(model, None if seed % 2 else adversaries, at=at).table
    class_ids = [c["id"] for c in data["classes"]]
    assert list(table.columns) == [
        "adversary",
        "class",
        "possible",
        "certain",
        "possible_stores",
        "certain_stores",
        "possible_regions",
        "certain_regions",
    ]
    assert list(zip(table["adversary"], table["class"])) == [(a, c) for a in adversaries for c in class_ids]
    for adversary in adversaries:
        want = expected.table(adversary)
        rows = table[table["adversary"] == adversary]
        for row in rows.itertuples(index=False):
            w = want[row[1]]
            where = (seed, adversary, row[1], at)
            assert bool(row.possible) == w["possible"], where
            assert bool(row.certain) == w["certain"], where
            assert sorted(row.possible_stores) == sorted(w["stores"]), where
            assert len(set(row.possible_stores)) == len(row.possible_stores), where
            assert sorted(row.certain_stores) == sorted(w["certain_stores"]), where
            assert list(row.possible_regions) == sorted({expected.region[s] for s in w["stores"]} - {None}), where
            assert list(row.certain_regions) == sorted({expected.region[s] for s in w["certain_stores"]} - {None}), (
                where
            )
        for d in expected.atomic:
            check_path(model, data, at, expected, adversary, d)
    if seed % ORACLE_EVERY == 0:
        for adversary in adversaries:
            possible = oracle.possible_reach(data, adversary, at)
            certain = oracle.certain_reach(data, adversary, at)
            rows = table[table["adversary"] == adversary].set_index("class")
            for c in class_ids:
                assert set(rows.at[c, "possible_stores"]) == possible[c], (seed, adversary, c)
                assert set(rows.at[c, "certain_stores"]) == certain[c], (seed, adversary, c)


def test_generator_covers_the_cases() -> None:
    """The random models really contain what the module docstring promises."""
    seen = dict.fromkeys(
        (
            "composite filter",
            "nested composite",
            "flow cycle",
            "event p=0",
            "event p=1",
            "arc p=0",
            "arc p=1",
            "tiny p",
            "arc window",
            "placement window",
            "flow window",
            "rule",
            "rule on prefix",
            "at None",
            "at str",
            "at date",
            "flow share",
            "possible not certain",
            "certain",
            "no path",
            "parallel arcs",
        ),
        0,
    )
    for seed in range(MODELS):
        data, at = random_scenario(seed)
        composites = {c["id"] for c in data["classes"] if c.get("components")}
        seen["nested composite"] += any(set(c.get("components") or ()) & composites for c in data["classes"])
        seen["composite filter"] += any(
            set(e.get("classes") or ()) & composites for e in data["access"] + data["flows"]
        )
        g = nx.DiGraph((f["from"], f["to"]) for f in data["flows"])
        seen["flow cycle"] += not nx.is_directed_acyclic_graph(g)
        seen["flow share"] += any("share" in f for f in data["flows"])
        seen["event p=0"] += any(e["p"] == 0 for e in data["events"])
        seen["event p=1"] += any(e["p"] == 1 for e in data["events"])
        seen["arc p=0"] += any(a["p"] == 0 for a in data["access"])
        seen["arc p=1"] += any(a["p"] == 1 for a in data["access"])
        seen["tiny p"] += any(a["p"] == TINY for a in data["access"])
        seen["arc window"] += any("window" in a for a in data["access"])
        seen["placement window"] += any("window" in a for a in data["placements"])
        seen["flow window"] += any("window" in a for a in data["flows"])
        rules = [n for n in data["nodes"] if "compels" in n]
        seen["rule"] += bool(rules)
        seen["rule on prefix"] += any(
            n["territory"] == "A" and any(m.get("region", "").startswith("AB") for m in data["nodes"]) for n in rules
        )
        seen["at None"] += at is None
        seen["at str"] += isinstance(at, str)
        seen["at date"] += isinstance(at, dt.date)
        pairs = [(a["from"], a["to"]) for a in data["access"]]
        seen["parallel arcs"] += len(pairs) != len(set(pairs))
        expected = Expected(data, at)
        for adversary in data["adversaries"]:
            for row in expected.table(adversary).values():
                seen["possible not certain"] += row["possible"] and not row["certain"]
                seen["certain"] += row["certain"]
            seen["no path"] += any(expected.best_weight(adversary, d) is None for d in expected.atomic)
    assert all(count >= 5 for count in seen.values()), seen


def test_tiny_probabilities_are_still_possible() -> None:
    """p * Π events can underflow to 0.0 in double precision; the arc is still possible
    (p > 0 and every event > 0), and its path weight is the sum of the -logs."""
    data = {
        "format": "datareach/1",
        "events": [{"id": "e", "p": TINY}],
        "nodes": [{"id": "a", "kind": "role"}, {"id": "m", "kind": "role"}, {"id": "s", "kind": "store"}],
        "classes": [{"id": "d"}],
        "placements": [{"class": "d", "store": "s"}],
        "access": [{"from": "a", "to": "m", "p": TINY, "requires": ["e"]}, {"from": "m", "to": "s", "p": 0.5}],
    }
    assert TINY * TINY == 0.0
    model = dr.Model.from_dict(data)
    row = dr.reach(model, "a").table.iloc[0]
    assert bool(row.possible) and not bool(row.certain)
    assert list(row.possible_stores) == ["s"]
    assert oracle.possible_reach(data, "a")["d"] == {"s"}
    path = dr.most_likely_path(model, "a", "d")
    assert path is not None and path.nodes == ("a", "m", "s")
    assert path.probability == 0.0  # the exact product is below the smallest double
    check_path(model, data, None, Expected(data, None), "a", "d")
