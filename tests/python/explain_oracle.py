"""Brute-force references for the explanations and remediation of docs/design.md §5a.

Like ``oracle.py`` (whose worlds it reuses) it is plain, slow Python that imports nothing
from datareach and works on scenario dicts. Every function enumerates: simple paths,
worlds, subsets of arcs, removals of nodes.

- ``simple_paths(model, adversary, data_class, at)``: every simple path over possible arcs
  that admit the class, from the adversary to a store holding it (stopping at the first
  such store), with its probability: the product of the distinct random variables on it
  (each arc's coin, each required event once). Best first.
- ``birnbaum(model, adversary, data_class, at)``: for every possible arc (explicit or rule)
  and event, the exposure probability with it forced up, forced down, and the difference.
- ``minimum_cut_cost(model, adversary, data_class, at)``: the least total ``cost`` of
  explicit arcs whose removal leaves the class not possibly reachable (``inf`` if none).
- ``chokepoints(model, adversary, data_class, at)``: the nodes other than the adversary
  whose removal leaves the class not possibly reachable.
"""

from __future__ import annotations

import copy
import itertools
import math

from oracle import _Compiled, enumerate_exposure, present

__all__ = ["birnbaum", "chokepoints", "minimum_cut_cost", "simple_paths"]


def _possible_arcs(compiled, data_class):
    """Arcs of the present model that can be live and admit the (atomic) class."""
    event_p = compiled.event_p
    return [
        a
        for a in compiled.arcs
        if a["p"] > 0
        and all(event_p[e] > 0 for e in a["requires"])
        and (a["admitted"] is None or data_class in a["admitted"])
    ]


def _holding_stores(compiled, data_class):
    return {s for s, share in compiled.shares[data_class].items() if share > 0}


def _atomic(compiled, data_class):
    atoms = compiled.atoms[data_class]
    if atoms != frozenset([data_class]):
        raise ValueError(f"{data_class!r} is a composite class: a path reaches one store")
    return data_class


def simple_paths(model, adversary, data_class, at=None):
    """``[(probability, nodes, arc_indices)]`` best first (ties by nodes, then arcs); arc
    indices are positions in ``present(model, at)["access"]``."""
    c = _Compiled(model, adversary, at)
    d = _atomic(c, data_class)
    arcs = _possible_arcs(c, d)
    holding = _holding_stores(c, d)
    out_arcs = {}
    for a in arcs:
        out_arcs.setdefault(a["from"], []).append(a)
    found = []

    def probability(path_arcs):
        p = 1.0
        events = set()
        for a in path_arcs:
            p *= a["p"]
            events.update(a["requires"])
        for e in events:
            p *= c.event_p[e]
        return p

    def extend(node, visited, path_arcs):
        if node in holding and path_arcs:
            found.append(
                (
                    probability(path_arcs),
                    tuple([adversary] + [a["to"] for a in path_arcs]),
                    tuple(a["index"] for a in path_arcs),
                )
            )
            return
        for a in out_arcs.get(node, ()):
            if a["to"] not in visited:
                extend(a["to"], visited | {a["to"]}, path_arcs + [a])

    if adversary in holding:  # the adversary is itself a store holding the class
        found.append((1.0, (adversary,), ()))
    else:
        extend(adversary, {adversary}, [])
    found.sort(key=lambda item: (-item[0], item[1], item[2]))
    return found


def birnbaum(model, adversary, data_class, at=None):
    """``{("arc", index) | ("event", id): (p_up, p_down, importance)}`` for every possible
    arc and event of the present model (indices into ``present(model, at)["access"]``)."""
    base = present(model, at)
    for node in base.get("nodes") or []:
        node.pop("compels", None)  # rule arcs are explicit arcs of the present model now
    c = _Compiled(base, adversary, None)
    arcs = [a for a in c.arcs if a["p"] > 0]
    events = sorted({e for a in arcs for e in a["requires"] if c.event_p[e] > 0})
    out = {}

    def exposure_with(edit):
        m = copy.deepcopy(base)
        edit(m)
        return enumerate_exposure(m, adversary)[data_class]["probability"]

    for a in arcs:

        def force(value, index=a["index"]):
            return lambda m: m["access"][index].__setitem__("p", value)

        up, down = exposure_with(force(1.0)), exposure_with(force(0.0))
        out[("arc", a["index"])] = (up, down, up - down)
    for e in events:

        def force_event(value, event=e):
            def edit(m):
                for entry in m["events"]:
                    if entry["id"] == event:
                        entry["p"] = value

            return edit

        up, down = exposure_with(force_event(1.0)), exposure_with(force_event(0.0))
        out[("event", e)] = (up, down, up - down)
    return out


def _possibly_reached(compiled, arcs, data_class, removed_node=None):
    holding = _holding_stores(compiled, data_class) - {removed_node}
    seen = {compiled.adversary}
    frontier = [compiled.adversary]
    while frontier:
        v = frontier.pop()
        if v in holding:
            return True
        for a in arcs:
            if a["from"] == v and a["to"] not in seen and a["to"] != removed_node:
                seen.add(a["to"])
                frontier.append(a["to"])
    return False


def minimum_cut_cost(model, adversary, data_class, at=None, max_arcs=14):
    """The least total cost of explicit arcs to remove (by trying every subset)."""
    c = _Compiled(model, adversary, at)
    d = _atomic(c, data_class)
    arcs = _possible_arcs(c, d)
    explicit = len(present(model, at)["access"]) - _rule_arc_count(model, at)
    cuttable = [a for a in arcs if a["index"] < explicit]
    rules = [a for a in arcs if a["index"] >= explicit]
    if len(cuttable) > max_arcs:
        raise ValueError(f"{len(cuttable)} arcs: too many subsets to try")
    entries = present(model, at)["access"]
    cost = {a["index"]: float(entries[a["index"]].get("cost", 1.0) or 1.0) for a in cuttable}
    best = math.inf
    for size in range(len(cuttable) + 1):
        for subset in itertools.combinations(cuttable, size):
            total = sum(cost[a["index"]] for a in subset)
            if total >= best:
                continue
            chosen = {a["index"] for a in subset}
            kept = rules + [a for a in cuttable if a["index"] not in chosen]
            if not _possibly_reached(c, kept, d):
                best = total
    return best


def _rule_arc_count(model, at):
    """How many arcs ``present`` adds for jurisdiction rules (they come last)."""
    m = copy.deepcopy(model)
    for node in m.get("nodes") or []:
        node.pop("compels", None)
    return len(present(model, at)["access"]) - len(present(m, at)["access"])


def chokepoints(model, adversary, data_class, at=None):
    """The nodes (not the adversary) on every possible path to a store holding the class;
    empty when the class is not possibly reachable at all."""
    c = _Compiled(model, adversary, at)
    d = _atomic(c, data_class)
    arcs = _possible_arcs(c, d)
    if not _possibly_reached(c, arcs, d):
        return set()
    nodes = {n["id"] for n in c.model.get("nodes") or []} - {adversary}
    return {v for v in nodes if not _possibly_reached(c, arcs, d, removed_node=v)}
