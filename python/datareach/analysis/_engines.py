"""The one place that runs an engine (docs/design.md §2.5, §4): method resolution, the exact
and Monte Carlo calls for one model or for paired models, and the progress context that
turns ``progress=`` into what the engines call — identical for every engine, including a
callback asking to stop."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import ModelError, quote
from ..options import AnalysisOptions, Progress

if TYPE_CHECKING:
    from .. import _core
    from ..model import Model
    from ._distributed import Spread

__all__ = [
    "AnalysisStopped",
    "EngineRun",
    "Report",
    "all_converged",
    "converged",
    "progress_reporter",
    "resolve_method",
    "run_comparison",
    "run_exposure",
]

# "auto" runs the exact engine when every run is cheap for the method the engine picks for it
# (docs/design.md §8, decisions 13 and 51): a run for the frontier method has a frontier width
# of at most AUTO_EXACT_WIDTH (a 10 x 10 grid of shared-event links, width 12, takes about a
# second; a 2 x 1,000 ladder, width 5, milliseconds, whatever its thousands of variables),
# and a run for factoring at most AUTO_EXACT_VARIABLES random variables after pruning (the
# 5 x 5 grid, 40, takes milliseconds).
AUTO_EXACT_VARIABLES = 40
AUTO_EXACT_WIDTH = 12
# method="exact" refuses runs beyond the core's variable limit (its default for
# max_variables, defined once in the core) or beyond this many factoring steps (an 8 x 8
# grid, 112 variables, takes 230k steps and about a second); the error gives the size.
EXACT_STEP_LIMIT = 20_000_000

Report = Callable[[int, int], None]


class AnalysisStopped(Exception):
    """A progress callback returned False: the analysis stopped and returned nothing.

    Every engine (exact and Monte Carlo, one model or paired models) and every stepped
    analysis (timeline, sweep) stops this way. ``done`` and ``total`` are the progress at the
    moment of stopping. To stop sampling early and keep the numbers, use ``tolerance``."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(done, total)  # the arguments themselves, so the exception pickles
        self.done = done
        self.total = total

    def __str__(self) -> str:
        return f"stopped by the progress callback at {self.done} of {self.total}"


@contextlib.contextmanager
def progress_reporter(progress: Progress, unit: str) -> Iterator[Report | None]:
    """What to hand an engine (or a stepped analysis) as its progress: None when progress is
    off; for True a tqdm bar in ``unit`` closed when the run ends, however it ends; for a
    callable, a wrapper that raises ``AnalysisStopped`` when it returns False. The engines
    re-raise an exception from their progress hook once they have unwound, so raising is
    what makes every engine stop the same way."""
    if progress is False:
        yield None
        return
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=0, unit=unit, unit_scale=True, dynamic_ncols=True)

        def update(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            yield update
        finally:
            bar.close()
        return
    callback = progress

    def report(done: int, total: int) -> None:
        answer = callback(done, total)
        if answer is not None and not answer:
            raise AnalysisStopped(done, total)

    yield report


def resolve_method(method: str, problems: Sequence[tuple[_core.CompiledGraph, list[int]]]) -> str:
    """ "exact" or "monte_carlo" for a request; "auto" is exact when every (graph,
    adversaries) problem is small: each run either goes to the frontier method with a width
    of at most AUTO_EXACT_WIDTH or has at most AUTO_EXACT_VARIABLES variables. Counting
    variables stops early on huge models (the cap); widths are counted in full."""
    from .. import _core

    if method != "auto":
        return method
    for graph, rows in problems:
        size = _core.exact_complexity(graph, rows, cap=AUTO_EXACT_VARIABLES, max_frontier_width=AUTO_EXACT_WIDTH)
        if max(size["max_factoring_variables"], default=0) > AUTO_EXACT_VARIABLES:
            return "monte_carlo"
    return "exact"


@dataclasses.dataclass(frozen=True)
class EngineRun:
    """What an engine returned and how: the method used, worlds drawn (None when exact),
    the seed (None when exact), seconds taken; for a run spread over an executor, its kind
    (``"dask"`` or the executor's class name) and the threads of each task."""

    method: str
    worlds: int | None
    seed: int | None
    elapsed: float
    executor: str | None = None
    threads: int | None = None


def converged(method: str, tolerance: float | None, low: npt.ArrayLike, high: npt.ArrayLike) -> bool | None:
    """Whether a run's intervals ``[low, high]`` meet its tolerance: True when exact, None for
    Monte Carlo without a tolerance, else whether the widest half-width is <= it. The engine
    stops on the same test at its checkpoints (docs/design.md §2.7); testing the returned
    intervals again tells a converged run from one that reached ``max_samples`` first."""
    if method == "exact":
        return True
    if tolerance is None:
        return None
    half_widths = (np.asarray(high, dtype=float) - np.asarray(low, dtype=float)) / 2.0
    return bool(np.max(half_widths, initial=0.0) <= tolerance)


def all_converged(flags: Iterable[bool | None]) -> bool | None:
    """The ``converged`` of a stepped analysis (timeline, sweep): False if any step fell short,
    True if every step met its tolerance (or was exact), None otherwise."""
    distinct = set(flags)
    if False in distinct:
        return False
    return True if distinct == {True} else None


def _threads(options: AnalysisOptions) -> int:
    return 0 if options.threads is None else options.threads  # 0: the core uses every core


def _sampling(options: AnalysisOptions) -> dict[str, Any]:
    """The Monte Carlo engines' sampling arguments (one engine, or paired): with a tolerance
    the engine stops at it, within the cap."""
    return {
        "samples": options.sample_cap,
        "seed": options.seed,
        "tolerance": options.tolerance or 0.0,
        "threads": _threads(options),
    }


def _exact(
    graph: _core.CompiledGraph, rows: list[int], ids: Sequence[str], places: bool, report: Report | None
) -> _core.ExposureTable:
    from .. import _core

    try:
        return _core.exact_exposure(graph, rows, max_steps=EXACT_STEP_LIMIT, places=places, progress=report)
    except ModelError as error:
        raise _named_adversary(error, ids) from None


# The core knows no ids: its size errors name an adversary by its position in the request.
_ADVERSARY_POSITION = re.compile(r"adversary #(\d+)")


def _named_adversary(error: ModelError, ids: Sequence[str]) -> ModelError:
    """``error`` with "adversary #i" replaced by the adversary's id."""

    def named(match: re.Match[str]) -> str:
        position = int(match.group(1))
        return f"adversary {quote(ids[position])}" if position < len(ids) else match.group(0)

    return ModelError(_ADVERSARY_POSITION.sub(named, error.reason), where=error.where)


def run_exposure(
    graph: _core.CompiledGraph,
    ids: Sequence[str],
    rows: list[int],
    options: AnalysisOptions,
    *,
    places: bool = True,
    spread: Spread | None = None,
    model: Model | None = None,
) -> tuple[_core.ExposureTable, EngineRun]:
    """Exposure of one compiled model for the adversaries ``ids`` (node ``rows``); ``options``
    must be seeded (``options.seeded()``). With a ``spread``, Monte Carlo runs over its
    executor (``model`` is what the workers compile); the exact engine runs here."""
    from .. import _core

    assert options.seed is not None, "run_exposure needs seeded options"
    method = resolve_method(options.method, [(graph, rows)])
    started = time.perf_counter()
    kind = threads = None
    with progress_reporter(options.progress, "step" if method == "exact" else "world") as report:
        if method == "exact":
            table = _exact(graph, rows, ids, places, report)
        elif spread is not None:
            assert model is not None, "a spread run needs the model"
            sampling = spread.sampling([rows], options, places)
            sampler = sampling.exposure_sampler(graph)
            table = sampler.table(spread.counts(sampler, [model], sampling, report))
            kind, threads = spread.kind, sampling.threads
        else:
            table = _core.monte_carlo_exposure(
                graph,
                rows,
                **_sampling(options),
                places=places,
                progress=report,
            )
    elapsed = time.perf_counter() - started
    if method == "exact":
        return table, EngineRun("exact", None, None, elapsed)
    return table, EngineRun(method, int(table.samples), options.seed, elapsed, kind, threads)


# Exact runs of several models report one progress over all of them, each model counting as
# this many units: the next models' run counts are unknown until they start.
_UNITS_PER_MODEL = 1000


def _model_share(report: Report, k: int, models: int) -> Report:
    """The progress of model ``k`` of ``models`` as a share of the whole run."""

    def step(done: int, total: int) -> None:
        share = _UNITS_PER_MODEL * done // total if total else _UNITS_PER_MODEL
        report(k * _UNITS_PER_MODEL + share, models * _UNITS_PER_MODEL)

    return step


def _exact_of_many(
    graphs: Sequence[_core.CompiledGraph],
    ids: Sequence[str],
    rows: Sequence[list[int]],
    report: Report | None,
    places: bool,
) -> list[_core.ExposureTable]:
    return [
        _exact(graph, adversaries, ids, places, None if report is None else _model_share(report, k, len(graphs)))
        for k, (graph, adversaries) in enumerate(zip(graphs, rows))
    ]


def run_comparison(
    graphs: Sequence[_core.CompiledGraph],
    ids: Sequence[str],
    rows: Sequence[list[int]],
    options: AnalysisOptions,
    *,
    places: bool = True,
    spread: Spread | None = None,
    models: Sequence[Model] = (),
) -> tuple[list[_core.ExposureTable], dict[str, Any] | None, EngineRun]:
    """Exposure of every model on common random numbers: the per-model tables, and for Monte
    Carlo the paired differences (None when exact: differences of exact tables are exact).
    ``ids`` are the adversaries, the same in every model; ``rows[k]`` their nodes in model k.
    ``places=False`` leaves out the per-store and per-region tables. With a ``spread``, Monte
    Carlo runs over its executor (``models``, base first, are what the workers compile); the
    exact engine runs here."""
    from .. import _core

    assert options.seed is not None, "run_comparison needs seeded options"
    method = resolve_method(options.method, list(zip(graphs, rows)))
    started = time.perf_counter()
    with progress_reporter(options.progress, "step" if method == "exact" else "world") as report:
        if method == "exact":
            tables = _exact_of_many(graphs, ids, rows, report, places)
            elapsed = time.perf_counter() - started
            return tables, None, EngineRun("exact", None, None, elapsed)
        kind = threads = None
        if spread is not None:
            assert len(models) == len(graphs), "a spread run needs the models"
            sampling = spread.sampling(rows, options, places)
            sampler = sampling.comparison_sampler(graphs)
            paired = sampler.table(spread.counts(sampler, models, sampling, report))
            kind, threads = spread.kind, sampling.threads
        else:
            paired = _core.monte_carlo_compare(
                list(graphs),
                [list(r) for r in rows],
                **_sampling(options),
                places=places,
                progress=report,
            )
    elapsed = time.perf_counter() - started
    differences = {
        name: getattr(paired, name)
        for name in (
            "probability_difference",
            "probability_difference_ci_low",
            "probability_difference_ci_high",
            "expected_share_difference",
            "expected_share_difference_ci_low",
            "expected_share_difference_ci_high",
        )
    }
    run = EngineRun(method, int(paired.samples), options.seed, elapsed, kind, threads)
    return list(paired.tables), differences, run
