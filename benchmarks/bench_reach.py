"""Deterministic views: ``dr.reach`` and ``dr.most_likely_path`` against networkx
``descendants`` and ``single_source_dijkstra`` on the same synthetic models, 10^5 to 10^7 arcs.

    PYTHONPATH=python python benchmarks/bench_reach.py            # 10^5, 10^6, 10^7 arcs
    PYTHONPATH=python python benchmarks/bench_reach.py --quick    # 10^5, 10^6

Per size, in a fresh subprocess: ``dr.synthetic.enterprise_with_arcs(n)``; datareach
compiles the model (lowering + core checks + CSR graph), answers ``dr.reach`` for the three
jurisdictions (possible and certain reach of every class, with the stores) and
``dr.most_likely_path`` from CN to every atomic class. networkx gets the arrays of
``_baselines.py`` (rule arcs expanded, presence over flows), builds a DiGraph of the
possible arcs (weight -log of the live probability, keeping the likeliest of parallel arcs)
and one of the certain arcs, then per class group adds the group's filtered arcs, runs
``nx.descendants`` from each adversary in both graphs, and ``nx.single_source_dijkstra``
from CN to a sink behind the stores holding each class. The answers are compared
(possible/certain per adversary and class, number of stores reached, path probabilities).
Ratios: networkx time ÷ datareach time, for the queries alone and with preparation
(datareach compile vs networkx graph building). Results go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import _baselines as b
from _baselines import dr

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- bench_reach:start -->", "<!-- bench_reach:end -->"


def _peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(arcs: int, seed: int, with_networkx: bool) -> dict:
    import networkx as nx

    from datareach.model.lowering import compile_model

    out: dict = {}
    model = dr.synthetic.enterprise_with_arcs(arcs, seed=seed)
    started = time.perf_counter()
    graph = compile_model(model)
    out["dr_compile_s"] = time.perf_counter() - started
    out["arcs"] = graph.arc_count
    out["nodes"] = graph.node_count
    adversaries = list(model.adversaries)
    atomic = [c for c, parts in zip(model.class_ids, model.classes["components"]) if parts is None]

    started = time.perf_counter()
    table = dr.reach(model, adversaries).table
    out["dr_reach_s"] = time.perf_counter() - started
    started = time.perf_counter()
    paths = {c: dr.most_likely_path(model, "CN", c) for c in atomic}
    out["dr_paths_s"] = time.perf_counter() - started
    out["paths"] = len(atomic)
    out["peak_dr_gib"] = _peak() / 2**30
    if not with_networkx:
        return out

    started = time.perf_counter()
    data = b.arrays(model)
    out["nx_arrays_s"] = time.perf_counter() - started
    assert data.arcs == graph.arc_count
    started = time.perf_counter()
    # Live probability of each arc: its coin times its events.
    live_p = data.p.copy()
    needs = np.diff(data.req_offsets) > 0
    if needs.any():
        live_p[needs] *= np.multiply.reduceat(data.event_p[data.req_values], data.req_offsets[:-1][needs])
    possible = live_p > 0
    certain = live_p >= 1.0
    weight = -np.log(np.where(possible, live_p, 1.0))
    # Parallel arcs: keep the likeliest (first after sorting by weight).
    order = np.lexsort((weight, data.dst, data.src))
    n = len(data.node_ids)
    sink = n

    def build(mask: np.ndarray) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(range(n + 1))
        chosen = order[mask[order]][::-1]  # later (heavier) duplicates first, likeliest wins
        g.add_weighted_edges_from(zip(data.src[chosen].tolist(), data.dst[chosen].tolist(), weight[chosen].tolist()))
        return g

    g_possible = build(possible & ~data.filtered)
    g_certain = build(certain & ~data.filtered)
    out["nx_build_s"] = time.perf_counter() - started
    # Spare networkx the cyclic garbage collector's passes over its millions of dicts (the
    # idiom a careful user would apply; without it the queries below take several times longer).
    import gc

    gc.collect()
    gc.freeze()
    out["peak_nx_gib"] = _peak() / 2**30

    index = {a: model.node_index[a] for a in adversaries}
    n_classes = len(data.class_ids)
    poss = np.zeros((len(adversaries), n_classes), dtype=bool)
    cert = np.zeros_like(poss)
    stores = np.zeros((len(adversaries), n_classes), dtype=np.int64)
    nx_path_p: dict[str, float] = {}
    reach_s = paths_s = 0.0
    for group, admits in zip(data.groups, data.group_admits):
        added = []
        for g, usable in ((g_possible, possible), (g_certain, certain)):
            extra = order[(admits & usable)[order]][::-1]
            new = [
                (u, v, w)
                for u, v, w in zip(data.src[extra].tolist(), data.dst[extra].tolist(), weight[extra].tolist())
                if not g.has_edge(u, v) or g[u][v]["weight"] > w
            ]
            replaced = [(u, v, g[u][v]["weight"]) for u, v, _ in new if g.has_edge(u, v)]
            g.add_weighted_edges_from(new)
            added.append((g, new, replaced))
        started = time.perf_counter()
        for i, a in enumerate(adversaries):
            reached_p = nx.descendants(g_possible, index[a]) | {index[a]}
            reached_c = nx.descendants(g_certain, index[a]) | {index[a]}
            for c in group:
                held = data.stores_of[c].tolist()
                hit = [s for s in held if s in reached_p]
                stores[i, c] = len(hit)
                poss[i, c] = bool(hit)
                cert[i, c] = any(s in reached_c for s in held)
        reach_s += time.perf_counter() - started
        started = time.perf_counter()
        for c in group:
            held = data.stores_of[c].tolist()
            g_possible.add_weighted_edges_from((s, sink, 0.0) for s in held)
            try:
                cost, _ = nx.single_source_dijkstra(g_possible, index["CN"], target=sink, weight="weight")
                nx_path_p[data.class_ids[c]] = math.exp(-cost)
            except nx.NetworkXNoPath:
                nx_path_p[data.class_ids[c]] = 0.0
            g_possible.remove_edges_from((s, sink) for s in held)
        paths_s += time.perf_counter() - started
        for g, new, replaced in added:
            g.remove_edges_from((u, v) for u, v, _ in new)
            g.add_weighted_edges_from(replaced)
    for c, parts in enumerate(data.atoms):
        if len(parts) > 1 or parts[0] != c:
            poss[:, c] = poss[:, parts].all(axis=1)
            cert[:, c] = cert[:, parts].all(axis=1)
            stores[:, c] = -1
    out["nx_reach_s"] = reach_s
    out["nx_paths_s"] = paths_s
    out["peak_nx_gib"] = max(out["peak_nx_gib"], _peak() / 2**30)

    # Agreement.
    ours_p = table["possible"].to_numpy().reshape(poss.shape)
    ours_c = table["certain"].to_numpy().reshape(cert.shape)
    ours_s = table["possible_stores"].map(len).to_numpy().reshape(stores.shape)
    atomic_mask = stores[0] >= 0
    out["reach_agree"] = bool(
        (ours_p == poss).all() and (ours_c == cert).all() and (ours_s[:, atomic_mask] == stores[:, atomic_mask]).all()
    )
    # datareach's Dijkstra also runs on -log of each arc's live probability; its reported
    # probability counts a shared event once, so it can only be higher than the plain product.
    gaps = []
    for c in atomic:
        ours = paths[c].probability if paths[c] is not None else 0.0
        gaps.append((ours, nx_path_p[c]))
    out["path_agree"] = all(theirs <= ours * (1 + 1e-9) and (ours > 0) == (theirs > 0) for ours, theirs in gaps)
    out["path_probabilities"] = gaps
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 and 10^6 arcs only")
    parser.add_argument("--sizes", type=float, nargs="+", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--networkx-max", type=float, default=1e7, help="largest size networkx is run on")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--_measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_networkx", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._measure:
        print(json.dumps(measure(args._measure, args.seed, bool(args._networkx))))
        return

    sizes = [int(s) for s in args.sizes] if args.sizes else ([10**5, 10**6] if args.quick else [10**5, 10**6, 10**7])
    info = b.machine()
    command = b.command_line("benchmarks/bench_reach.py")
    print(f"# {b.describe_machine(info)}; load average {info['load']} at the start", flush=True)
    lines = [
        "| arcs | datareach compile s | dr.reach s (3 adversaries) | dr paths s | networkx build s | "
        "networkx reach s | networkx paths s | reach ratio | path ratio | ratio incl. preparation | agree | peak RSS dr / +nx |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    print("\n".join(lines), flush=True)
    for size in sizes:
        with_nx = size <= args.networkx_max
        command_line = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--_measure",
            str(size),
            "--seed",
            str(args.seed),
            "--_networkx",
            str(int(with_nx)),
        ]
        done = subprocess.run(command_line, capture_output=True, text=True, env=os.environ)
        if done.returncode != 0:
            line = f"| {size:,} | failed: {(done.stderr.strip().splitlines() or [str(done.returncode)])[-1]} |"
        else:
            r = json.loads(done.stdout.strip().splitlines()[-1])
            dr_total = r["dr_compile_s"] + r["dr_reach_s"] + r["dr_paths_s"]
            if with_nx:
                nx_total = r["nx_build_s"] + r["nx_reach_s"] + r["nx_paths_s"]
                agree = (
                    "yes"
                    if r["reach_agree"] and r["path_agree"]
                    else f"NO (reach {r['reach_agree']}, paths {r['path_agree']})"
                )
                line = (
                    f"| {r['arcs']:,} | {r['dr_compile_s']:.2f} | {r['dr_reach_s']:.3f} | {r['dr_paths_s']:.3f} | "
                    f"{r['nx_build_s']:.1f} | {r['nx_reach_s']:.2f} | {r['nx_paths_s']:.2f} | "
                    f"**{r['nx_reach_s'] / r['dr_reach_s']:,.0f}×** | **{r['nx_paths_s'] / r['dr_paths_s']:,.0f}×** | "
                    f"{nx_total / dr_total:,.0f}× | {agree} | {r['peak_dr_gib']:.1f} / {r['peak_nx_gib']:.1f} GiB |"
                )
            else:
                line = (
                    f"| {r['arcs']:,} | {r['dr_compile_s']:.2f} | {r['dr_reach_s']:.3f} | {r['dr_paths_s']:.3f} | "
                    f"not run | | | | | | | {r['peak_dr_gib']:.1f} GiB |"
                )
        print(line, flush=True)
        lines.append(line)
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    section = [
        "## Deterministic reach and paths (`bench_reach.py`)",
        "",
        f"- Command: `{command}` (from the repository root)",
        f"- Machine: {b.describe_machine(info)}",
        f"- Date: {info['date']}; load average {info['load']} at the start, {load_end} at the end",
        "",
        *lines,
        "",
        "Models: `dr.synthetic.enterprise_with_arcs(n, seed=1)`. *dr.reach*: possible and certain reach of all "
        "10 classes (with the stores reached) for the 3 jurisdictions, compiled graph cached; *dr paths*: "
        "`dr.most_likely_path` from CN to each of the 8 atomic classes. networkx answers the same questions on "
        "DiGraphs it builds from the model's arrays (*build*: possible and certain graphs; the filtered arcs of "
        "each class group are added and removed around its queries). *Reach ratio* = networkx reach s ÷ "
        "dr.reach s; *path ratio* likewise; *ratio incl. preparation* adds datareach's compile and networkx's "
        "build. *agree*: identical possible/certain answers and store counts, and equal path probabilities "
        "(datareach counts an event shared along a path once, so its probability may only be higher). Peak RSS "
        "of the subprocess after datareach's part and after networkx's.",
    ]
    if not args.no_write:
        b.write_section(RESULTS, START, END, section)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
