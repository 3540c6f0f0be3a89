"""The Monte Carlo engine through its binding, ``_core.monte_carlo_exposure``.

Models are scenario dicts (docs/design.md §3) built into a ``Model`` and compiled by the Python
layer; exact values come from the independent brute-force oracle (tests/python/oracle.py).
Checked: interval coverage over many seeds, agreement with enumeration, published network
reliabilities, identical results for 1 and 2 threads, tolerance stopping, progress,
cancellation (callback, exception, Ctrl-C) and argument errors.
"""

from __future__ import annotations

import math
import random
import signal
import threading
import time

import numpy as np
import pytest

import datareach as dr
import oracle
from datareach import _core
from datareach.model.lowering import compile_model

ARRAYS = ("probability", "ci_low", "ci_high", "expected_share", "expected_share_ci_low", "expected_share_ci_high")


def build(scenario, at=None):
    model = dr.Model.from_dict(scenario)
    return model, compile_model(model, at)


def rows(model, ids):
    return [model.node_index[i] for i in ids]


def run(graph, adversaries, samples=4096, seed=1, **kw):
    return _core.monte_carlo_exposure(graph, adversaries, samples=samples, seed=seed, **kw)


def assert_identical(a, b):
    assert a.samples == b.samples
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    for places in ("by_store", "by_region"):
        for column, values in getattr(a, places).items():
            np.testing.assert_array_equal(values, getattr(b, places)[column])
    assert a.max_half_width == b.max_half_width


def scenario(nodes, arcs, classes=None, placements=None, events=(), flows=()):
    return {
        "format": "datareach/1",
        "events": [{"id": e, "p": p} for e, p in events],
        "nodes": nodes,
        "classes": classes or [{"id": "d", "sensitivity": 1, "records": 1}],
        "placements": placements or [],
        "flows": list(flows),
        "access": arcs,
    }


def link_network(edges, p, target):
    """Undirected links (two arcs sharing one event each) between numbered nodes."""
    names = sorted({n for e in edges for n in e})
    nodes = [{"id": f"n{n}", "kind": "store" if n == target else "role"} for n in names]
    events = [(f"e{i}", p) for i in range(len(edges))]
    arcs = []
    for i, (a, b) in enumerate(edges):
        arcs.append({"from": f"n{a}", "to": f"n{b}", "p": 1, "requires": [f"e{i}"]})
        arcs.append({"from": f"n{b}", "to": f"n{a}", "p": 1, "requires": [f"e{i}"]})
    return scenario(nodes, arcs, placements=[{"class": "d", "store": f"n{target}"}], events=events)


def random_scenario(rng: random.Random):
    """A small model with events, filters, flows with shares, a composite and windows."""
    regions = ["US", "US/VA", "US/TX", "CN/Beijing", "SG"]
    roles = [f"r{i}" for i in range(rng.randint(2, 4))]
    stores = [f"s{i}" for i in range(rng.randint(2, 4))]
    nodes = [{"id": r, "kind": "role", "region": rng.choice(regions)} for r in roles]
    nodes += [{"id": s, "kind": "store", "region": rng.choice(regions)} for s in stores]
    atoms = [f"c{i}" for i in range(rng.randint(1, 3))]
    classes = [{"id": c, "sensitivity": 1, "records": 10} for c in atoms]
    if len(atoms) >= 2:
        classes.append({"id": "mosaic", "components": atoms[:2], "sensitivity": 2, "records": 10})
    shares = [1.0, 0.5, 0.25, 0.6]
    placements = [
        {"class": rng.choice(atoms), "store": rng.choice(stores), "share": rng.choice(shares)}
        for _ in range(rng.randint(2, 4))
    ]
    placements = list({(p["class"], p["store"]): p for p in placements}.values())
    flows = [
        {"from": rng.choice(stores), "to": rng.choice(stores), "share": rng.choice(shares)}
        for _ in range(rng.randint(0, 2))
    ]
    flows = [f for f in flows if f["from"] != f["to"]]
    for f in flows:
        if rng.random() < 0.4:
            f["classes"] = [rng.choice(atoms)]
    events = [(f"e{i}", rng.choice([1.0, round(rng.uniform(0.2, 0.9), 3)])) for i in range(rng.randint(0, 2))]
    ids = roles + stores
    arcs = []
    for _ in range(rng.randint(3, 8)):
        arc = {
            "from": roles[0] if rng.random() < 0.4 else rng.choice(ids),
            "to": rng.choice(ids),
            "p": rng.choice([1.0, 0.0, 0.5, 0.3, 0.8, 0.9]),
        }
        if rng.random() < 0.3:
            arc["classes"] = [rng.choice(atoms)]
        if events and rng.random() < 0.5:
            arc["requires"] = [rng.choice(events)[0]]
        if rng.random() < 0.15:
            arc["window"] = ["2022-01-01", None]  # absent on the analysis date below
        arcs.append(arc)
    return scenario(nodes, arcs, classes, placements, events, flows)


AT = "2021-06-01"


# ------------------------------------------------------------------------------ coverage


def test_intervals_cover_the_exact_values_at_the_stated_rate():
    rng = random.Random(4)
    models = []
    while len(models) < 5:
        s = random_scenario(rng)
        exact = oracle.enumerate_exposure(s, "r0", at=AT)
        inner = {c: v for c, v in exact.items() if 0.02 < v["probability"] < 0.98}
        if inner:
            model, graph = build(s, AT)
            models.append((model, graph, inner))
    covered = total = share_covered = 0
    for model, graph, exact in models:
        for seed in range(200):
            t = run(graph, rows(model, ["r0"]), samples=1024, seed=seed)
            for c, v in exact.items():
                k = model.class_index[c]
                total += 1
                covered += t.ci_low[0, k] <= v["probability"] <= t.ci_high[0, k]
                share_covered += t.expected_share_ci_low[0, k] <= v["expected_share"] <= t.expected_share_ci_high[0, k]
    assert total >= 1000
    assert covered / total >= 0.92, covered / total
    assert covered / total <= 0.99, covered / total
    assert share_covered / total >= 0.90, share_covered / total


def test_agrees_with_enumeration_on_random_models():
    rng = random.Random(11)
    n = 1 << 16
    checked = 0
    for i in range(40):
        s = random_scenario(rng)
        model, graph = build(s, AT)
        adversaries = ["r0", "r1"]
        t = run(graph, rows(model, adversaries), samples=n, seed=i, threads=2)
        for row, adversary in enumerate(adversaries):
            exact = oracle.enumerate_exposure(s, adversary, at=AT)
            for c, v in exact.items():
                k = model.class_index[c]
                p = v["probability"]
                sd = math.sqrt(max(p * (1 - p), 1e-12) / n)
                assert abs(t.probability[row, k] - p) <= 5 * sd + 1e-12, (i, adversary, c)
                assert abs(t.expected_share[row, k] - v["expected_share"]) <= 5 * math.sqrt(0.25 / n) + 1e-12
                checked += 1
            # Per store, atomic classes (the core lists composites per component only).
            by_store = t.by_store
            for j in np.flatnonzero(np.asarray(by_store["adversary_row"]) == row):
                c = model.class_ids[by_store["class"][j]]
                store = model.node_ids[by_store["store"][j]]
                want = exact[c]["by_store"].get(store, 0.0)
                sd = math.sqrt(max(want * (1 - want), 1e-12) / n)
                assert abs(by_store["probability"][j] - want) <= 5 * sd + 1e-12
            by_region = t.by_region
            for j in np.flatnonzero(np.asarray(by_region["adversary_row"]) == row):
                c = model.class_ids[by_region["class"][j]]
                region = model.region_names[by_region["region"][j]]
                want = exact[c]["by_region"].get(region, 0.0)
                sd = math.sqrt(max(want * (1 - want), 1e-12) / n)
                assert abs(by_region["probability"][j] - want) <= 5 * sd + 1e-12
    assert checked >= 100


# --------------------------------------------------------------- published reliabilities


@pytest.mark.parametrize(
    "edges, exact",
    [
        ([(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)], 2 * 0.9**2 + 2 * 0.9**3 - 5 * 0.9**4 + 2 * 0.9**5),
        (
            [(r * 5 + c, r * 5 + c + 1) for r in range(5) for c in range(4)]
            + [(r * 5 + c, (r + 1) * 5 + c) for r in range(4) for c in range(5)],
            0.9755566,
        ),
    ],
    ids=["bridge", "grid5x5"],
)
def test_network_reliability(edges, exact):
    target = max(n for e in edges for n in e)
    model, graph = build(link_network(edges, 0.9, target))
    n = 1 << 20
    t = run(graph, rows(model, ["n0"]), samples=n, seed=2024)
    sd = math.sqrt(exact * (1 - exact) / n)
    assert abs(t.probability[0, 0] - exact) <= 4.5 * sd + 1e-7
    assert t.expected_share[0, 0] == t.probability[0, 0]  # share 1 everywhere


# --------------------------------------------------------------------------- determinism


def medium_scenario():
    rng = random.Random(3)
    nodes = [{"id": "CN", "kind": "jurisdiction", "territory": "CN", "compels": 0.3}]
    ids = []
    for i in range(120):
        kind = "store" if i % 4 == 3 else "role"
        nodes.append({"id": f"v{i}", "kind": kind, "region": rng.choice(["CN/Beijing", "US/VA", "SG"])})
        ids.append(f"v{i}")
    stores = [n["id"] for n in nodes if n["kind"] == "store"]
    classes = [{"id": c, "sensitivity": 1, "records": 5} for c in "abc"]
    classes.append({"id": "ab", "components": ["a", "b"], "sensitivity": 3, "records": 5})
    placements = [{"class": rng.choice("abc"), "store": s, "share": rng.choice([0.25, 0.5, 1.0])} for s in stores]
    placements = list({(p["class"], p["store"]): p for p in placements}.values())
    events = [(f"e{i}", 0.5 + 0.1 * i) for i in range(4)]
    arcs = []
    for _ in range(500):
        arc = {"from": rng.choice(ids), "to": rng.choice(ids), "p": round(rng.uniform(0.05, 0.95), 3)}
        if rng.random() < 0.25:
            arc["classes"] = [rng.choice("abc")]
        if rng.random() < 0.3:
            arc["requires"] = [rng.choice(events)[0]]
        arcs.append(arc)
    return scenario(nodes, arcs, classes, placements, events)


def test_same_seed_same_numbers_for_one_and_two_threads():
    model, graph = build(medium_scenario())
    adversaries = rows(model, ["CN", "v0", "v1"])
    one = run(graph, adversaries, samples=20000, seed=77, threads=1)
    two = run(graph, adversaries, samples=20000, seed=77, threads=2)
    assert_identical(one, two)
    assert one.method == "monte_carlo" and one.seed == 77 and one.samples == 20480
    assert one.probability.sum() > 0
    other = run(graph, adversaries, samples=20000, seed=78, threads=2)
    assert not np.array_equal(one.probability, other.probability)


def test_seeds_are_any_python_int():
    model, graph = build(medium_scenario())
    a = rows(model, ["CN"])
    assert run(graph, a, seed=-1).seed == 2**64 - 1
    assert_identical(run(graph, a, seed=-1), run(graph, a, seed=2**64 - 1))
    assert run(graph, a, seed=2**70 + 5).seed == 5


def test_raising_a_p_never_lowers_an_estimate():
    """Common random numbers: an arc keeps its coins (U < p) when only its p changes."""
    s = medium_scenario()
    model, graph = build(s)
    raised = dict(s, access=[dict(a, p=min(1.0, a["p"] + 0.3)) if i % 5 == 0 else a for i, a in enumerate(s["access"])])
    model2, graph2 = build(raised)
    a = rows(model, ["CN", "v0"])
    t0, t1 = run(graph, a, samples=8192, seed=5), run(graph2, a, samples=8192, seed=5)
    assert (t1.probability >= t0.probability).all()
    assert (t1.expected_share >= t0.expected_share).all()
    assert (t1.probability > t0.probability).any()


def test_tolerance_stops_early_and_identically():
    model, graph = build(medium_scenario())
    a = rows(model, ["CN", "v0"])
    one = run(graph, a, samples=1 << 22, seed=9, tolerance=0.01, threads=1)
    assert one.samples < 1 << 22
    assert one.max_half_width <= 0.01
    assert_identical(one, run(graph, a, samples=1 << 22, seed=9, tolerance=0.01, threads=2))
    half = (one.ci_high - one.ci_low) / 2
    assert half.max() == pytest.approx(one.max_half_width)


def test_places_can_be_left_out():
    model, graph = build(medium_scenario())
    a = rows(model, ["CN"])
    full, bare = run(graph, a), run(graph, a, places=False)
    assert len(full.by_store["store"]) > 0 and len(full.by_region["region"]) > 0
    assert len(bare.by_store["store"]) == 0 and len(bare.by_region["region"]) == 0
    np.testing.assert_array_equal(full.probability, bare.probability)


# ------------------------------------------------------------------- progress and cancel


def test_progress_is_reported_and_false_stops():
    model, graph = build(medium_scenario())
    calls = []

    def progress(done, total):
        calls.append((done, total))
        return len(calls) < 3

    t = run(graph, rows(model, ["CN"]), samples=1 << 34, progress=progress)
    assert len(calls) >= 3
    assert all(total == 1 << 34 for _, total in calls)
    assert 0 < t.samples < 1 << 34
    assert calls[-1][0] == t.samples
    assert (t.ci_low <= t.probability).all() and (t.probability <= t.ci_high).all()


def test_progress_called_at_least_at_the_end():
    model, graph = build(medium_scenario())
    calls = []
    t = run(graph, rows(model, ["CN"]), samples=1024, progress=lambda d, n: calls.append((d, n)))
    assert calls and calls[-1] == (t.samples, t.samples)


def test_exception_in_progress_cancels_and_is_reraised():
    model, graph = build(medium_scenario())

    class Boom(Exception):
        pass

    def progress(done, total):
        raise Boom("stop")

    started = time.monotonic()
    with pytest.raises(Boom):
        run(graph, rows(model, ["CN"]), samples=1 << 34, progress=progress)
    assert time.monotonic() - started < 30


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs POSIX signals")
def test_ctrl_c_stops_the_run_cleanly():
    model, graph = build(medium_scenario())
    main = threading.main_thread().ident
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run(graph, rows(model, ["CN"]), samples=1 << 34, threads=2)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30
    # The process is fine afterwards.
    assert run(graph, rows(model, ["CN"]), samples=512).samples == 512


# ----------------------------------------------------------------------- argument errors


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"samples": 0}, "samples"),
        ({"samples": -5}, "samples"),
        ({"tolerance": -0.1}, "tolerance"),
        ({"tolerance": float("nan")}, "tolerance"),
        ({"threads": -1}, "threads"),
        ({"confidence": 1.0}, "confidence"),
        ({"progress": 3}, "progress"),
    ],
)
def test_bad_arguments_are_model_errors(kwargs, match):
    model, graph = build(medium_scenario())
    args = {"samples": 1024, "seed": 0, **kwargs}
    with pytest.raises(dr.ModelError, match=match):
        _core.monte_carlo_exposure(graph, rows(model, ["CN"]), **args)


@pytest.mark.parametrize("adversary", [-1, 10**6])
def test_unknown_adversary_is_a_model_error(adversary):
    _, graph = build(medium_scenario())
    with pytest.raises(dr.ModelError, match="adversaries"):
        run(graph, [adversary])
    assert issubclass(dr.ModelError, ValueError)


def test_no_adversaries_gives_an_empty_table():
    model, graph = build(medium_scenario())
    t = run(graph, [])
    assert t.probability.shape == (0, len(model.class_ids))
