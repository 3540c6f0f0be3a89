"""One Monte Carlo run spread over an executor (docs/design.md §2.7, §4): the worlds of the
run are split into tasks of whole quanta (512 worlds), each task counts its worlds on a
worker, and the coordinator sums the integer counts and makes the table — exactly the numbers
of a serial run with the same seed, for any executor, any number of workers and any split.

With a tolerance the coordinator runs the checkpoint segments of the serial run in turn, each
split into tasks, and asks the core between segments whether the summed counts meet the
tolerance (the test the serial run makes at the same checkpoints), so it stops after the same
worlds. The models travel lowered (the core's columnar tables, ``ModelData``: NumPy arrays
that pickle and unpickle in milliseconds, where a Model takes seconds at 10^6 arcs), pickled
as bytes: once per worker on a Dask cluster (scattered) and with each task on any other
executor. A worker compiles them as of the run's date once per run and keeps the compiled
sampler of its last runs for the next tasks of the run."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import itertools
import pickle
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from ..errors import ModelError
from ..model.lowering import lower
from ..options import AnalysisOptions, shown
from ._executors import check_executor, executor_kind, results_as_completed, ship, worker_count

if TYPE_CHECKING:
    from .. import _core
    from ..model import Model

    Sampler: TypeAlias = _core.ExposureSampler | _core.ComparisonSampler

__all__ = ["MAX_TASKS", "QUANTUM", "Sampling", "Spread", "check_tasks", "split", "spread_of"]

# Worlds per quantum: a run draws whole quanta, and a task counts whole quanta.
QUANTUM = 512
# The most tasks a segment is split into: more would only cost scheduling.
MAX_TASKS = 100_000
# How many runs' compiled samplers a worker keeps (one run's tasks reuse its sampler).
_CACHED_RUNS = 2


@dataclasses.dataclass(frozen=True)
class Sampling:
    """What fixes the worlds and the counts of one run, the same on the coordinator and on
    every worker: the date (days since 1970-01-01, None: windows ignored), the adversaries'
    node rows in each model, the sampling arguments of the core, the threads of each task,
    and a token naming the run in the workers' caches."""

    token: str
    day: int | None
    rows: tuple[tuple[int, ...], ...]
    samples: int
    seed: int
    tolerance: float
    threads: int
    places: bool

    def _arguments(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "tolerance": self.tolerance,
            "threads": self.threads,
            "places": self.places,
        }

    def exposure_sampler(self, graph: _core.CompiledGraph) -> _core.ExposureSampler:
        """The core's sampler of one compiled model."""
        from .. import _core

        return _core.ExposureSampler(graph, list(self.rows[0]), **self._arguments())

    def comparison_sampler(self, graphs: Sequence[_core.CompiledGraph]) -> _core.ComparisonSampler:
        """The core's sampler of compiled models compared, the base first."""
        from .. import _core

        return _core.ComparisonSampler(list(graphs), [list(r) for r in self.rows], **self._arguments())

    def compiled(self, tables: Sequence[dict[str, Any]]) -> Sampler:
        """The sampler of lowered models (``lower``) compiled as of the run's date: what a
        worker builds; of exposure for one model, of a comparison for several."""
        from .. import _core

        graphs = [_core.CompiledGraph(_core.ModelData(columns), self.day) for columns in tables]
        if len(graphs) == 1:
            return self.exposure_sampler(graphs[0])
        return self.comparison_sampler(graphs)


# A worker's compiled samplers, by run token (most recent last); tasks of one run may run
# in several threads of one worker at once.
_samplers: collections.OrderedDict[str, Sampler] = collections.OrderedDict()
_samplers_lock = threading.Lock()


def _worker_sampler(payload: bytes, sampling: Sampling) -> Sampler:
    with _samplers_lock:
        sampler = _samplers.get(sampling.token)
        if sampler is not None:
            _samplers.move_to_end(sampling.token)
            return sampler
    sampler = sampling.compiled(pickle.loads(payload))  # outside the lock: compiling takes time
    with _samplers_lock:
        sampler = _samplers.setdefault(sampling.token, sampler)
        while len(_samplers) > _CACHED_RUNS:
            _samplers.popitem(last=False)
    return sampler


def count_task(payload: bytes, sampling: Sampling, first: int, last: int) -> npt.NDArray[np.uint64]:
    """One task, on a worker: the counts of the quanta ``[first, last)`` of the run whose
    lowered models ``payload`` holds (pickled; read only by the worker's first task of the
    run)."""
    return _worker_sampler(payload, sampling).count(first, last)


def split(first: int, last: int, tasks: int) -> list[tuple[int, int]]:
    """The quanta ``[first, last)`` as at most ``tasks`` consecutive ranges of near-equal
    size (deterministic; the split changes no number, only how the work is shared)."""
    size = last - first
    parts = max(1, min(tasks, size))
    cuts = [first + size * k // parts for k in range(parts + 1)]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


@dataclasses.dataclass(frozen=True)
class Spread:
    """An executor to spread a Monte Carlo run over: ``tasks`` tasks per segment of the run
    (every sample without a tolerance; each checkpoint segment with one)."""

    executor: Any
    tasks: int

    @property
    def kind(self) -> str:
        """The executor's name in provenance: ``"dask"`` or its class name."""
        return executor_kind(self.executor)

    def sampling(self, rows: Sequence[Sequence[int]], options: AnalysisOptions, places: bool) -> Sampling:
        """The run's sampling from seeded ``options``, ``rows[k]`` the adversaries' nodes in
        model k; each task gets ``options.threads`` threads, one by default (the executor
        provides the parallelism)."""
        from ..dates import to_day

        assert options.seed is not None, "a spread run needs seeded options"
        return Sampling(
            token=uuid.uuid4().hex,
            day=None if options.at is None else to_day(options.at, where="at"),
            rows=tuple(tuple(int(r) for r in model_rows) for model_rows in rows),
            samples=options.sample_cap,
            seed=options.seed,
            tolerance=options.tolerance or 0.0,
            threads=options.threads or 1,
            places=places,
        )

    def counts(
        self, sampler: Sampler, models: Sequence[Model], sampling: Sampling, report: Callable[[int, int], None] | None
    ) -> npt.NDArray[np.uint64]:
        """The run's counts, summed over its tasks: the segments in turn, each split into
        tasks, stopping after the first segment whose counts meet the tolerance. ``report``
        gets (worlds counted, the run's most worlds) after each task; when it raises (a
        callback asking to stop), the outstanding tasks are cancelled."""
        lowered = [lower(model) for model in models]
        shipped = ship(self.executor, pickle.dumps(lowered, protocol=pickle.HIGHEST_PROTOCOL))
        total = np.zeros(sampler.counts_size, dtype=np.uint64)
        most = sampler.quanta * QUANTUM
        start = 0
        for end in sampler.checkpoints:
            calls = [(shipped, sampling, first, last) for first, last in split(start, end, self.tasks)]
            with contextlib.closing(results_as_completed(self.executor, count_task, calls)) as parts:
                for part in parts:
                    sampler.add(total, part)
                    if report is not None:
                        report(int(total[0]), most)
            start = end
            if end < sampler.quanta and sampler.converged(total):
                break
        return total


def check_tasks(tasks: Any) -> None:
    """A ModelError at ``tasks`` unless it is None or an integer from 1 to ``MAX_TASKS``."""
    if tasks is None:
        return
    if isinstance(tasks, bool) or not isinstance(tasks, (int, np.integer)) or not 1 <= tasks <= MAX_TASKS:
        raise ModelError(f"expected an integer from 1 to {MAX_TASKS:,}, got {shown(tasks)}", where="tasks")


def spread_of(executor: Any, tasks: Any) -> Spread | None:
    """The checked ``executor`` and ``tasks`` arguments of an analysis: None for a serial run
    (no executor; ``tasks`` without one is refused), else the Spread (``tasks`` default: the
    executor's worker count)."""
    check_executor(executor)
    check_tasks(tasks)
    if executor is None:
        if tasks is not None:
            raise ModelError("tasks split a run over an executor; give executor= too", where="tasks")
        return None
    return Spread(executor, int(tasks) if tasks is not None else worker_count(executor))
