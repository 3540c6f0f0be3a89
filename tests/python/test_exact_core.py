"""The exact engine of the core (``_core.exact_exposure``) against the brute-force oracle
(tests/python/oracle.py, straight from docs/design.md §2) on random small scenarios with
events, class filters, flows with shares, composite classes, jurisdiction rules and
windows; against published network reliabilities; and its limits, progress and Ctrl-C."""

from __future__ import annotations

import math
import random
import signal
import threading
import time

import pytest

import datareach as dr
from cpu_time import cpu_time
from datareach import _core
from datareach.model.lowering import compile_model
from oracle import enumerate_exposure, random_variables
from random_models import DATES, random_scenario

TOLERANCE = 1e-9


# --------------------------------------------------------------------------- helpers


def run_exact(scenario: dict, adversaries: list[str], at=None, **options):
    model = dr.Model.from_dict(scenario)
    graph = compile_model(model, at)
    rows = [model.node_index[a] for a in adversaries]
    return model, _core.exact_exposure(graph, rows, **options)


def compare_with_oracle(scenario: dict, adversaries: list[str], at=None) -> None:
    model, table = run_exact(scenario, adversaries, at)
    assert table.method == "exact" and table.samples == 0
    classes = model.class_ids
    nodes = model.node_ids
    regions = model.region_names
    composite = {c["id"] for c in scenario["classes"] if c.get("components")}
    store_rows = table.by_store
    region_rows = table.by_region
    for i, adversary in enumerate(adversaries):
        expected = enumerate_exposure(scenario, adversary, at)
        for c, cid in enumerate(classes):
            want = expected[cid]
            where = f"adversary {adversary}, class {cid}, at {at}"
            assert table.probability[i, c] == pytest.approx(want["probability"], abs=TOLERANCE), where
            assert table.expected_share[i, c] == pytest.approx(want["expected_share"], abs=TOLERANCE), where
            assert table.ci_low[i, c] == table.probability[i, c] == table.ci_high[i, c]
            assert table.expected_share_ci_low[i, c] == table.expected_share[i, c] == table.expected_share_ci_high[i, c]
            if cid in composite:
                continue
            for columns, place_key, labels, want_places in (
                (store_rows, "store", nodes, want["by_store"]),
                (region_rows, "region", regions, want["by_region"]),
            ):
                got = {
                    labels[int(place)]: float(p)
                    for row, cls, place, p in zip(
                        columns["adversary_row"], columns["class"], columns[place_key], columns["probability"]
                    )
                    if row == i and cls == c
                }
                # The oracle lists positive probabilities only; the core lists every place
                # holding the class, zeros included.
                assert set(want_places) <= set(got), where
                for place, p in got.items():
                    assert p == pytest.approx(want_places.get(place, 0.0), abs=TOLERANCE), (
                        f"{where}, {place_key} {place}"
                    )


def random_cases(seed: int, count: int):
    rng = random.Random(seed)
    made = 0
    while made < count:
        scenario = random_scenario(rng)
        at = rng.choice([None, None, *DATES, "2021-03-15"])
        node_ids = [n["id"] for n in scenario["nodes"]]
        adversaries = rng.sample(node_ids, min(len(node_ids), rng.randint(1, 2)))
        if any(len(random_variables(scenario, a, at)) > 14 for a in adversaries):
            continue
        made += 1
        yield scenario, adversaries, at


# --------------------------------------------------------------------------- oracle


@pytest.mark.parametrize("batch", range(8))
def test_random_models_match_brute_force(batch: int) -> None:
    """8 batches x 40 = 320 random models, each with one or two adversaries."""
    checked = 0
    for scenario, adversaries, at in random_cases(1000 + batch, 40):
        try:
            compare_with_oracle(scenario, adversaries, at)
        except AssertionError as error:
            raise AssertionError(f"{error}\nscenario: {scenario!r}\nadversaries: {adversaries}, at: {at}") from None
        checked += 1
    assert checked == 40


def test_example_scenario_matches_brute_force(scenario) -> None:
    compare_with_oracle(scenario, ["CN", "beijing_master_admin"])
    compare_with_oracle(scenario, ["CN"], at="2021-10-01")
    compare_with_oracle(scenario, ["CN"], at="2022-06-01")


# --------------------------------------------------------------------------- published values


def link_scenario(links, source, target, p, extra_nodes=()):
    names = sorted({x for link in links for x in link} | {source, target, *extra_nodes})
    return {
        "format": "datareach/1",
        "nodes": [{"id": v, "kind": "store" if v == target else "role"} for v in names],
        "classes": [{"id": "data"}],
        "placements": [{"class": "data", "store": target}],
        "events": [{"id": f"link{i}", "p": p} for i in range(len(links))],
        "access": [
            arc
            for i, (a, b) in enumerate(links)
            for arc in (
                {"from": a, "to": b, "p": 1.0, "requires": [f"link{i}"]},
                {"from": b, "to": a, "p": 1.0, "requires": [f"link{i}"]},
            )
        ],
    }


def grid_links(k: int):
    name = lambda r, c: f"v{r}_{c}"  # noqa: E731
    links = []
    for r in range(k):
        for c in range(k):
            if c + 1 < k:
                links.append((name(r, c), name(r, c + 1)))
            if r + 1 < k:
                links.append((name(r, c), name(r + 1, c)))
    return links, name(0, 0), name(k - 1, k - 1)


@pytest.mark.parametrize("p", [0.9, 0.5, 0.25])
def test_bridge_network(p: float) -> None:
    links = [("0", "1"), ("0", "2"), ("1", "2"), ("1", "3"), ("2", "3")]
    _, table = run_exact(link_scenario(links, "0", "3", p), ["0"])
    assert table.probability[0, 0] == pytest.approx(2 * p**2 + 2 * p**3 - 5 * p**4 + 2 * p**5, abs=1e-12)
    if p == 0.9:
        assert table.probability[0, 0] == pytest.approx(0.97848, abs=5e-6)


def test_grid_5x5_hardy_lucet_limnios() -> None:
    links, source, target = grid_links(5)
    scenario = link_scenario(links, source, target, 0.9)
    model = dr.Model.from_dict(scenario)
    graph = compile_model(model)
    complexity = _core.exact_complexity(graph, [model.node_index[source]])
    assert complexity["variables"] == [40]
    assert complexity["max_run_variables"] == [40]
    started = time.perf_counter()
    _, table = run_exact(scenario, [source])
    elapsed = time.perf_counter() - started
    assert table.probability[0, 0] == pytest.approx(0.9755566, abs=5e-8)
    assert elapsed < 10


# --------------------------------------------------------------------------- limits


def test_too_large_names_the_size() -> None:
    links, source, target = grid_links(5)
    # The limits are factoring's: without the frontier method (max_frontier_width=0).
    with pytest.raises(dr.ModelError, match=r"40 random variables remain after pruning for adversary #0 \(limit 30\)"):
        run_exact(link_scenario(links, source, target, 0.9), [source], max_variables=30, max_frontier_width=0)
    with pytest.raises(dr.ModelError, match="monte_carlo"):
        run_exact(link_scenario(links, source, target, 0.9), [source], max_steps=50, max_frontier_width=0)
    # The frontier method (width 7) has neither limit.
    _, table = run_exact(link_scenario(links, source, target, 0.9), [source], max_variables=30, max_steps=50)
    assert table.probability[0, 0] == pytest.approx(0.9755566, abs=5e-8)
    with pytest.raises(dr.ModelError, match=r"\(limit 30\) and its frontier width 7 is above 6"):
        run_exact(link_scenario(links, source, target, 0.9), [source], max_variables=30, max_frontier_width=6)


def test_complexity_cap() -> None:
    links, source, target = grid_links(5)
    model = dr.Model.from_dict(link_scenario(links, source, target, 0.9))
    graph = compile_model(model)
    rows = [model.node_index[source], model.node_index[target]]
    full = _core.exact_complexity(graph, rows)
    assert full["variables"] == [40, 0] and full["capped"] == [False, False]
    assert full["arcs"][0] == 78  # every arc but the two into the adversary
    capped = _core.exact_complexity(graph, rows, cap=10)
    assert capped["capped"] == [True, False]
    assert 10 < capped["variables"][0] <= 40


def test_places_can_be_left_out() -> None:
    links, source, target = grid_links(3)
    _, with_places = run_exact(link_scenario(links, source, target, 0.7), [source])
    _, without = run_exact(link_scenario(links, source, target, 0.7), [source], places=False)
    assert len(without.by_store["probability"]) == 0 and len(without.by_region["probability"]) == 0
    assert without.probability[0, 0] == pytest.approx(with_places.probability[0, 0], abs=1e-14)
    assert with_places.by_store["probability"][0] == pytest.approx(with_places.probability[0, 0], abs=1e-14)


def test_unknown_adversary_is_a_model_error() -> None:
    links, source, target = grid_links(2)
    model = dr.Model.from_dict(link_scenario(links, source, target, 0.5))
    graph = compile_model(model)
    with pytest.raises(dr.ModelError):
        _core.exact_exposure(graph, [99])
    with pytest.raises(dr.ModelError):
        _core.exact_complexity(graph, [-1])


# --------------------------------------------------------------------------- progress, GIL, Ctrl-C


def big_grid():
    links, source, target = grid_links(9)  # factoring: about a million steps, several seconds
    model = dr.Model.from_dict(link_scenario(links, source, target, 0.9))
    return compile_model(model), model.node_index[source]


def test_progress_callback_can_stop_and_raise() -> None:
    graph, source = big_grid()
    calls = []

    def stop(done, total):
        calls.append((done, total))
        return len(calls) < 3

    with pytest.raises(ValueError, match="stopped by the progress callback"):
        _core.exact_exposure(graph, [source], max_variables=1000, max_steps=0, progress=stop, max_frontier_width=0)
    assert len(calls) == 3 and calls[0][1] == 1

    def boom(done, total):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _core.exact_exposure(graph, [source], max_variables=1000, max_steps=0, progress=boom, max_frontier_width=0)


def test_ctrl_c_interrupts_cleanly() -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    graph, source = big_grid()

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with cpu_time() as used, pytest.raises(KeyboardInterrupt):
            _core.exact_exposure(graph, [source], max_variables=1000, max_steps=0, max_frontier_width=0)
        # Interrupted after 0.2 s of wall-clock time, so at most 0.2 s of CPU time plus the
        # work until the core next looks for signals; uninterrupted, the run takes about
        # 5.5 s of CPU time. CPU time, because a loaded machine stretches the wall clock
        # (cpu_time.py), not the work done after the signal.
        assert used.seconds < 1.5, used.seconds
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_gil_is_released() -> None:
    links, source, target = grid_links(8)
    model = dr.Model.from_dict(link_scenario(links, source, target, 0.9))
    graph = compile_model(model)
    row = model.node_index[source]
    done = threading.Event()
    result = {}

    def work():
        result["table"] = _core.exact_exposure(graph, [row], max_variables=1000, max_steps=0, max_frontier_width=0)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    assert ticks > 20  # the main thread kept running meanwhile
    assert math.isclose(result["table"].probability[0, 0], 0.9756612645, abs_tol=1e-9)
