"""How long deterministic reach and the most likely path take on big random models.

    PYTHONPATH=python python benchmarks/reach_scale.py --arcs 1e6 1e7

Each model has ten arcs per node, one node in a hundred a store holding one of three
classes (plus a composite of all three), a jurisdiction rule over half the nodes, class
filters on 10% of the arcs and events on 5%, p = 1 on 8%. It is built with the bulk
methods (``add_nodes`` / ``add_arcs``: no Python loop per arc). Printed per size, in
seconds: build (bulk frames into a Model, validation included), lower (Model to the core's
arrays), model data (the core's checks), compile (CSR graph, rules, presence), reach (core
call, then ``dr.reach`` with the compiled graph cached), path (``dr.most_likely_path``).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

import datareach as dr
from datareach import _core
from datareach.compiled import compile_model
from datareach.lowering import lower


def synthetic(arcs: int, seed: int = 1) -> dr.Model:
    rng = np.random.default_rng(seed)
    nodes = max(arcs // 10, 100)
    ids = np.array([f"n{i}" for i in range(nodes)], dtype=object)
    kinds = np.full(nodes, "role", dtype=object)
    stores = rng.choice(np.arange(2, nodes), size=nodes // 100, replace=False)
    kinds[stores] = "store"
    kinds[0] = "jurisdiction"
    regions = np.array(["X/a", "X/b", "Y", None], dtype=object)[rng.integers(0, 4, nodes)]
    regions[0] = None
    territory = np.full(nodes, None, dtype=object)
    territory[0] = "X"
    compels = np.full(nodes, np.nan)
    compels[0] = 0.5

    filters = np.full(arcs, None, dtype=object)
    options = np.empty(3, dtype=object)
    options[:] = [("a",), ("b", "c"), ("abc",)]
    pick = rng.random(arcs) < 0.1
    filters[pick] = options[rng.integers(0, 3, int(pick.sum()))]
    requires = np.full(arcs, None, dtype=object)
    events = np.empty(2, dtype=object)
    events[:] = [("e0",), ("e0", "e1")]
    pick = rng.random(arcs) < 0.05
    requires[pick] = events[rng.integers(0, 2, int(pick.sum()))]

    m = dr.Model(f"{arcs} random arcs")
    m.add_events(pd.DataFrame({"id": ["e0", "e1"], "p": [0.9, 1.0]}))
    m.add_nodes(pd.DataFrame({"id": ids, "kind": kinds, "region": regions,
                              "territory": territory, "compels": compels}))
    m.add_classes(pd.DataFrame({"id": ["a", "b", "c", "abc"],
                                "components": [None, None, None, ("a", "b", "c")]}))
    m.add_placements(pd.DataFrame({
        "class": np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, len(stores))],
        "store": ids[stores],
    }))
    m.add_arcs(pd.DataFrame({
        "from": ids[rng.integers(0, nodes, arcs)],
        "to": ids[rng.integers(0, nodes, arcs)],
        "p": np.where(rng.random(arcs) < 0.08, 1.0, rng.uniform(0.01, 1.0, arcs)),
        "classes": filters,
        "requires": requires,
    }))
    m.adversaries = ["n0", "n1"]
    return m


def measure(arcs: int) -> dict[str, float]:
    times: dict[str, float] = {}

    def timed(name, call):
        started = time.perf_counter()
        out = call()
        times[name] = time.perf_counter() - started
        return out

    model = timed("build", lambda: synthetic(arcs))
    arrays = timed("lower", lambda: lower(model))
    data = timed("model data", lambda: _core.ModelData(arrays))
    graph = timed("compile", lambda: _core.CompiledGraph(data, None))
    timed("reach (core)", lambda: _core.reach(graph, [0, 1]))
    compile_model(model)  # fill the API's cache: the API's own compile was measured above
    table = timed("reach", lambda: dr.reach(model))
    path = timed("path", lambda: dr.most_likely_path(model, "n1", "a"))
    assert table["possible"].any() and path is not None
    times["compiled arcs"] = graph.arc_count
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arcs", nargs="+", type=float, default=[1e6])
    args = parser.parse_args()
    for arcs in args.arcs:
        times = measure(int(arcs))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        shown = ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in times.items())
        print(f"{int(arcs):>10} arcs: {shown} (peak RSS so far {peak:.1f} GiB)", flush=True)


if __name__ == "__main__":
    main()
