"""Uncertainty propagation (docs/design.md §5a): ``uncertainty`` draws every range of the
model together (each value independently and uniformly within its range), evaluates the
exposure probability of one class to one adversary for each draw and returns an
``Uncertainty`` with the draws (``.table``), their distribution (``.summary``) and the
exposure at the point values (``.base``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..options import AnalysisOptions, EngineOverrides, Method, Unpack, shown
from ..results import AnalysisResult, Provenance, common_value, warn_if_not_converged
from ._engines import all_converged, converged, progress_reporter, resolve_method, run_exposure
from ._ranges import Request, Substitution, ranged_variables, request

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Model

__all__ = ["DEFAULT_DRAWS", "MAX_DRAWS", "QUANTILES", "Uncertainty", "uncertainty"]

DEFAULT_DRAWS = 1_000
# Each draw compiles the model and runs an engine on it: a bound keeps a request from
# running for days.
MAX_DRAWS = 100_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def uncertainty(
    model: Model,
    adversary: str,
    data_class: str,
    *,
    draws: int = DEFAULT_DRAWS,
    at: Any = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[EngineOverrides],
) -> Uncertainty:
    """The distribution of the exposure probability of ``data_class`` to ``adversary`` when
    every ranged value of the model (arcs' and events' ``p_range``, jurisdictions'
    ``compels_range``, those present at ``at``) is drawn independently and uniformly within
    its range, ``draws`` times (1 to 100,000; default 1,000).

    The draws come from the options' ``seed`` (a fresh one, recorded in the provenance, when
    None), so a seed repeats them. ``samples`` and the other options say how each draw is
    evaluated, as for ``analyze``; with Monte Carlo every draw uses the same seed (common
    random numbers), so the spread shows the ranges, not sampling noise. A model with no
    range present at ``at`` is a ModelError: there is nothing to draw.
    """
    settings = AnalysisOptions.resolve(options, **overrides)
    if at is not None:
        settings = settings.replace(at=at)
    settings = settings.seeded()
    assert settings.seed is not None
    count = _draws(draws)
    wanted = request(model, adversary, data_class)
    started = time.perf_counter()
    variables = ranged_variables(model, settings.at)
    if not len(variables):
        when = f" present at {settings.at_iso}" if settings.at is not None else ""
        raise ModelError(
            f"the model has no range{when} to draw from (p_range on arcs and events, compels_range on "
            f"jurisdictions); dr.analyze gives the exposure at the point values",
            where="model",
        )
    lows = variables["low"].to_numpy()
    highs = variables["high"].to_numpy()
    rng = np.random.default_rng(settings.seed)
    drawn = lows + (highs - lows) * rng.random((count, len(variables)))

    values = Substitution(model, settings.at, variables)
    interior = values.graph((lows + highs) / 2)
    method = resolve_method(settings.method, [(values.base, [wanted.row]), (interior, [wanted.row])])
    quiet = settings.replace(method=cast(Method, method), progress=False)
    ids, rows = [wanted.adversary], [wanted.row]
    scores = np.empty((count, 3))
    worlds: list[int | None] = []
    met: list[bool | None] = []
    with progress_reporter(settings.progress, "draw") as report:
        table, _ = run_exposure(values.base, ids, rows, quiet, places=False)
        base = tuple(float(getattr(table, s)[0, wanted.cls]) for s in ("probability", "ci_low", "ci_high"))
        for i in range(count):
            table, run = run_exposure(values.graph(drawn[i]), ids, rows, quiet, places=False)
            scores[i] = [getattr(table, s)[0, wanted.cls] for s in ("probability", "ci_low", "ci_high")]
            worlds.append(run.worlds)
            met.append(converged(run.method, quiet.tolerance, table.ci_low, table.ci_high))
            if report is not None:
                report(i + 1, count)

    frame = pd.DataFrame({"draw": np.arange(count, dtype=np.int64)})
    frame = pd.concat(
        [frame, pd.DataFrame(drawn, columns=variables["entry"].tolist())], axis=1
    )  # one column per variable, named by its entry
    frame["exposure"] = scores[:, 0]
    frame["exposure_ci_low"] = scores[:, 1]
    frame["exposure_ci_high"] = scores[:, 2]
    provenance = Provenance.of_options(
        settings,
        analysis="uncertainty",
        method=method,
        worlds=common_value(worlds, None),
        seed=settings.seed,  # the draws are random whatever the method
        elapsed=time.perf_counter() - started,
        converged=all_converged(met),
    )
    result = Uncertainty(
        frame,
        provenance,
        model=model.name,
        request=wanted,
        variables=variables.drop(columns="row"),
        base=(base[0], base[1], base[2]),
    )
    warn_if_not_converged(result)
    return result


def _draws(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ModelError(f"expected a whole number of draws, got {shown(value)}", where="draws")
    if not 1 <= value <= MAX_DRAWS:
        raise ModelError(f"expected from 1 to {MAX_DRAWS:,} draws, got {value}", where="draws")
    return int(value)


class Uncertainty(AnalysisResult):
    """The outcome of ``uncertainty``: ``table`` has one row per draw — ``draw``, the value
    drawn for each ranged variable (a column per variable, named by its entry:
    ``access[3]``, ``events[0]``, ``nodes[2]``), the ``exposure`` probability and its
    ``exposure_ci_low`` / ``exposure_ci_high`` (zero-width when exact). ``variables`` lists
    the ranged variables (kind, entry, from, to, event, node, p, low, high); ``summary``
    gives the distribution over the draws (mean, std, min, the 5/25/50/75/95 % quantiles,
    max) beside ``base``, the exposure at the point values."""

    analysis: ClassVar[str] = "uncertainty"
    extra_tables = ("summary", "variables")

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None,
        request: Request,
        variables: pd.DataFrame,
        base: tuple[float, float, float],
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.adversary = request.adversary
        self.data_class = request.data_class
        self._variables = variables
        self.base, self.base_ci_low, self.base_ci_high = base

    @property
    def variables(self) -> pd.DataFrame:
        return self._variables

    @property
    def exposure(self) -> np.ndarray:
        """The exposure probability of every draw (a NumPy array)."""
        values: np.ndarray = self.table["exposure"].to_numpy(dtype=np.float64)
        return values

    @property
    def summary(self) -> pd.DataFrame:
        """One row: adversary, class, draws, base, mean, std (over the draws, n - 1), min,
        q05, q25, q50, q75, q95, max."""
        values = self.exposure
        quantiles = np.quantile(values, QUANTILES)
        row: dict[str, Any] = {
            "adversary": self.adversary,
            "class": self.data_class,
            "draws": len(values),
            "base": self.base,
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "min": float(values.min()),
        }
        for q, value in zip(QUANTILES, quantiles):
            row[f"q{round(q * 100):02d}"] = float(value)
        row["max"] = float(values.max())
        result: pd.DataFrame = pd.DataFrame([row])
        return result

    def plot(self, ax: Axes | None = None, *, bins: int = 30) -> Axes:
        """A histogram of the exposure probability over the draws, in percent, with the
        exposure at the assumed values (``base``) and the 5 % and 95 % quantiles marked
        (docs/design.md §5b). Returns the matplotlib Axes; draws on ``ax`` when given,
        else on a new figure; needs matplotlib (``pip install 'datareach[plot]'``)."""
        from ..plot.explain import plot_uncertainty

        return plot_uncertainty(self, ax, bins=bins)

    def _title(self) -> str:
        return f"{super()._title()}: {self.data_class} to {self.adversary}, base {self.base:.4f}"
