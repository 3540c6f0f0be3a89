"""One-at-a-time sensitivity (docs/design.md §5a): ``tornado`` evaluates the exposure
probability of one class to one adversary at each end of every range of the model (arcs' and
events' ``p_range``, jurisdictions' ``compels_range``), the other values at their points,
and returns a ``Tornado`` whose ``.table`` is sorted by swing."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import pandas as pd

from ..options import AnalysisOptions, EngineOverrides, Method, Unpack
from ..results import AnalysisResult, Provenance, common_value, warn_if_not_converged
from ._engines import all_converged, converged, progress_reporter, resolve_method, run_comparison, run_exposure
from ._ranges import VARIABLE_COLUMNS, Request, Substitution, ranged_variables, request

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Model

__all__ = ["Tornado", "tornado"]

_ENDS = ("exposure_low", "exposure_high", "swing")
COLUMNS = [*VARIABLE_COLUMNS, *(f"{name}{suffix}" for name in _ENDS for suffix in ("", "_ci_low", "_ci_high"))]


def tornado(
    model: Model,
    adversary: str,
    data_class: str,
    *,
    at: Any = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[EngineOverrides],
) -> Tornado:
    """The exposure probability of ``data_class`` (atomic or composite) to ``adversary`` at
    each end of each range of the model, the other values at their points: one row per
    ranged variable present at ``at``, sorted by swing (``exposure_high - exposure_low``,
    never negative: exposure does not fall as a p rises), largest first; ``.base`` is the
    exposure at the point values.

    ``options`` and keyword overrides are the shared ``AnalysisOptions`` (``at`` may be
    given here too). With Monte Carlo every evaluation uses the same seed: the two ends of a
    range are evaluated as a paired comparison on the same worlds (common random numbers),
    so ``swing`` has a paired interval narrower than those of its ends, and a ``tolerance``
    applies to the swings (of every class: the paired run is ``compare``'s). A model
    without ranges gives an empty table.
    """
    settings = AnalysisOptions.resolve(options, **overrides)
    if at is not None:
        settings = settings.replace(at=at)
    settings = settings.seeded()
    wanted = request(model, adversary, data_class)
    started = time.perf_counter()
    variables = ranged_variables(model, settings.at)
    values = Substitution(model, settings.at, variables)
    lows = variables["low"].to_numpy()
    highs = variables["high"].to_numpy()
    interior = values.graph((lows + highs) / 2) if len(variables) else values.base
    method = resolve_method(settings.method, [(values.base, [wanted.row]), (interior, [wanted.row])])
    quiet = settings.replace(method=cast(Method, method), progress=False)

    ids, rows = [wanted.adversary], [wanted.row]
    columns: dict[str, list[float]] = {name: [] for name in COLUMNS[len(VARIABLE_COLUMNS) :]}
    worlds: list[int | None] = []
    met: list[bool | None] = []
    runs = len(variables) + 1  # the base, then one paired run per variable
    with progress_reporter(settings.progress, "run") as report:
        table, run = run_exposure(values.base, ids, rows, quiet, places=False)
        base = _scores(table, wanted)
        worlds.append(run.worlds)
        met.append(converged(run.method, quiet.tolerance, table.ci_low, table.ci_high))
        if report is not None:
            report(1, runs)
        for position in range(len(variables)):
            ends = [values.graph([end], [position]) for end in (lows[position], highs[position])]
            (low, high), paired, run = run_comparison(ends, ids, [rows, rows], quiet, places=False)
            worlds.append(run.worlds)
            for name, scores in (("exposure_low", _scores(low, wanted)), ("exposure_high", _scores(high, wanted))):
                for suffix, score in zip(("", "_ci_low", "_ci_high"), scores):
                    columns[f"{name}{suffix}"].append(score)
            swings: tuple[float, float, float]
            if paired is None:  # exact: the swing is exact too
                swing = float(high.probability[0, wanted.cls] - low.probability[0, wanted.cls])
                swings = (swing, swing, swing)
            else:
                low_swing, swing, high_swing = (
                    float(paired[f"probability_difference{suffix}"][0, 0, wanted.cls])
                    for suffix in ("_ci_low", "", "_ci_high")
                )
                swings = (swing, low_swing, high_swing)
                met.append(converged(run.method, quiet.tolerance, swings[1], swings[2]))
            for suffix, score in zip(("", "_ci_low", "_ci_high"), swings):
                columns[f"swing{suffix}"].append(float(score))
            if report is not None:
                report(position + 2, runs)

    frame = variables.drop(columns="row").assign(
        **{name: np.asarray(v, dtype=np.float64) for name, v in columns.items()}
    )
    order = np.argsort(-np.abs(frame["swing"].to_numpy()), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)[COLUMNS]
    provenance = Provenance.of_options(
        settings,
        analysis="tornado",
        method=method,
        worlds=common_value(worlds, None),
        seed=settings.seed if method == "monte_carlo" else None,
        elapsed=time.perf_counter() - started,
        converged=all_converged(met),
    )
    result = Tornado(frame, provenance, model=model.name, request=wanted, base=base)
    warn_if_not_converged(result)
    return result


def _scores(table: Any, wanted: Request) -> tuple[float, float, float]:
    """(probability, ci_low, ci_high) of the requested class in a one-adversary table."""
    return (
        float(table.probability[0, wanted.cls]),
        float(table.ci_low[0, wanted.cls]),
        float(table.ci_high[0, wanted.cls]),
    )


class Tornado(AnalysisResult):
    """The outcome of ``tornado``: ``table`` has one row per ranged variable — ``kind``
    (arc, event, jurisdiction), ``entry`` (``access[3]``, ``events[0]``, ``nodes[2]``),
    ``from`` / ``to`` (arcs), ``event``, ``node`` (jurisdictions), its point value ``p``, the
    range ``low`` / ``high``, the exposure probability at each end (``exposure_low``,
    ``exposure_high``) and the ``swing`` between them, each with ``_ci_low`` / ``_ci_high``
    (zero-width when exact) — largest swing first. ``base`` is the exposure at the point
    values (``summary``: adversary, class, base with its interval, variables)."""

    analysis: ClassVar[str] = "tornado"
    extra_tables = ("summary",)

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None,
        request: Request,
        base: tuple[float, float, float],
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.adversary = request.adversary
        self.data_class = request.data_class
        self.base, self.base_ci_low, self.base_ci_high = base

    @property
    def summary(self) -> pd.DataFrame:
        """One row: adversary, class, base, base_ci_low, base_ci_high, variables."""
        result: pd.DataFrame = pd.DataFrame(
            {
                "adversary": [self.adversary],
                "class": [self.data_class],
                "base": [self.base],
                "base_ci_low": [self.base_ci_low],
                "base_ci_high": [self.base_ci_high],
                "variables": [len(self.table)],
            }
        )
        return result

    def plot(self, ax: Axes | None = None, *, top: int | None = 15) -> Axes:
        """A tornado chart: per ranged variable, a bar from the exposure probability at the
        low end of its range to that at the high end, in percent, largest swing at the top,
        around a line at the exposure at the assumed values; the 95 % intervals of Monte
        Carlo as whiskers at both ends (docs/design.md §5b). ``top`` caps the bars (None:
        all). Returns the matplotlib Axes; draws on ``ax`` when given, else on a new
        figure; needs matplotlib (``pip install 'datareach[plot]'``)."""
        from ..plot.explain import plot_tornado

        return plot_tornado(self, ax, top=top)

    def _title(self) -> str:
        return f"{super()._title()}: {self.data_class} to {self.adversary}, base {self.base:.4f}"
