"""Many what-if variants of one base model (docs/design.md §5), on any concurrent.futures
executor or a Dask cluster, with results identical to a serial run; ``sweep`` returns a
``Sweep`` whose ``.table`` stacks the comparison rows of every variant."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..errors import ModelError, quote
from ..options import AnalysisOptions, OptionOverrides, Unpack, shown
from ..results import AnalysisResult, Provenance, common_value, warn_if_not_converged
from ._engines import Report, all_converged, progress_reporter
from ._executors import check_executor, is_dask_client
from ._requests import require_model, within
from .comparison import total_risk_differences

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..changes import Change
    from ..model import Model

__all__ = ["Sweep", "sweep"]


# What one variant's task returns: its comparison rows and whether they met the tolerance.
VariantOutcome = tuple[pd.DataFrame, "bool | None"]


def _evaluate_variant(
    base: Model, name: str, changes: list[dict[str, Any]], adversaries: Any, options: AnalysisOptions
) -> VariantOutcome:
    """One task: apply the changes to the base and compare on the shared seed. Runs on a
    worker; the base arrives once per worker (scattered) and the changes as plain dicts.
    It does not warn (a worker's warning would be lost): the sweep warns once for all."""
    from ..changes import from_dicts
    from .comparison import compare_models

    variant = base.apply(from_dicts(changes))
    comparison = compare_models(base, [variant], [name], adversaries, options)
    table = comparison.table
    table.insert(1, "changes", len(changes))
    table["method"] = comparison.method
    table["worlds"] = comparison.worlds
    return table, comparison.provenance.converged


def sweep(
    base: Model,
    variants: Mapping[str, Sequence[Change]],
    executor: Any = None,
    *,
    adversaries: str | Iterable[str] | None = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Sweep:
    """Compare every variant (name → list of changes) with ``base``.

    ``executor``: None (serial), any ``concurrent.futures.Executor``, or a
    ``dask.distributed.Client`` (the base model is scattered to the workers once). Every
    variant is compared on the same seed (drawn once when not given, recorded in the
    provenance), so the table is identical whatever runs it. ``.table`` rows: variant,
    number of changes, then the columns of ``Comparison.table``, the ``method`` and
    ``worlds`` of each variant. ``threads`` is per variant; it defaults to 1 under an
    executor (the executor provides the parallelism) and to all cores in a serial run.
    ``progress`` counts variants. An error in a plan names it: ``plan 'b': changes[0].to: ...``.
    With a ``tolerance``, ``provenance.converged`` is False (and ``ToleranceNotMet`` warned
    once) when any variant reached ``max_samples`` first.
    """
    from ..changes import to_dicts

    settings = AnalysisOptions.resolve(options, **overrides).seeded()
    require_model(base, "base")
    check_executor(executor)
    if not isinstance(variants, Mapping) or not variants:
        raise ModelError("expected a non-empty mapping of variant name to a list of changes", where="variants")
    tasks = []
    for name, changes in variants.items():
        if not isinstance(name, str):
            raise ModelError(f"a variant name must be a string, got {shown(name)}", where="variants")
        if not isinstance(changes, (list, tuple)):
            raise ModelError(f"expected a list of changes, got {shown(changes)}", where=f"plan {quote(name)}")
        try:
            base.apply(changes)  # validate here, so a bad plan fails before any work is shipped
        except ModelError as error:
            raise within(error, f"plan {quote(name)}") from None
        tasks.append((name, to_dicts(changes)))
    # What a worker receives: no callable (progress is reported here) and one thread per
    # variant under an executor.
    shipped = settings.replace(progress=False)
    if settings.threads is None and executor is not None:
        shipped = shipped.replace(threads=1)

    started = time.perf_counter()
    with progress_reporter(settings.progress, "variant") as report:
        outcomes = _run(base, tasks, executor, adversaries, shipped, report)
    table = pd.concat([variant_table for variant_table, _ in outcomes], ignore_index=True)
    provenance = Provenance.of_options(
        settings,
        analysis="sweep",
        method=common_value(table["method"], "mixed"),
        worlds=common_value((None if pd.isna(w) else int(w) for w in table["worlds"]), None),
        seed=settings.seed if (table["method"] == "monte_carlo").any() else None,
        elapsed=time.perf_counter() - started,
        threads=shipped.threads,
        converged=all_converged(met for _, met in outcomes),
    )
    result = Sweep(table, provenance, model=base.name)
    warn_if_not_converged(result)
    return result


def _run(
    base: Model,
    tasks: list[tuple[str, list[dict[str, Any]]]],
    executor: Any,
    adversaries: Any,
    options: AnalysisOptions,
    report: Report | None,
) -> list[VariantOutcome]:
    """The outcome of every task, in task order; ``report(done, total)`` after each finished
    task. When ``report`` raises (a progress callback asked to stop), the tasks not yet
    started are cancelled."""
    total = len(tasks)
    if executor is None:
        outcomes = []
        for done, (name, changes) in enumerate(tasks, start=1):
            outcomes.append(_evaluate_variant(base, name, changes, adversaries, options))
            if report is not None:
                report(done, total)
        return outcomes
    if is_dask_client(executor):
        from dask.distributed import as_completed

        shared = executor.scatter(base, broadcast=True)
        futures = [
            executor.submit(_evaluate_variant, shared, name, changes, adversaries, options, pure=False)
            for name, changes in tasks
        ]
        try:
            if report is not None:
                for done, _ in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
                    report(done, total)
            gathered: list[VariantOutcome] = executor.gather(futures)
            return gathered
        except BaseException:
            executor.cancel(futures)
            raise
    from concurrent.futures import as_completed as futures_completed

    pool_futures = [
        executor.submit(_evaluate_variant, base, name, changes, adversaries, options) for name, changes in tasks
    ]
    try:
        if report is not None:
            for done, _ in enumerate(futures_completed(pool_futures), start=1):
                report(done, total)
        return [future.result() for future in pool_futures]
    except BaseException:
        for future in pool_futures:
            future.cancel()
        raise


class Sweep(AnalysisResult):
    """The outcome of ``sweep``: ``table`` (variant, changes, the comparison columns, method,
    worlds) and ``total_risk`` (variant, adversary, base_total_risk, total_risk,
    total_risk_difference)."""

    analysis: ClassVar[str] = "sweep"
    extra_tables = ("total_risk",)

    @property
    def total_risk(self) -> pd.DataFrame:
        return total_risk_differences(self.table)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        data_class: str | None = None,
        adversaries: str | Iterable[str] | None = None,
        labels: str | None = None,
    ) -> Axes:
        """What each plan leaves against its number of changes (the ``changes`` column):
        the remaining total risk as a percentage of the base's (summed over ``adversaries``,
        all by default) or, with ``data_class``, that class's exposure probability (one
        adversary), one point per plan and the base as "no change" at 0, with the Pareto
        front — the plans that no plan beats with as few changes — as a step line
        (docs/design.md §5b); returns the matplotlib Axes. ``labels``: "all", "front" or
        "none" (default: all up to 20 plans, else the front). Draws on ``ax`` when given,
        else on a new figure; needs matplotlib (``pip install 'datareach[plot]'``)."""
        from ..plot.sweep import plot_sweep

        return plot_sweep(self, ax, data_class=data_class, adversaries=adversaries, labels=labels)
