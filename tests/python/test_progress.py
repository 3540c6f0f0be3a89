"""``progress`` behaves the same in every engine (exact and Monte Carlo, one model and paired
models) and in the stepped analyses (timeline, sweep): a callable sees (done, total) up to the
end; returning False stops the run with ``AnalysisStopped``; an exception it raises comes out
unchanged; True shows a bar that is closed at the end."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

import datareach as dr

PLAN = [dr.changes.revoke("beijing_master_admin", "tiktok_virginia")]


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def _runs(texas: dr.Model) -> dict[str, Callable[..., Any]]:
    return {
        "analyze exact": lambda **kw: dr.analyze(texas, method="exact", **kw),
        "analyze monte carlo": lambda **kw: dr.analyze(texas, method="monte_carlo", samples=8192, seed=1, **kw),
        "compare exact": lambda **kw: dr.compare(texas, PLAN, method="exact", **kw),
        "compare monte carlo": lambda **kw: dr.compare(texas, PLAN, method="monte_carlo", samples=8192, seed=1, **kw),
        "timeline": lambda **kw: dr.timeline(texas, "2021-10-01", "2022-01-01", method="exact", **kw),
        "sweep": lambda **kw: dr.sweep(texas, {"a": PLAN, "b": []}, method="exact", **kw),
    }


RUNS = ["analyze exact", "analyze monte carlo", "compare exact", "compare monte carlo", "timeline", "sweep"]


@pytest.mark.parametrize("run", RUNS)
def test_a_callable_sees_the_run_to_its_end(texas: dr.Model, run: str) -> None:
    calls: list[tuple[int, int]] = []
    _runs(texas)[run](progress=lambda done, total: calls.append((done, total)))
    assert calls, run
    assert calls[-1][0] == calls[-1][1] > 0
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))  # never goes back


@pytest.mark.parametrize("run", RUNS)
def test_returning_false_stops_every_engine_the_same_way(texas: dr.Model, run: str) -> None:
    with pytest.raises(dr.AnalysisStopped, match="stopped by the progress callback") as stopped:
        _runs(texas)[run](progress=lambda done, total: False)
    assert 0 <= stopped.value.done <= stopped.value.total
    # True and None go on.
    _runs(texas)[run](progress=lambda done, total: True)
    _runs(texas)[run](progress=lambda done, total: None)


@pytest.mark.parametrize("run", RUNS)
def test_an_exception_in_the_callback_comes_out_unchanged(texas: dr.Model, run: str) -> None:
    class Boom(Exception):
        pass

    def boom(done: int, total: int) -> None:
        raise Boom

    with pytest.raises(Boom):
        _runs(texas)[run](progress=boom)


@pytest.mark.parametrize("run", RUNS)
def test_a_progress_bar_runs_and_closes(texas: dr.Model, run: str, capsys: pytest.CaptureFixture[str]) -> None:
    _runs(texas)[run](progress=True)
    assert "100%" in capsys.readouterr().err, run


def test_stopping_a_sweep_on_an_executor_cancels_the_rest(texas: dr.Model) -> None:
    from concurrent.futures import ThreadPoolExecutor

    plans = {f"plan {i}": PLAN for i in range(4)}
    with ThreadPoolExecutor(max_workers=1) as pool, pytest.raises(dr.AnalysisStopped):
        dr.sweep(texas, plans, pool, method="exact", progress=lambda done, total: done < 1)


def test_analysis_stopped_pickles() -> None:
    import pickle

    stopped = pickle.loads(pickle.dumps(dr.AnalysisStopped(3, 10)))
    assert (stopped.done, stopped.total) == (3, 10) and str(stopped) == "stopped by the progress callback at 3 of 10"
