"""One analysis spread over an executor (docs/design.md §4): ``analyze`` and ``compare`` with
``executor=`` on a real Dask cluster with worker processes and on a process pool give exactly
the tables of a serial run with the same seed, for any number of tasks, with and without a
tolerance (same stop); progress counts the worlds of finished tasks, a callback can stop the
run, a broken executor is a ModelError, bad arguments are refused."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest

import datareach as dr
from datareach import _core
from datareach.analysis._distributed import split
from datareach.model.lowering import adversary_indices, compile_model

AT = "2022-07-01"
C = dr.changes


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=2) as executor:
        yield executor


@pytest.fixture(scope="module", params=["dask", "processes"])
def executor(request: pytest.FixtureRequest, cluster: Any, pool: ProcessPoolExecutor) -> Any:
    return cluster if request.param == "dask" else pool


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


@pytest.fixture(scope="module")
def enterprise() -> dr.Model:
    """A synthetic enterprise of about 4,000 arcs; its adversaries are US, CN and EU."""
    model = dr.synthetic.enterprise_with_arcs(4000, seed=3)
    assert list(model.adversaries) == ["US", "CN", "EU"]
    return model


def kind_of(executor: Any) -> str:
    """What provenance should record for the executor fixture."""
    return "ProcessPoolExecutor" if isinstance(executor, ProcessPoolExecutor) else "dask"


def assert_results_equal(spread: dr.Result, serial: dr.Result) -> None:
    """Every table identical (exact equality), the same worlds and convergence."""
    for name in ("table", "by_store", "by_region", "total_risk"):
        pd.testing.assert_frame_equal(getattr(spread, name), getattr(serial, name), check_exact=True)
    for field in ("method", "worlds", "seed", "converged", "tolerance", "max_samples"):
        assert getattr(spread.provenance, field) == getattr(serial.provenance, field), field


def test_the_example_spread_equals_the_serial_run(texas: dr.Model, executor: Any) -> None:
    options = {"method": "monte_carlo", "samples": 20_000, "seed": 11, "at": AT}
    serial = dr.analyze(texas, **options)  # type: ignore[arg-type]
    assert serial.worlds == 20_480
    for tasks in (None, 1, 3, 40):  # 40 tasks of one quantum each
        spread = dr.analyze(texas, executor=executor, tasks=tasks, **options)  # type: ignore[arg-type]
        assert_results_equal(spread, serial)
        assert spread.provenance.executor == kind_of(executor)
    assert serial.provenance.executor is None


def test_provenance_names_the_executor(texas: dr.Model, cluster: Any, pool: ProcessPoolExecutor) -> None:
    options: dict[str, Any] = {"method": "monte_carlo", "samples": 4096, "seed": 1, "at": AT}
    assert dr.analyze(texas, executor=cluster, **options).provenance.executor == "dask"
    on_pool = dr.analyze(texas, executor=pool, **options).provenance
    assert (on_pool.executor, on_pool.threads) == ("ProcessPoolExecutor", 1)
    assert dr.analyze(texas, executor=pool, threads=2, **options).provenance.threads == 2
    assert dr.analyze(texas, **options).provenance.to_dict()["executor"] is None


def test_an_enterprise_spread_equals_the_serial_run(enterprise: dr.Model, executor: Any) -> None:
    options: dict[str, Any] = {"method": "monte_carlo", "samples": 30_000, "seed": 5}
    serial = dr.analyze(enterprise, **options)
    assert (serial.table["probability"] > 0).sum() > 10  # numbers that could differ
    assert not serial.by_store.empty
    for tasks in (2, 7):
        assert_results_equal(dr.analyze(enterprise, executor=executor, tasks=tasks, **options), serial)
    only_two = dr.analyze(enterprise, ["EU", "CN"], executor=executor, **options)
    assert_results_equal(only_two, dr.analyze(enterprise, ["EU", "CN"], **options))


@pytest.mark.parametrize("tolerance", [0.02, 0.004])
def test_a_tolerance_stops_where_the_serial_run_stops(enterprise: dr.Model, executor: Any, tolerance: float) -> None:
    options: dict[str, Any] = {"method": "monte_carlo", "tolerance": tolerance, "max_samples": 400_000, "seed": 8}
    serial = dr.analyze(enterprise, **options)
    assert serial.provenance.converged is True and serial.worlds is not None and serial.worlds < 400_000
    for tasks in (1, 5):
        assert_results_equal(dr.analyze(enterprise, executor=executor, tasks=tasks, **options), serial)


def test_a_tolerance_not_met_stops_at_the_cap_as_serially(texas: dr.Model, pool: ProcessPoolExecutor) -> None:
    options: dict[str, Any] = {"method": "monte_carlo", "tolerance": 1e-4, "max_samples": 30_000, "seed": 2, "at": AT}
    with pytest.warns(dr.ToleranceNotMet):
        serial = dr.analyze(texas, **options)
    with pytest.warns(dr.ToleranceNotMet):
        spread = dr.analyze(texas, executor=pool, tasks=3, **options)
    assert spread.provenance.converged is False and spread.worlds == 30_208
    assert_results_equal(spread, serial)


def assert_comparisons_equal(spread: dr.Comparison, serial: dr.Comparison) -> None:
    pd.testing.assert_frame_equal(spread.table, serial.table, check_exact=True)
    for mine, theirs in zip(spread.results, serial.results):
        assert_results_equal(mine, theirs)
    for field in ("method", "worlds", "seed", "converged"):
        assert getattr(spread.provenance, field) == getattr(serial.provenance, field), field


def test_compare_spread_equals_the_serial_comparison(texas: dr.Model, executor: Any) -> None:
    plans = (
        [C.migrate("public_videos", "tiktok_virginia", "oracle_texas")],
        [C.revoke("beijing_master_admin", "tiktok_virginia")],
    )
    options: dict[str, Any] = {"method": "monte_carlo", "samples": 20_000, "seed": 4, "at": AT}
    serial = dr.compare(texas, *plans, **options)
    assert (serial.table["probability_difference"] != 0).any()
    for tasks in (None, 6):
        spread = dr.compare(texas, *plans, executor=executor, tasks=tasks, **options)
        assert_comparisons_equal(spread, serial)
        assert spread.provenance.executor == kind_of(executor)


def test_compare_an_enterprise_with_a_tolerance(enterprise: dr.Model, executor: Any) -> None:
    access = enterprise.access
    plan = [C.revoke(str(access["from"].iloc[k]), str(access["to"].iloc[k])) for k in range(0, 200, 10)]
    options: dict[str, Any] = {"method": "monte_carlo", "tolerance": 0.01, "max_samples": 300_000, "seed": 9}
    serial = dr.compare(enterprise, plan, **options)
    assert serial.provenance.converged is True and serial.worlds is not None and serial.worlds < 300_000
    assert_comparisons_equal(dr.compare(enterprise, plan, executor=executor, tasks=4, **options), serial)


def test_any_concurrent_futures_executor_works(texas: dr.Model) -> None:
    options: dict[str, Any] = {"method": "monte_carlo", "samples": 8192, "seed": 3, "at": AT}
    with ThreadPoolExecutor(max_workers=2) as threads:
        spread = dr.analyze(texas, executor=threads, tasks=5, **options)
    assert_results_equal(spread, dr.analyze(texas, **options))
    assert spread.provenance.executor == "ThreadPoolExecutor"


def test_the_exact_method_runs_here(texas: dr.Model, pool: ProcessPoolExecutor) -> None:
    spread = dr.analyze(texas, executor=pool, at=AT)  # "auto": exact on the example
    assert (spread.method, spread.provenance.executor) == ("exact", None)
    assert_results_equal(spread, dr.analyze(texas, at=AT))
    compared = dr.compare(texas, [C.revoke("beijing_master_admin", "tiktok_virginia")], executor=pool, method="exact")
    assert (compared.method, compared.provenance.executor) == ("exact", None)


def test_progress_counts_the_worlds_of_finished_tasks(texas: dr.Model, executor: Any) -> None:
    seen: list[tuple[int, int]] = []
    result = dr.analyze(
        texas,
        method="monte_carlo",
        samples=5 * 4096,
        seed=1,
        at=AT,
        executor=executor,
        tasks=5,
        progress=lambda done, total: seen.append((done, total)) and None,
    )
    assert seen == [(4096 * k, 5 * 4096) for k in range(1, 6)]  # one report per task of 8 quanta
    assert result.worlds == 5 * 4096


def test_a_callback_returning_false_stops_the_run(texas: dr.Model, executor: Any) -> None:
    calls: list[int] = []

    def stop_at_the_first(done: int, total: int) -> bool:
        calls.append(done)
        return False

    with pytest.raises(dr.AnalysisStopped) as stopped:
        dr.analyze(
            texas,
            method="monte_carlo",
            samples=200 * 512,
            seed=1,
            at=AT,
            executor=executor,
            tasks=200,
            progress=stop_at_the_first,
        )
    assert calls == [512] and (stopped.value.done, stopped.value.total) == (512, 200 * 512)
    # The executor is usable after the stop: the outstanding tasks were cancelled, not left broken.
    again = dr.analyze(texas, method="monte_carlo", samples=4096, seed=1, at=AT, executor=executor)
    assert again.worlds == 4096


def _refuse_to_start() -> None:
    raise RuntimeError("this worker cannot start")


def test_a_broken_executor_is_a_model_error(texas: dr.Model) -> None:
    options: dict[str, Any] = {"method": "monte_carlo", "samples": 4096, "seed": 1, "at": AT}
    with ProcessPoolExecutor(max_workers=1, initializer=_refuse_to_start) as broken:
        with pytest.raises(dr.ModelError, match=r"^executor: a task failed with BrokenProcessPool"):
            dr.analyze(texas, executor=broken, **options)
    closed = ProcessPoolExecutor(max_workers=1)
    closed.shutdown()
    with pytest.raises(dr.ModelError, match=r"^executor: a task failed with RuntimeError"):
        dr.analyze(texas, executor=closed, **options)


def test_bad_executor_and_tasks_are_refused(texas: dr.Model, pool: ProcessPoolExecutor) -> None:
    with pytest.raises(
        dr.ModelError, match=r"^executor: expected None, a concurrent.futures executor or a Dask Client"
    ):
        dr.analyze(texas, executor="localhost:8786", method="monte_carlo")
    with pytest.raises(dr.ModelError, match=r"^executor: "):
        dr.compare(texas, [C.revoke("beijing_master_admin", "tiktok_virginia")], executor=4)
    for tasks in (0, -1, 100_001, 2.5, True, "4"):
        with pytest.raises(dr.ModelError, match=r"^tasks: expected an integer from 1 to 100,000"):
            dr.analyze(texas, executor=pool, tasks=tasks, method="monte_carlo")  # type: ignore[arg-type]
    with pytest.raises(dr.ModelError, match=r"^tasks: tasks split a run over an executor; give executor= too"):
        dr.analyze(texas, tasks=2, method="monte_carlo")
    # Analyses that do not spread a run refuse the argument rather than ignore it.
    with pytest.raises(TypeError, match="executor"):
        dr.timeline(texas, "2021-01-01", "2022-01-01", "QS", executor=pool)  # type: ignore[call-arg]


def test_split_covers_the_quanta_once_in_order() -> None:
    assert split(0, 10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert split(8, 10, 5) == [(8, 9), (9, 10)]  # never more tasks than quanta
    assert split(4, 4, 3) == []
    for first, last, tasks in ((0, 1000, 7), (16, 40, 24), (3, 5, 1)):
        ranges = split(first, last, tasks)
        assert ranges[0][0] == first and ranges[-1][1] == last
        assert all(a < b == c for (a, b), (c, _) in itertools.pairwise(ranges))
        assert len(ranges) == min(tasks, last - first)


def test_the_samplers_refuse_counts_that_are_not_theirs(texas: dr.Model) -> None:
    graph = compile_model(texas, AT)
    _, rows = adversary_indices(texas, None)
    sampler = _core.ExposureSampler(graph, rows, samples=4096, seed=1)
    counts = sampler.count(0, 8)
    assert counts.dtype == np.uint64 and counts[0] == 4096 and counts.size == sampler.counts_size
    total = np.zeros(sampler.counts_size, dtype=np.uint64)
    with pytest.raises(dr.ModelError, match="^part: expected a 1-d contiguous uint64 array of counts$"):
        sampler.add(total, counts.astype(np.int64))
    with pytest.raises(dr.ModelError, match=r"^part: expected \d+ counts, got 3$"):
        sampler.add(total, counts[:3].copy())
    with pytest.raises(dr.ModelError, match="^total: expected a writeable array$"):
        frozen = total.copy()
        frozen.flags.writeable = False
        sampler.add(frozen, counts)
    with pytest.raises(dr.ModelError, match=r"^quanta: \[0, 9\) is not a range of the run's 8 quanta$"):
        sampler.count(0, 9)
    sampler.add(total, counts)
    assert np.array_equal(total, counts)
