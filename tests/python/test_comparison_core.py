"""The paired Monte Carlo comparison through its binding, ``_core.monte_carlo_compare``.

Truth comes from the exact engine (``_core.exact_exposure``) on random small scenarios
(tests/python/random_models.py) and a variant of each made by editing its dict (a p changed,
an arc added or removed, an event's p changed, a placement's share changed). Checked: coverage
of the exact differences, exact zeros where the adversary's view is unchanged, the width of the
paired interval against independent estimates, agreement with ``monte_carlo_exposure``,
determinism across threads, views, progress, cancellation and argument errors.
"""

from __future__ import annotations

import copy
import math
import random

import numpy as np
import pytest

import datareach as dr
from datareach import _core
from datareach.model.lowering import compile_model
from random_models import AT_DATES, random_scenario

DIFFERENCES = (
    "probability_difference",
    "probability_difference_ci_low",
    "probability_difference_ci_high",
    "expected_share_difference",
    "expected_share_difference_ci_low",
    "expected_share_difference_ci_high",
    "base_only",
    "variant_only",
    "identical",
)
TABLE_ARRAYS = ("probability", "ci_low", "ci_high", "expected_share", "expected_share_ci_low", "expected_share_ci_high")


def variant_of(scenario: dict, rng: random.Random) -> dict:
    """The scenario with one random change that keeps every node and class."""
    v = copy.deepcopy(scenario)
    access = v.setdefault("access", [])
    kind = rng.randrange(5)
    if kind == 0 and access:
        access.pop(rng.randrange(len(access)))
    elif kind == 1 and access:
        arc = rng.choice(access)
        arc["p"] = round(min(1.0, max(0.0, arc["p"] + rng.choice([-0.4, -0.15, 0.1, 0.3]))), 2)
    elif kind == 2:
        a, b = rng.sample([n["id"] for n in v["nodes"]], 2)
        access.append({"from": a, "to": b, "p": round(rng.uniform(0.05, 0.95), 2)})
    elif kind == 3 and v.get("events"):
        event = rng.choice(v["events"])
        event["p"] = round(rng.uniform(0.0, 1.0), 2)
    elif v["placements"]:
        rng.choice(v["placements"])["share"] = rng.choice([0.2, 0.5, 1.0])
    return v


def random_pair(seed: int):
    """(base model, variant model, at) from one seed, both valid."""
    rng = random.Random(seed)
    while True:
        scenario = random_scenario(rng)
        try:
            base = dr.Model.from_dict(scenario)
            variant = dr.Model.from_dict(variant_of(scenario, rng))
        except dr.ModelError:
            continue
        return base, variant, rng.choice(AT_DATES)


def compare(models, ids, at=None, **kw):
    graphs = [compile_model(m, at) for m in models]
    rows = [[m.node_index[i] for i in ids] for m in models]
    kw.setdefault("samples", 4096)
    kw.setdefault("seed", 1)
    return graphs, rows, _core.monte_carlo_compare(graphs, rows, **kw)


def hand_model(p: float, share: float = 1.0) -> dr.Model:
    return dr.Model.from_dict(
        {
            "format": "datareach/1",
            "nodes": [{"id": "a", "kind": "role"}, {"id": "m", "kind": "role"}, {"id": "s", "kind": "store"}],
            "classes": [{"id": "d", "sensitivity": 1, "records": 1}],
            "placements": [{"class": "d", "store": "s", "share": share}],
            "access": [{"from": "a", "to": "m", "p": 0.8}, {"from": "m", "to": "s", "p": p}],
        }
    )


def test_intervals_cover_exact_differences_on_random_models() -> None:
    entries = covered = share_covered = 0
    first_covered = first_total = 0
    identical = 0
    for seed in range(400):
        base, variant, at = random_pair(seed)
        ids = list(base.node_ids)[:2]
        graphs, rows, table = compare([base, variant], ids, at=at, seed=seed)
        exact = [_core.exact_exposure(g, r, places=False) for g, r in zip(graphs, rows)]
        dp = exact[1].probability - exact[0].probability
        ds = exact[1].expected_share - exact[0].expected_share
        same = table.identical[0]
        # An unchanged view is exactly unchanged.
        np.testing.assert_allclose(dp[same], 0.0, atol=1e-12)
        np.testing.assert_allclose(ds[same], 0.0, atol=1e-12)
        assert (table.probability_difference_ci_low[0][same] == 0).all()
        assert (table.probability_difference_ci_high[0][same] == 0).all()
        identical += int(same.sum())
        tol = 1e-12
        hit = (table.probability_difference_ci_low[0] - tol <= dp) & (
            dp <= table.probability_difference_ci_high[0] + tol
        )
        share_hit = (table.expected_share_difference_ci_low[0] - tol <= ds) & (
            ds <= table.expected_share_difference_ci_high[0] + tol
        )
        entries += int((~same).sum())
        covered += int(hit[~same].sum())
        share_covered += int(share_hit[~same].sum())
        # One entry per seed (entries of one model are correlated): the first changed one.
        changed = np.argwhere(~same)
        if len(changed):
            i, c = changed[0]
            first_total += 1
            first_covered += bool(hit[i, c])
    assert entries > 300 and first_total > 150 and identical > 300
    assert covered >= 0.9 * entries, (covered, entries)
    assert share_covered >= 0.9 * entries, (share_covered, entries)
    assert first_covered >= 0.9 * first_total, (first_covered, first_total)


def test_paired_half_width_for_a_small_difference() -> None:
    # p 0.5 -> 0.5125 after a 0.8 arc: an exact difference of 0.01.
    base, variant = hand_model(0.5), hand_model(0.5125)
    _, _, table = compare([base, variant], ["a"], samples=100_000, seed=7)
    low = table.probability_difference_ci_low[0, 0, 0]
    high = table.probability_difference_ci_high[0, 0, 0]
    assert low <= 0.01 <= high
    half = (high - low) / 2
    assert half < 0.0015  # about 1.96 * sqrt(0.01 / n) = 0.0006
    # Two independent estimates would know the difference only to about +-0.0044.
    b, v = table.tables
    unpaired = math.hypot((b.ci_high - b.ci_low)[0, 0] / 2, (v.ci_high - v.ci_low)[0, 0] / 2)
    assert unpaired > 4 * half
    assert table.base_only[0, 0, 0] == 0  # raising p only adds worlds
    es_half = (table.expected_share_difference_ci_high - table.expected_share_difference_ci_low)[0, 0, 0] / 2
    assert es_half < 0.0015


def test_tables_match_monte_carlo_exposure_and_differences_match_tables() -> None:
    base, variant, _ = random_pair(11)
    ids = list(base.node_ids)[:2]
    for places in (False, True):
        graphs, rows, table = compare([base, variant, base], ids, samples=3000, seed=-5, places=places, threads=2)
        assert table.samples == 3072 and table.seed == (-5) % 2**64
        assert len(table.tables) == 3
        for g, r, mine in zip(graphs, rows, table.tables):
            alone = _core.monte_carlo_exposure(g, r, samples=3000, seed=-5, places=places, threads=1)
            assert mine.samples == alone.samples
            for name in TABLE_ARRAYS:
                np.testing.assert_array_equal(getattr(mine, name), getattr(alone, name))
            for column, values in alone.by_store.items():
                np.testing.assert_array_equal(mine.by_store[column], values)
        first, second, third = table.tables
        np.testing.assert_allclose(table.probability_difference[0], second.probability - first.probability, atol=1e-12)
        np.testing.assert_allclose(
            table.expected_share_difference[0], second.expected_share - first.expected_share, atol=1e-12
        )
        assert table.identical[1].all() and (table.probability_difference[1] == 0).all()


def test_same_numbers_for_any_thread_count() -> None:
    base, variant, at = random_pair(4)
    ids = list(base.node_ids)[:3]
    results = [compare([base, variant], ids, at=at, samples=20_000, seed=3, threads=t)[2] for t in (1, 2, 5)]
    for other in results[1:]:
        assert other.samples == results[0].samples
        for name in DIFFERENCES:
            np.testing.assert_array_equal(getattr(other, name), getattr(results[0], name))


def test_arrays_are_read_only_views_that_keep_the_table_alive() -> None:
    base, variant, _ = random_pair(2)
    ids = list(base.node_ids)[:2]
    _, _, table = compare([base, variant, variant], ids)
    shape = (2, 2, len(base.class_ids))
    for name in DIFFERENCES:
        array = getattr(table, name)
        assert array.shape == shape, name
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0, 0, 0] = 1
    assert table.identical.dtype == np.bool_
    assert table.base_only.dtype == np.uint64
    view = table.probability_difference_ci_high
    expected = view.copy()
    tables = table.tables
    del table
    import gc

    gc.collect()
    np.testing.assert_array_equal(view, expected)
    assert tables[0].probability.shape == (2, len(base.class_ids))


def test_tolerance_stops_on_the_differences() -> None:
    base, variant = hand_model(0.5), hand_model(0.3)
    _, _, table = compare([base, variant], ["a"], samples=1 << 22, seed=1, tolerance=0.01)
    assert table.samples < 1 << 22
    assert table.max_half_width <= 0.01
    assert (table.probability_difference_ci_high - table.probability_difference_ci_low).max() / 2 <= 0.01


def test_progress_can_stop_and_errors_propagate() -> None:
    base, variant = hand_model(0.5), hand_model(0.3)
    calls = []

    def stop_at_second(done: int, total: int) -> bool:
        calls.append((done, total))
        return len(calls) < 2

    _, _, table = compare([base, variant], ["a"], samples=1 << 36, progress=stop_at_second, threads=1)
    assert len(calls) >= 2 and calls[0][1] == 1 << 36
    assert 0 < table.samples < 1 << 36

    def boom(done: int, total: int) -> bool:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        compare([base, variant], ["a"], samples=1 << 36, progress=boom)


def test_argument_errors() -> None:
    base, variant = hand_model(0.5), hand_model(0.3)
    g0, g1 = compile_model(base), compile_model(variant)
    other = compile_model(
        dr.Model.from_dict(
            {
                "format": "datareach/1",
                "nodes": [{"id": "a", "kind": "role"}],
                "classes": [{"id": "x", "sensitivity": 1, "records": 1}, {"id": "y", "sensitivity": 1, "records": 1}],
            }
        )
    )
    cases = [
        ([g0], [[0]], {}),
        ([g0, g1], [[0]], {}),
        ([g0, g1], [[0], [0, 1]], {}),
        ([g0, g1], [[0], [7]], {}),
        ([g0, other], [[0], [0]], {}),
        ([g0, "graph"], [[0], [0]], {}),
        ([g0, g1], [[0], [0]], {"samples": 0}),
        ([g0, g1], [[0], [0]], {"threads": -1}),
        ([g0, g1], [[0], [0]], {"tolerance": -0.1}),
        ([g0, g1], [[0], [0]], {"confidence": 1.5}),
        ([g0, g1], [[0], [0]], {"progress": 3}),
    ]
    for graphs, rows, kw in cases:
        kw = {"samples": 100, "seed": 0, **kw}
        with pytest.raises(dr.ModelError):
            _core.monte_carlo_compare(graphs, rows, **kw)
    table = _core.monte_carlo_compare((g0, g1), [[], []], samples=100, seed=0)
    assert table.probability_difference.shape == (1, 0, 1)
