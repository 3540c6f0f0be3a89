"""Explanations: ``dr.most_likely_paths``, ``dr.cheapest_cut``, ``dr.chokepoints`` and
``dr.importance`` against networkx on the same synthetic models, 10^5 and 10^6 arcs.

    PYTHONPATH=python python benchmarks/bench_explain.py            # 10^5 and 10^6 arcs
    PYTHONPATH=python python benchmarks/bench_explain.py --quick    # 10^5 only

Per size, in a fresh subprocess: ``dr.synthetic.enterprise_with_arcs(n, seed=1)``, compiled
once (the compiled graph is cached, so no query below pays for it). For adversary CN and
every atomic class (docs/design.md §5a):

1. ``dr.most_likely_paths(model, "CN", d, k=10)`` against the first 10 paths of
   ``nx.shortest_simple_paths`` (Yen) from CN to a virtual sink joined from every store
   holding the class, on a DiGraph of the possible arcs admitting the class weighted by
   -log of their live probability (the likeliest of parallel arcs). networkx counts an event
   shared by two arcs of a path twice and may run on through a holding store, so datareach's
   top probability can only be higher, and is equal when datareach's top path shares no
   event between its arcs.
2. ``dr.cheapest_cut`` against ``nx.minimum_cut`` on the capacitated graph of the design:
   possible explicit arcs admitting the class with their costs added per node pair, rule
   arcs and the holding stores' arcs to the sink uncapacitated (as the tests build it). The
   costs must be equal.
3. ``dr.chokepoints`` against ``nx.immediate_dominators`` on the same graph: the dominator
   chain of the sink, outward from CN, which is not listed. The node lists must be equal.
4. ``dr.importance(method="monte_carlo", threads=1)`` against one
   ``dr.analyze(model, ["CN"], method="monte_carlo", threads=1)`` of the same worlds (same
   samples and seed; the importance pass's ``exposure`` must equal analyze's probability of
   the class exactly). There is no networkx run: per-variable conditioning on networkx takes
   at least one search per variable per world, so the table gives an extrapolation
   ``worlds x (live graph + (variables + 1) x one search)`` from a few measured worlds and
   searches, labelled as such. What networkx does check is which variables can matter:
   the random coins and events of the arcs from a node CN reaches to a node that reaches a
   holding store (paths stopping at the first holding store), which must be the variables
   importance lists.

In the synthetic models each class is placed in 2 stores (plus replicas and backups), so the
part of the graph importance works on is small. A second subprocess per size therefore runs
importance against analyze alone on ``enterprise_with_arcs(n, placements_per_class=P)``
(``--stress-placements``: P per 10^6 arcs, default 5,000), where it is a large share of the
arcs.

Worlds: ``--arc-worlds`` / arcs (10^5 arcs: 102,400; 10^6: 10,240). Each datareach call is
the best of ``--repeat`` (2) runs; each networkx call runs once.

networkx gets the arrays of ``_baselines.py`` (rule arcs expanded, presence over flows), so
its graphs are built independently of datareach's core; a networkx call that runs longer than
``--networkx-timeout`` seconds is stopped and reported as "> N s". Results go to
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

import _baselines as b
from _baselines import dr

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- bench_explain:start -->", "<!-- bench_explain:end -->"
ADVERSARY = "CN"
K = 10
# The project's targets at 10^6 arcs (seconds per class; importance as a multiple of analyze).
TARGETS = {"paths": 5.0, "cut": 10.0, "chokepoints": 5.0, "importance": 4.0}


def _peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _bounded(seconds: float) -> Iterator[None]:
    """Stop the (pure Python) code inside after ``seconds`` with ``_Timeout``."""

    def fire(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _best(call, repeat: int) -> tuple[float, object]:
    """The least wall time of ``repeat`` calls, and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return best, result


def _shares_an_event(path: dr.Path) -> bool:
    events = [e for step in path.arcs for e in step.requires]
    return len(events) != len(set(events))


def _differ_by_shared_events(ours: list[float], shared: list[bool], theirs: list[float]) -> bool:
    """Whether the two lists of k path probabilities differ only as shared events make them:
    every path of datareach's that networkx lacks shares an event (networkx counts it twice,
    so ranks it lower) or falls below networkx's last, and every path of networkx's that
    datareach lacks falls below datareach's last (pushed out of the k by those)."""
    left = list(theirs)
    for p, counted_once in zip(ours, shared):
        match = next((j for j, q in enumerate(left) if math.isclose(p, q, rel_tol=1e-12)), None)
        if match is not None:
            left.pop(match)
        elif not counted_once and theirs and p > min(theirs) * (1 + 1e-12):
            return False
    return all(q <= min(ours) * (1 + 1e-12) for q in left) if ours else not left


def _importance_vs_analyze(
    model: dr.Model, atomic: list[str], rows: dict[str, dict], samples: int, repeat: int
) -> dict:
    """One ``analyze`` of CN on one thread, then ``importance`` of each class over the same
    worlds (their exposures must be equal); fills ``rows`` and returns analyze's figures."""
    options = {"method": "monte_carlo", "samples": samples, "seed": 1, "threads": 1}
    analyze_s, analysis = _best(lambda: dr.analyze(model, [ADVERSARY], **options), repeat)
    worlds = analysis.provenance.worlds
    probability = dict(zip(analysis.table["class"], analysis.table["probability"]))
    for d in atomic:
        r = rows[d]
        r["dr_importance_s"], found = _best(lambda d=d: dr.importance(model, ADVERSARY, d, **options), repeat)
        assert found.provenance.worlds == worlds
        # The importance pass draws analyze's worlds: the same exposure, bit for bit.
        assert found.exposure == probability[d], (d, found.exposure, probability[d])
        r["exposure"] = found.exposure
        r["variables"] = len(found.table)
        r["variable_kinds"] = found.table["kind"].value_counts().to_dict()
    return {"analyze_s": analyze_s, "worlds": worlds}


def measure_stress(arcs: int, seed: int, samples: int, repeat: int, placements: int) -> dict:
    """Importance against analyze on a model whose classes are placed in many stores, so
    that the part of the graph importance works on is large."""
    from datareach.model.lowering import compile_model

    model = dr.synthetic.enterprise_with_arcs(arcs, seed=seed, placements_per_class=placements)
    graph = compile_model(model)
    atomic = [c for c, parts in zip(model.class_ids, model.classes["components"]) if parts is None]
    rows: dict[str, dict] = {d: {"class": d} for d in atomic}
    out = _importance_vs_analyze(model, atomic, rows, samples, repeat)
    out.update(arcs=graph.arc_count, placements=placements, classes=[rows[d] for d in atomic])
    out["peak_dr_gib"] = _peak() / 2**30
    return out


def measure(arcs: int, seed: int, samples: int, repeat: int, timeout: float, with_networkx: bool) -> dict:
    import networkx as nx

    from datareach.model.lowering import compile_model

    out: dict = {}
    model = dr.synthetic.enterprise_with_arcs(arcs, seed=seed)
    started = time.perf_counter()
    graph = compile_model(model)
    out["dr_compile_s"] = time.perf_counter() - started
    out["arcs"] = graph.arc_count
    out["nodes"] = graph.node_count
    atomic = [c for c, parts in zip(model.class_ids, model.classes["components"]) if parts is None]
    rows: dict[str, dict] = {d: {"class": d} for d in atomic}

    # datareach: the three deterministic explanations, then importance against analyze.
    for d in atomic:
        r = rows[d]
        r["dr_paths_s"], paths = _best(lambda d=d: dr.most_likely_paths(model, ADVERSARY, d, k=K), repeat)
        r["dr_paths_p"] = [p.probability for p in paths]
        r["dr_paths_shared"] = [_shares_an_event(p) for p in paths]
        r["dr_top_shares_event"] = bool(paths) and r["dr_paths_shared"][0]
        r["dr_top_arcs"] = len(paths[0].arcs) if paths else 0
        r["dr_cut_s"], cut = _best(lambda d=d: dr.cheapest_cut(model, ADVERSARY, d), repeat)
        r["dr_cut_cost"] = cut.cost
        r["dr_cut_pairs"] = len(cut.pairs)
        r["dr_choke_s"], choke = _best(lambda d=d: dr.chokepoints(model, ADVERSARY, d), repeat)
        r["dr_choke"] = choke.nodes
    out.update(_importance_vs_analyze(model, atomic, rows, samples, repeat))
    out["peak_dr_gib"] = _peak() / 2**30
    out["classes"] = [rows[d] for d in atomic]
    if not with_networkx:
        return out

    # networkx: one DiGraph per class of the possible arcs admitting it, plus the sink.
    started = time.perf_counter()
    data = b.arrays(model)
    out["nx_arrays_s"] = time.perf_counter() - started
    assert data.arcs == graph.arc_count
    live_p = data.p.copy()
    needs = np.diff(data.req_offsets) > 0
    if needs.any():
        live_p[needs] *= np.multiply.reduceat(data.event_p[data.req_values], data.req_offsets[:-1][needs])
    possible = live_p > 0
    weight = -np.log(np.where(possible, live_p, 1.0))
    explicit = len(model.access)  # the explicit arcs come first, rule arcs after them
    capacity = np.full(data.arcs, math.inf)
    capacity[:explicit] = model.access["cost"].to_numpy(dtype=float)
    n = len(data.node_ids)
    sink = n
    source = int(model.node_index[ADVERSARY])
    rng = np.random.default_rng(seed)
    for d in atomic:
        r = rows[d]
        c = data.class_ids.index(d)
        group = next(i for i, g in enumerate(data.groups) if c in g)
        holding = data.stores_of[c].tolist()
        started = time.perf_counter()
        admitted = possible & (~data.filtered | data.group_admits[group])
        pairs = (
            pd.DataFrame(
                {
                    "u": data.src[admitted],
                    "v": data.dst[admitted],
                    "weight": weight[admitted],
                    "capacity": capacity[admitted],  # a sum with a rule arc (inf) is inf
                }
            )
            .groupby(["u", "v"], sort=False)
            .agg(weight=("weight", "min"), capacity=("capacity", "sum"))
            .reset_index()
        )
        g = nx.DiGraph()
        g.add_nodes_from(range(n + 1))
        g.add_edges_from(
            (u, v, {"weight": w} if math.isinf(cap) else {"weight": w, "capacity": cap})
            for u, v, w, cap in zip(
                pairs["u"].tolist(), pairs["v"].tolist(), pairs["weight"].tolist(), pairs["capacity"].tolist()
            )
        )
        g.add_edges_from((s, sink, {"weight": 0.0}) for s in holding)
        r["nx_build_s"] = time.perf_counter() - started
        r["nx_edges"] = g.number_of_edges()
        # Spare networkx the cyclic garbage collector's passes over its millions of dicts.
        gc.collect()
        gc.freeze()
        out["peak_nx_gib"] = max(out.get("peak_nx_gib", 0.0), _peak() / 2**30)

        # 1. k shortest simple paths (Yen).
        found_paths: list[list[int]] = []
        started = time.perf_counter()
        try:
            with _bounded(timeout):
                for path in nx.shortest_simple_paths(g, source, sink, weight="weight"):
                    found_paths.append(path)
                    if len(found_paths) == K:
                        break
            r["nx_paths_s"] = time.perf_counter() - started
        except nx.NetworkXNoPath:
            r["nx_paths_s"] = time.perf_counter() - started
        except _Timeout:
            r["nx_paths_s"] = None
        held = set(holding)
        r["nx_paths_p"] = [math.exp(-nx.path_weight(g, path, "weight")) for path in found_paths]
        r["nx_paths_found"] = len(found_paths)
        r["nx_paths_through_store"] = sum(any(v in held for v in path[1:-2]) for path in found_paths)

        # 2. minimum cut.
        started = time.perf_counter()
        try:
            with _bounded(timeout):
                if not nx.has_path(g, source, sink):
                    value = 0.0
                else:
                    try:
                        value, _ = nx.minimum_cut(g, source, sink)
                    except nx.NetworkXUnbounded:
                        value = math.inf
            r["nx_cut_s"] = time.perf_counter() - started
            r["nx_cut_cost"] = float(value)
        except _Timeout:
            r["nx_cut_s"] = r["nx_cut_cost"] = None

        # 3. dominators of the sink.
        started = time.perf_counter()
        try:
            with _bounded(timeout):
                chain: list[int] = []
                if nx.has_path(g, source, sink):
                    idom = nx.immediate_dominators(g, source)
                    v = idom[sink]
                    while v != source:
                        chain.append(v)
                        v = idom[v]
            r["nx_choke_s"] = time.perf_counter() - started
            r["nx_choke"] = [data.node_ids[v] for v in chain[::-1]]
        except _Timeout:
            r["nx_choke_s"] = r["nx_choke"] = None

        # 4. importance. The variables that can matter: the random coins and events of the
        # arcs from a node CN reaches to a node that reaches a holding store, paths stopping
        # at the first holding store (forward and backward searches on the class's graph).
        started = time.perf_counter()
        forward = np.zeros(n + 1, dtype=bool)
        backward = np.zeros(n + 1, dtype=bool)
        forward[source] = True
        frontier = [source]
        while frontier:
            u = frontier.pop()
            if u in held:
                continue
            for v in g.succ[u]:
                if not forward[v]:
                    forward[v] = True
                    frontier.append(v)
        backward[holding] = True
        frontier = list(holding)
        while frontier:
            v = frontier.pop()
            for u in g.pred[v]:
                if not backward[u] and u not in held:
                    backward[u] = True
                    frontier.append(u)
        leaves = np.zeros(n + 1, dtype=bool)
        leaves[holding] = True
        on_path = np.flatnonzero(admitted & forward[data.src] & ~leaves[data.src] & backward[data.dst])
        coins = int(((data.p[on_path] > 0) & (data.p[on_path] < 1)).sum())
        events = {
            int(e)
            for a in on_path.tolist()
            for e in data.req_values[data.req_offsets[a] : data.req_offsets[a + 1]]
            if 0 < data.event_p[e] < 1
        }
        r["nx_variables"] = coins + len(events)
        r["nx_variables_s"] = time.perf_counter() - started
        # Extrapolated: per world the live graph of the class, then one reach search per
        # variable (its state flipped: here one live arc removed and put back) plus the
        # world's own.
        live_graph_s, search_s = [], []
        admitted_arcs = np.flatnonzero(admitted)
        for _ in range(2):
            started = time.perf_counter()
            live = admitted_arcs[data.live(rng)[admitted_arcs]]
            w = nx.DiGraph()
            w.add_nodes_from((source, sink))
            w.add_edges_from(zip(data.src[live].tolist(), data.dst[live].tolist()))
            w.add_edges_from((s, sink) for s in holding)
            live_graph_s.append(time.perf_counter() - started)
            edges = list(w.edges)
            for e in rng.choice(len(edges), size=min(10, len(edges)), replace=False):
                u, v = edges[int(e)]
                started = time.perf_counter()
                w.remove_edge(u, v)
                nx.has_path(w, source, sink)
                w.add_edge(u, v)
                search_s.append(time.perf_counter() - started)
            del w, edges
        r["nx_live_graph_s"] = float(np.mean(live_graph_s))
        r["nx_search_s"] = float(np.mean(search_s))
        r["nx_importance_estimate_s"] = out["worlds"] * (r["nx_live_graph_s"] + (r["variables"] + 1) * r["nx_search_s"])
        r["nx_importance_measured"] = len(search_s)

        del g
        gc.unfreeze()
        gc.collect()
        out["peak_nx_gib"] = max(out["peak_nx_gib"], _peak() / 2**30)

        # Agreement.
        ours, theirs = r["dr_paths_p"], r["nx_paths_p"]
        if r["nx_paths_s"] is None and not theirs:
            r["paths_agree"] = None
        elif not ours or not theirs:
            r["paths_agree"] = not ours and not theirs
        elif r["dr_top_shares_event"]:
            r["paths_agree"] = theirs[0] <= ours[0] * (1 + 1e-12)
        else:
            r["paths_agree"] = math.isclose(theirs[0], ours[0], rel_tol=1e-12)
        r["paths_top_equal"] = bool(ours and theirs and math.isclose(theirs[0], ours[0], rel_tol=1e-12))
        r["cut_agree"] = (
            None
            if r["nx_cut_cost"] is None
            else r["nx_cut_cost"] == r["dr_cut_cost"] or math.isclose(r["nx_cut_cost"], r["dr_cut_cost"], rel_tol=1e-12)
        )
        r["choke_agree"] = None if r["nx_choke"] is None else r["nx_choke"] == r["dr_choke"]
        r["variables_agree"] = r["nx_variables"] == r["variables"]
        r["paths_all_equal"] = len(ours) == len(theirs) and all(
            math.isclose(x, y, rel_tol=1e-12) for x, y in zip(ours, theirs)
        )
        r["paths_differ_by_shared_events"] = _differ_by_shared_events(ours, r["dr_paths_shared"], theirs)
    return out


def _seconds(x: float | None, timeout: float) -> str:
    if x is None:
        return f"> {timeout:.0f}"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def _ratio(theirs: float, ours: float) -> str:
    return f"{theirs / ours:,.0f}×" if theirs / ours >= 10 else f"{theirs / ours:.1f}×"


def _count(values: list[bool | None]) -> str:
    known = [v for v in values if v is not None]
    text = f"{sum(known)}/{len(known)}"
    if len(known) < len(values):
        text += f" ({len(values) - len(known)} not compared: networkx stopped)"
    return text


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _report(r: dict, timeout: float, with_nx: bool) -> tuple[list[str], list[str], list[str]]:
    """Summary rows, per-class rows and a note for one size."""
    classes = r["classes"]
    size = f"{r['arcs']:,}"
    summary, detail = [], []
    for name, key, target, agree_key in (
        ("10 paths", "paths", TARGETS["paths"], "paths_agree"),
        ("cut", "cut", TARGETS["cut"], "cut_agree"),
        ("chokepoints", "choke", TARGETS["chokepoints"], "choke_agree"),
    ):
        ours = [c[f"dr_{key}_s"] for c in classes]
        theirs_text = ratio = agree = "not run"
        if with_nx:
            theirs = [c[f"nx_{key}_s"] for c in classes]
            stopped = "> " if any(t is None for t in theirs) else ""
            total = sum(timeout if t is None else t for t in theirs)
            theirs_text = stopped + _seconds(total, timeout)
            ratio = stopped + _ratio(total, sum(ours))
            agree = _count([c[agree_key] for c in classes])
            if key == "paths":
                equal = sum(c["paths_all_equal"] for c in classes)
                explained = sum(c["paths_differ_by_shared_events"] and not c["paths_all_equal"] for c in classes)
                agree += (
                    f" (top p equal {sum(c['paths_top_equal'] for c in classes)}; all {K} p equal {equal}, "
                    f"differing only by paths with a shared event {explained})"
                )
        summary.append(
            f"| {size} | {name} | {_seconds(max(ours), timeout)} | {_seconds(sum(ours), timeout)} | {theirs_text} | "
            f"**{ratio}** | {agree} | < {target:g} s per class | {_met(max(ours) < target)} |"
        )
    summary.append(_importance_row(r, "importance (Monte Carlo)", with_nx))
    for c in classes:
        arcs = f"{c['dr_top_arcs']} arc{'s' if c['dr_top_arcs'] != 1 else ''}"
        top_dr = f"{c['dr_paths_p'][0]:.4g} ({arcs})" if c["dr_paths_p"] else "–"
        shared = " (shared event)" if c["dr_top_shares_event"] else ""
        if with_nx:
            top_nx = f"{c['nx_paths_p'][0]:.4g}" if c["nx_paths_p"] else "–"
            nx_cut = "?" if c["nx_cut_cost"] is None else format(c["nx_cut_cost"], "g")
            nx_choke = "?" if c["nx_choke"] is None else str(len(c["nx_choke"]))
            detail.append(
                f"| {size} | {c['class']} | {c['nx_edges']:,} | {c['nx_build_s']:.2f} | "
                f"{_seconds(c['dr_paths_s'], timeout)} / {_seconds(c['nx_paths_s'], timeout)} | "
                f"{top_dr}{shared} / {top_nx} | {c['nx_paths_through_store']} | "
                f"{_seconds(c['dr_cut_s'], timeout)} / {_seconds(c['nx_cut_s'], timeout)} | "
                f"{c['dr_cut_cost']:g} / {nx_cut} | "
                f"{_seconds(c['dr_choke_s'], timeout)} / {_seconds(c['nx_choke_s'], timeout)} | "
                f"{len(c['dr_choke'])} / {nx_choke} | {c['dr_importance_s']:.3f} | "
                f"{c['variables']:,} / {c['nx_variables']:,} | {c['exposure']:.4f} | "
                f"{c['nx_live_graph_s']:.2f} s / {c['nx_search_s'] * 1e3:.2f} ms |"
            )
        else:
            detail.append(
                f"| {size} | {c['class']} | | | {_seconds(c['dr_paths_s'], timeout)} | {top_dr}{shared} | | "
                f"{_seconds(c['dr_cut_s'], timeout)} | {c['dr_cut_cost']:g} | "
                f"{_seconds(c['dr_choke_s'], timeout)} | {len(c['dr_choke'])} | {c['dr_importance_s']:.3f} | "
                f"{c['variables']:,} | {c['exposure']:.4f} | |"
            )
    peak = f"{r['peak_dr_gib']:.1f} GiB after datareach"
    note = (
        f"- {size} arcs, {r['nodes']:,} nodes: datareach compile {r['dr_compile_s']:.2f} s (once, in no time "
        f"above); one `dr.analyze` of CN over {r['worlds']:,} worlds on 1 thread {r['analyze_s']:.2f} s"
    )
    if with_nx:
        build = sum(c["nx_build_s"] for c in classes)
        peak += f", {r['peak_nx_gib']:.1f} GiB with networkx"
        note += f"; networkx arrays {r['nx_arrays_s']:.1f} s and a graph per class {build:.1f} s in all (in no ratio)"
    return summary, detail, [f"{note}; peak RSS {peak}."]


def _importance_row(r: dict, name: str, with_nx: bool) -> str:
    classes = r["classes"]
    ours = [c["dr_importance_s"] for c in classes]
    per_class, all_classes = max(ours) / r["analyze_s"], sum(ours) / r["analyze_s"]
    if with_nx:
        estimate = sum(c["nx_importance_estimate_s"] for c in classes)
        theirs = f"≈ {estimate:,.0f} (extrapolated)"
        ratio = f"≈ {_ratio(estimate, sum(ours))}"
        variables = f"; variables {_count([c['variables_agree'] for c in classes])}"
    else:
        theirs, ratio, variables = "not run", "", ""
    return (
        f"| {r['arcs']:,} | {name}, {r['worlds']:,} worlds | {max(ours):.3f} | {sum(ours):.3f} | {theirs} | "
        f"**{ratio}** | exposure = analyze's {len(classes)}/{len(classes)}{variables} | "
        f"≤ 4× one analyze ({r['analyze_s']:.2f} s) | {_met(per_class <= TARGETS['importance'])}: "
        f"{per_class:.3f}× for the slowest class, {all_classes:.3f}× for all {len(classes)} |"
    )


def _subprocess(arguments: list[str]) -> tuple[dict | None, str]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments], capture_output=True, text=True, env=os.environ
    )
    if done.returncode != 0:
        return None, (done.stderr.strip().splitlines() or [str(done.returncode)])[-1]
    return json.loads(done.stdout.strip().splitlines()[-1]), ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 arcs only")
    parser.add_argument("--sizes", type=float, nargs="+", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--arc-worlds", type=float, default=1e10, help="worlds = this ÷ arcs, in multiples of 10,240 (at least one)"
    )
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs of each datareach call")
    parser.add_argument(
        "--networkx-timeout", type=float, default=600.0, help="seconds before a networkx call is stopped"
    )
    parser.add_argument("--networkx-max", type=float, default=1e7, help="largest size networkx is run on")
    parser.add_argument(
        "--stress-placements",
        type=float,
        default=5000,
        help="placements per class per 10^6 arcs in the importance stress model (0: no stress run)",
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--_measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_samples", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_networkx", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--_placements", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._measure:
        if args._placements:
            result = measure_stress(args._measure, args.seed, args._samples, args.repeat, args._placements)
        else:
            result = measure(
                args._measure, args.seed, args._samples, args.repeat, args.networkx_timeout, bool(args._networkx)
            )
        print(json.dumps(result))
        return

    sizes = [int(s) for s in args.sizes] if args.sizes else ([10**5] if args.quick else [10**5, 10**6])
    info = b.machine()
    command = b.command_line("benchmarks/bench_explain.py")
    print(f"# {b.describe_machine(info)}; load average {info['load']} at the start", flush=True)
    summary = [
        "| arcs | explanation | datareach s, slowest class | datareach s, all classes | networkx s, all classes | "
        "networkx ÷ datareach | agree | target | met |",
        "|---:|---|---:|---:|---:|---:|---|---|---|",
    ]
    detail = [
        "| arcs | class | networkx edges | networkx build s | paths s dr / nx | top path p dr / nx | nx paths "
        "through a holding store | cut s dr / nx | cut cost dr / nx | chokepoints s dr / nx | chokepoints dr / nx | "
        "importance s | variables dr / nx | exposure | nx world graph / one search |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    stress = [
        "| arcs | placements per class | analyze s | importance s, slowest class | importance s, all classes | "
        "variables per class | exposure | slowest ÷ analyze | all ÷ analyze | met (≤ 4×) |",
        "|---:|---:|---:|---:|---:|---|---|---:|---:|---|",
    ]
    notes: list[str] = []
    timeout = args.networkx_timeout
    for size in sizes:
        with_nx = size <= args.networkx_max
        samples = max(10_240, round(args.arc_worlds / size / 10_240) * 10_240)
        common = ["--_measure", str(size), "--_samples", str(samples), "--seed", str(args.seed)]
        common += ["--repeat", str(args.repeat)]
        r, failure = _subprocess([*common, "--networkx-timeout", str(timeout), "--_networkx", str(int(with_nx))])
        if r is None:
            summary.append(f"| {size:,} | failed: {failure} |")
            print(summary[-1], flush=True)
        else:
            s, d, n = _report(r, timeout, with_nx)
            print("\n".join([*s, *d, *n]), flush=True)
            summary += s
            detail += d
            notes += n
        placements = round(args.stress_placements * size / 1e6)
        if placements < 1:
            continue
        r, failure = _subprocess([*common, "--_placements", str(placements)])
        if r is None:
            stress.append(f"| {size:,} | {placements:,} | failed: {failure} |")
        else:
            ours = [c["dr_importance_s"] for c in r["classes"]]
            variables = [c["variables"] for c in r["classes"]]
            exposures = [c["exposure"] for c in r["classes"]]
            stress.append(
                f"| {r['arcs']:,} | {placements:,} | {r['analyze_s']:.2f} | {max(ours):.3f} | {sum(ours):.3f} | "
                f"{min(variables):,} – {max(variables):,} | {min(exposures):.4f} – {max(exposures):.4f} | "
                f"{max(ours) / r['analyze_s']:.3f}× | {sum(ours) / r['analyze_s']:.3f}× | "
                f"{_met(max(ours) / r['analyze_s'] <= TARGETS['importance'])} |"
            )
        print(stress[-1], flush=True)
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    section = [
        "## Explanations (`bench_explain.py`)",
        "",
        f"- Command: `{command}` (from the repository root)",
        f"- Machine: {b.describe_machine(info)}",
        f"- Date: {info['date']}; load average {info['load']} at the start, {load_end} at the end",
        "",
        *summary,
        "",
        *notes,
        "",
        f"Models: `dr.synthetic.enterprise_with_arcs(n, seed={args.seed})`; adversary CN and each atomic class. "
        "Times are wall-clock seconds per call with the compiled graph cached (datareach: best of "
        f"{args.repeat} runs; networkx: one run); *networkx ÷ datareach* divides the sums over the classes. "
        "networkx works on one DiGraph per class built from `_baselines.arrays` (rule arcs expanded, presence "
        "over flows): the possible arcs admitting the class, parallel arcs merged into one edge whose weight is "
        "−log of the likeliest one's live probability (for the paths) and whose capacity is the sum of their "
        "costs, none (infinite) when a rule arc joins the pair (for the cut), and every holding store joined "
        "to a sink by an uncapacitated edge of weight 0; its build is timed apart and in no ratio. *Agree*: "
        "paths, datareach's top probability equals networkx's when datareach's top path shares no event "
        "between its arcs and is at least networkx's otherwise (networkx counts a shared event twice, so such "
        f"a path ranks lower there); the lists of {K} are compared too. Cut: equal costs (inf: no finite cut, "
        "a rule arc, which cannot be cut, joins CN to a holding store). Chokepoints: equal node lists. "
        "Importance: its `exposure` equals analyze's probability for the class bit for bit (asserted), and "
        "the variables it lists are as many as networkx counts: the random coins and events of the arcs from "
        "a node CN reaches to one that reaches a holding store, paths stopping at the first holding store. "
        "Importance on networkx is not run: the figure is an extrapolation, worlds × (the world's live graph "
        "+ (variables + 1) × one `has_path` after removing one live arc), from 2 worlds and 20 searches per "
        "class, the least that per-variable conditioning on common worlds costs. *Target*: the goals at "
        "10⁶ arcs, per (adversary, class) call, all on one thread; the 10⁵ rows are held to the same bounds.",
        "",
        "Per class (dr = datareach, nx = networkx):",
        "",
        *detail,
    ]
    if len(stress) > 2:
        section += [
            "",
            "Importance on `enterprise_with_arcs(n, seed=1, placements_per_class=P)`: each class placed in many "
            "stores, so that the part of the graph importance works on (the variables it lists) is a large share "
            "of the arcs; datareach only, one thread, the worlds of one analyze of CN (exposures asserted equal):",
            "",
            *stress,
        ]
    if not args.no_write:
        b.write_section(RESULTS, START, END, section)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
