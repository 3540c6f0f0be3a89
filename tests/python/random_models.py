"""Random small scenarios (scenario-file dicts) for the tests that compare the engines with
independent oracles: events, p = 0/1 arcs, class filters (composites included), flows with
shares, composite classes (nested), windows and jurisdiction rules.

``random_scenario(rng)`` draws one from a ``random.Random``; ``scenarios()`` is the same as a
Hypothesis strategy (``st.randoms`` shrinks towards simpler draws). ``add_ranges`` gives
arcs, events and jurisdictions sensitivity ranges around their values
(``ranged_scenarios()``: as a strategy).
"""

from __future__ import annotations

import copy
import math
import random

from hypothesis import strategies as st

DATES = ["2021-01-01", "2021-06-01", "2022-01-01"]
# Dates to analyse at: before, between and after the window boundaries above.
AT_DATES = [None, "2020-06-01", "2021-03-01", "2021-09-01", "2022-03-01"]
REGIONS = [None, "US", "US/VA", "US/TX", "CN", "CN/Beijing", "SG"]


def random_scenario(rng: random.Random) -> dict:
    def prob() -> float:
        k = rng.randrange(10)
        return 0.0 if k == 0 else 1.0 if k == 1 else round(rng.uniform(0.05, 0.95), 2)

    def window():
        if rng.randrange(5):
            return None
        start, end = sorted(rng.sample(DATES, 2))
        return [rng.choice([start, None]), rng.choice([end, None])] if rng.randrange(2) else [start, end]

    nodes, stores = [], []
    for v in range(rng.randint(2, 7)):
        kind = (
            "store"
            if v > 0 and rng.randrange(2) == 0
            else rng.choice(["role", "organization", "gateway", "jurisdiction"])
        )
        node = {"id": f"n{v}", "kind": kind}
        region = rng.choice(REGIONS)
        if region is not None:
            node["region"] = region
        if kind == "jurisdiction" and rng.randrange(2):
            node["territory"] = rng.choice(["US", "CN", "US/VA"])
            node["compels"] = prob()
        if kind == "store":
            stores.append(node["id"])
        nodes.append(node)
    if not stores:
        nodes.append({"id": "s", "kind": "store", "region": rng.choice(["US/VA", "SG"])})
        stores.append("s")
    node_ids = [n["id"] for n in nodes]

    atoms = [f"c{i}" for i in range(rng.randint(1, 3))]
    classes = [{"id": c, "sensitivity": rng.randint(0, 5), "records": rng.randint(1, 1000)} for c in atoms]
    if len(atoms) >= 2 and rng.randrange(2):
        classes.append({"id": "mosaic", "components": rng.sample(atoms, 2), "sensitivity": 3, "records": 10})
        if len(atoms) == 3 and rng.randrange(2):
            classes.append({"id": "full", "components": ["mosaic", atoms[2]], "records": 5})
    class_ids = [c["id"] for c in classes]

    events = [{"id": f"e{i}", "p": prob()} for i in range(rng.randint(0, 3))]

    placements, seen = [], set()
    for _ in range(rng.randint(1, 4)):
        cls, store = rng.choice(atoms), rng.choice(stores)
        if (cls, store) in seen:
            continue
        seen.add((cls, store))
        entry = {"class": cls, "store": store}
        if rng.randrange(3):
            entry["share"] = round(rng.uniform(0.1, 1.0), 1)
        if (w := window()) is not None:
            entry["window"] = w
        placements.append(entry)

    flows = []
    for _ in range(rng.randint(0, 2)):
        if len(stores) < 2:
            break
        a, b = rng.sample(stores, 2)
        entry = {"from": a, "to": b, "share": round(rng.uniform(0.1, 1.0), 1)}
        if rng.randrange(2):
            entry["classes"] = [rng.choice(class_ids)]
        if (w := window()) is not None:
            entry["window"] = w
        flows.append(entry)

    access = []
    for _ in range(rng.randint(1, 9)):
        a, b = rng.sample(node_ids, 2)
        entry = {"from": a, "to": b, "p": prob()}
        required = [e["id"] for e in events if rng.randrange(3) == 0]
        if required:
            entry["requires"] = required
        if rng.randrange(3) == 0:
            entry["classes"] = sorted(set(rng.sample(class_ids, rng.randint(1, min(2, len(class_ids))))))
        if (w := window()) is not None:
            entry["window"] = w
        access.append(entry)

    scenario = {
        "format": "datareach/1",
        "name": "random",
        "nodes": nodes,
        "classes": classes,
        "placements": placements,
        "access": access,
    }
    if events:
        scenario["events"] = events
    if flows:
        scenario["flows"] = flows
    return scenario


def scenarios() -> st.SearchStrategy[dict]:
    """random_scenario as a Hypothesis strategy."""
    return st.randoms(use_true_random=False).map(random_scenario)


def _around(rng: random.Random, p: float) -> list[float]:
    """A range holding ``p``: two-decimal ends, sometimes the whole [0, 1] or just [p, p]."""
    k = rng.randrange(8)
    if k == 0:
        return [0, 1]
    if k == 1:
        return [p, p]
    low = math.floor(p * rng.random() * 100) / 100
    high = math.ceil((p + (1 - p) * rng.random()) * 100) / 100
    return [max(0.0, min(low, p)), min(1.0, max(high, p))]


def add_ranges(scenario: dict, rng: random.Random, chance: float = 0.5) -> dict:
    """A copy of ``scenario`` in which each arc and event gets a ``p_range`` and each
    jurisdiction with a rule a ``compels_range``, each with probability ``chance``."""
    out = copy.deepcopy(scenario)
    for section, field, range_field in (("events", "p", "p_range"), ("access", "p", "p_range")):
        for entry in out.get(section, []):
            if rng.random() < chance:
                entry[range_field] = _around(rng, float(entry[field]))
    for node in out["nodes"]:
        if node.get("compels") is not None and rng.random() < chance:
            node["compels_range"] = _around(rng, float(node["compels"]))
    return out


def ranged_scenarios() -> st.SearchStrategy[dict]:
    """random_scenario with add_ranges, as a Hypothesis strategy."""
    return st.randoms(use_true_random=False).map(lambda rng: add_ranges(random_scenario(rng), rng))
