"""A brute-force reference implementation of docs/design.md §2, written straight from the text.

It is the oracle the engine is tested against, so it is plain Python, slow on purpose, and
imports nothing from datareach. It works on a scenario as a plain dict in the file format of
docs/design.md §3 (for example the output of ``yaml.safe_load``).

Functions:

- ``present(model, at=None)``: the model as of ``at``: absent (out-of-window) placements,
  flows and access arcs dropped, jurisdiction rules replaced by explicit ``compels`` arcs.
- ``presence_shares(model, at=None)``: ``{atomic class: {store: share}}`` (2.1).
- ``enumerate_exposure(model, adversary, at=None)``: the scores of 2.5 for every class,
  by enumerating every world (2.2). Exact; at most ``MAX_ENUMERATED_VARIABLES`` random
  variables.
- ``sample_exposure(model, adversary, at=None, samples=..., seed=...)``: the same by plain
  Monte Carlo, with a confidence interval for each probability.
- ``possible_reach`` / ``certain_reach``: the deterministic views of 2.6.

Readings of the text this module commits to (each is a reading, stated so it can be checked):

- The adversary itself belongs to its own ``Reach`` (it reaches itself over zero arcs).
- ``share`` of a placement and of a flow, a class's ``records`` and ``sensitivity`` default
  to 1 (the design names no default; these are the Python layer's); a class filter that is
  absent or null admits every class; a composite class named in a filter or a placement
  stands for its atomic components (flattened recursively).
- Only placements, flows and access arcs carry windows; ``at`` is compared with
  ``start <= at < end``, either side may be null.
- A jurisdiction rule yields one arc from the jurisdiction to every *other* node whose
  ``region`` equals the territory or starts with ``territory + "/"``: probability
  ``compels``, every class, no events, present at every date.
- Random variables are the events and the arc coins with ``0 < p < 1`` that can matter to
  the adversary (arcs leaving a node it can possibly reach); ``p = 0`` and ``p = 1`` are
  fixed. Leaving the irrelevant ones out changes no number, only the count.
- Per store and per region for a composite class ``c``: the probability that ``X_c > 0``
  and the store (a store in the region) holds some component ``d`` with ``share_d > 0``
  and lies in ``Reach_d``. This mirrors the deterministic view, where a composite's
  stores are the union of its components' stores, listed only when the composite qualifies.
- Only strictly positive per-store and per-region probabilities are listed.
"""

from __future__ import annotations

import copy
import datetime as _dt
import itertools
import math
import random
from collections import deque

MAX_ENUMERATED_VARIABLES = 20


# --------------------------------------------------------------------------- basics


def _as_date(value):
    """None, a ``datetime.date`` (what safe_load gives) or an ISO string -> date or None."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value))


def in_window(entry, at):
    """True iff the entry is present at date ``at`` (always, when ``at`` is None)."""
    if at is None:
        return True
    window = entry.get("window")
    if window is None:
        return True
    start, end = window
    start, end, at = _as_date(start), _as_date(end), _as_date(at)
    return (start is None or start <= at) and (end is None or at < end)


def region_within(region, territory):
    """``US/VA`` lies in ``US`` and in ``US/VA``; ``USA`` does not lie in ``US``."""
    if region is None or territory is None:
        return False
    return region == territory or region.startswith(territory + "/")


def region_and_ancestors(region):
    """``"US/VA/Ashburn"`` -> ``["US/VA/Ashburn", "US/VA", "US"]``."""
    if not region:
        return []
    parts = region.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _number(entry, field, default=1.0):
    """A numeric field; absent or null means ``default`` (1 for share, records, sensitivity:
    the design gives no default, these are the Python layer's)."""
    value = entry.get(field)
    return default if value is None else float(value)


def class_atoms(model):
    """``{class id: frozenset of atomic class ids}``; an atomic class maps to itself."""
    classes = {c["id"]: c for c in model.get("classes") or []}
    atoms = {}

    def flatten(cid, trail):
        if cid in atoms:
            return atoms[cid]
        if cid in trail:
            raise ValueError(f"composite class cycle through {cid!r}")
        if cid not in classes:
            raise ValueError(f"unknown class {cid!r}")
        components = classes[cid].get("components")
        if not components:
            result = frozenset([cid])
        else:
            result = frozenset()
            for comp in components:
                result |= flatten(comp, trail | {cid})
        atoms[cid] = result
        return result

    for cid in classes:
        flatten(cid, frozenset())
    return atoms


def atomic_classes(model):
    return [c["id"] for c in model.get("classes") or [] if not c.get("components")]


def _admitted(atoms, classes_field):
    """The set of atomic classes a filter admits, or None for "all classes"."""
    if classes_field is None:
        return None
    admitted = set()
    for cid in classes_field:
        admitted |= atoms[cid]
    return admitted


def _admits(admitted, atomic_class):
    return admitted is None or atomic_class in admitted


# --------------------------------------------------------------------------- 2.0 present


def present(model, at=None):
    """The model as of ``at``: out-of-window placements, flows and arcs dropped, and each
    jurisdiction rule replaced by explicit ``compels`` arcs (the node loses ``compels`` so
    that ``present(present(m, at), at) == present(m, at)``)."""
    m = copy.deepcopy(model)
    for table in ("placements", "flows", "access"):
        m[table] = [e for e in (m.get(table) or []) if in_window(e, at)]
    nodes = m.get("nodes") or []
    implicit = []
    for j in nodes:
        if j.get("kind") != "jurisdiction" or j.get("compels") is None:
            continue
        territory = j.get("territory")
        for n in nodes:
            if n["id"] != j["id"] and region_within(n.get("region"), territory):
                implicit.append({"from": j["id"], "to": n["id"], "p": float(j["compels"]), "kind": "compels"})
        del j["compels"]
    m["access"] = m["access"] + implicit
    return m


# --------------------------------------------------------------------------- 2.1 presence


def presence_shares(model, at=None):
    """``{atomic class: {store: share}}`` with only shares > 0 listed (docs/design.md §2.1)."""
    m = present(model, at)
    atoms = class_atoms(m)
    shares = {d: {} for d in atomic_classes(m)}
    for pl in m["placements"]:
        s = _number(pl, "share")
        for d in atoms[pl["class"]]:
            if s > shares[d].get(pl["store"], 0.0):
                shares[d][pl["store"]] = s
    flows = []
    for fl in m["flows"]:
        flows.append((fl["from"], fl["to"], _number(fl, "share"), _admitted(atoms, fl.get("classes"))))
    # Bellman-Ford style relaxation of "max over routes of the product of multipliers":
    # every multiplier is <= 1, so going round a cycle never helps and the relaxation
    # settles within (number of stores) rounds.
    rounds = len(m.get("nodes") or []) + 2
    for d, held in shares.items():
        for _ in range(rounds):
            changed = False
            for src, dst, mult, admitted in flows:
                if not _admits(admitted, d) or src not in held:
                    continue
                candidate = held[src] * mult
                if candidate > held.get(dst, 0.0):
                    held[dst] = candidate
                    changed = True
            if not changed:
                break
        else:  # pragma: no cover - would mean a multiplier above 1
            raise ValueError("presence shares did not settle; a flow share above 1?")
    return shares


# --------------------------------------------------------------------------- worlds


class _Compiled:
    """What every world of one (model, adversary, at) shares."""

    def __init__(self, model, adversary, at):
        self.model = present(model, at)
        node_ids = [n["id"] for n in self.model.get("nodes") or []]
        if adversary not in node_ids:
            raise ValueError(f"unknown adversary {adversary!r}")
        self.adversary = adversary
        self.region = {n["id"]: n.get("region") for n in self.model["nodes"]}
        self.atoms = class_atoms(self.model)
        self.atomic = atomic_classes(self.model)
        self.classes = {c["id"]: c for c in self.model.get("classes") or []}
        self.shares = presence_shares(self.model)  # already present: no `at` needed
        self.event_p = {e["id"]: float(e["p"]) for e in self.model.get("events") or []}
        self.arcs = []
        for index, a in enumerate(self.model["access"]):
            self.arcs.append(
                {
                    "index": index,  # position in present(model, at)["access"]
                    "from": a["from"],
                    "to": a["to"],
                    "p": float(a["p"]),
                    "requires": list(a.get("requires") or []),
                    "admitted": _admitted(self.atoms, a.get("classes")),
                }
            )
        # Arcs that can ever be live, and the nodes the adversary can possibly reach over
        # them (ignoring class filters): only arcs leaving those nodes can matter.
        possible = [a for a in self.arcs if self._live_probability(a) > 0]
        seen = {adversary}
        queue = deque([adversary])
        while queue:
            v = queue.popleft()
            for a in possible:
                if a["from"] == v and a["to"] not in seen:
                    seen.add(a["to"])
                    queue.append(a["to"])
        self.relevant = [a for a in possible if a["from"] in seen]
        events = sorted({e for a in self.relevant for e in a["requires"] if 0.0 < self.event_p[e] < 1.0})
        self.variables = [("event", e, self.event_p[e]) for e in events]
        for a in self.relevant:
            if 0.0 < a["p"] < 1.0:
                self.variables.append(("arc", a["index"], a["p"]))

    def _live_probability(self, arc):
        p = arc["p"]
        for e in arc["requires"]:
            p *= self.event_p[e]
        return p

    def live_arcs(self, assignment):
        """The relevant arcs live in the world given by one bool per random variable."""
        up_events = {e for e, p in self.event_p.items() if p >= 1.0}
        up_coins = set()
        for (kind, key, _p), up in zip(self.variables, assignment):
            if up and kind == "event":
                up_events.add(key)
            elif up:
                up_coins.add(key)
        live = []
        for a in self.relevant:
            coin = a["p"] >= 1.0 or a["index"] in up_coins
            if coin and all(e in up_events for e in a["requires"]):
                live.append(a)
        return live

    def reach(self, out_arcs, d):
        """Reach_d: nodes reachable from the adversary over live arcs admitting d
        (``out_arcs``: node -> its live out-arcs)."""
        seen = {self.adversary}
        queue = deque([self.adversary])
        while queue:
            v = queue.popleft()
            for a in out_arcs.get(v, ()):
                if _admits(a["admitted"], d) and a["to"] not in seen:
                    seen.add(a["to"])
                    queue.append(a["to"])
        return seen

    def evaluate(self, live):
        """One world (its live arcs) -> ``{class: (X, stores)}`` where stores are the
        reached stores that hold the class (for a composite: its components' stores, empty
        unless X > 0)."""
        out_arcs = {}
        for a in live:
            out_arcs.setdefault(a["from"], []).append(a)
        out = {}
        for d in self.atomic:
            reached = self.reach(out_arcs, d)
            stores = {s for s, share in self.shares[d].items() if s in reached and share > 0}
            x = max((self.shares[d][s] for s in stores), default=0.0)
            out[d] = (x, stores)
        for cid, c in self.classes.items():
            if not c.get("components"):
                continue
            parts = [out[d] for d in sorted(self.atoms[cid])]
            x = min(p[0] for p in parts)
            stores = set().union(*(p[1] for p in parts)) if x > 0 else set()
            out[cid] = (x, stores)
        return out


class _Tally:
    """Weighted sums over worlds, turned into the scores of docs/design.md §2.5."""

    def __init__(self, compiled):
        self.c = compiled
        self.prob = dict.fromkeys(compiled.classes, 0.0)
        self.share = dict.fromkeys(compiled.classes, 0.0)
        self.store = {k: {} for k in compiled.classes}
        self.region = {k: {} for k in compiled.classes}
        self.weight = 0.0

    def add(self, world, weight):
        self.weight += weight
        for cid, (x, stores) in world.items():
            if x > 0:
                self.prob[cid] += weight
                self.share[cid] += weight * x
            for s in stores:
                self.store[cid][s] = self.store[cid].get(s, 0.0) + weight
            for r in {r for s in stores for r in region_and_ancestors(self.c.region.get(s))}:
                self.region[cid][r] = self.region[cid].get(r, 0.0) + weight

    def result(self):
        w = self.weight
        out = {}
        for cid, cls in self.c.classes.items():
            expected_share = self.share[cid] / w
            expected_records = _number(cls, "records") * expected_share
            sensitivity = _number(cls, "sensitivity")
            out[cid] = {
                "probability": self.prob[cid] / w,
                "expected_share": expected_share,
                "expected_records": expected_records,
                "risk": sensitivity * expected_records,
                "by_store": {s: v / w for s, v in sorted(self.store[cid].items()) if v > 0},
                "by_region": {r: v / w for r, v in sorted(self.region[cid].items()) if v > 0},
            }
        return out


def random_variables(model, adversary, at=None):
    """The random variables that matter: ``[("event", id, p) | ("arc", index, p)]``, where
    index is the arc's position in ``present(model, at)["access"]``."""
    return list(_Compiled(model, adversary, at).variables)


def enumerate_exposure(model, adversary, at=None):
    """Exact scores by enumerating every world (docs/design.md §2.2-2.5).

    ``{class: {"probability", "expected_share", "expected_records", "risk",
    "by_store": {store: p}, "by_region": {region: p}}}`` for atomic and composite classes.
    """
    c = _Compiled(model, adversary, at)
    n = len(c.variables)
    if n > MAX_ENUMERATED_VARIABLES:
        raise ValueError(
            f"{n} random variables: too many to enumerate (at most {MAX_ENUMERATED_VARIABLES}); use sample_exposure"
        )
    tally = _Tally(c)
    for assignment in itertools.product((False, True), repeat=n):
        weight = 1.0
        for (_kind, _key, p), up in zip(c.variables, assignment):
            weight *= p if up else 1.0 - p
        if weight == 0.0:
            continue
        tally.add(c.evaluate(c.live_arcs(assignment)), weight)
    return tally.result()


def wilson_interval(successes, n, z=1.959963984540054):
    """Wilson score interval for a binomial proportion."""
    if n == 0:
        return (0.0, 1.0)
    phat = successes / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def sample_exposure(model, adversary, at=None, samples=20_000, seed=0, z=1.959963984540054):
    """The scores of ``enumerate_exposure`` by plain Monte Carlo over ``samples`` worlds.

    Each class also gets ``ci_low`` / ``ci_high`` (Wilson interval at ``z`` for the
    exposure probability) and ``samples``. The same seed gives the same numbers.
    """
    c = _Compiled(model, adversary, at)
    rng = random.Random(seed)
    tally = _Tally(c)
    for _ in range(samples):
        assignment = [rng.random() < p for (_kind, _key, p) in c.variables]
        tally.add(c.evaluate(c.live_arcs(assignment)), 1.0)
    out = tally.result()
    for cid, row in out.items():
        hits = round(row["probability"] * samples)
        row["ci_low"], row["ci_high"] = wilson_interval(hits, samples, z)
        row["samples"] = samples
    return out


def total_risk(result):
    """The total risk of an adversary: the sum of risk over all classes (docs/design.md §2.5)."""
    return sum(row["risk"] for row in result.values())


# --------------------------------------------------------------------------- 2.6 views


def _deterministic_reach(model, adversary, at, keep_arc):
    c = _Compiled(model, adversary, at)
    live = [a for a in c.arcs if keep_arc(a, c.event_p)]
    world = c.evaluate(live)
    return {cid: set(stores) for cid, (_x, stores) in world.items()}


def possible_reach(model, adversary, at=None):
    """``{class: stores}`` reached over arcs with p > 0 whose events all have p > 0."""
    return _deterministic_reach(
        model, adversary, at, lambda a, ev: a["p"] > 0 and all(ev[e] > 0 for e in a["requires"])
    )


def certain_reach(model, adversary, at=None):
    """``{class: stores}`` reached over arcs with p == 1 whose events all have p == 1."""
    return _deterministic_reach(
        model, adversary, at, lambda a, ev: a["p"] >= 1 and all(ev[e] >= 1 for e in a["requires"])
    )
