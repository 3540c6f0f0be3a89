"""What-if comparisons (docs/design.md §5): a base model against variants, on common random
numbers; ``compare`` returns a ``Comparison`` whose ``.table`` has, per variant, adversary and
class, the base value, the variant's value and the difference with its interval."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import ModelError, quote
from ..model.lowering import adversary_indices, compile_model
from ..options import AnalysisOptions, OptionOverrides, Unpack, shown
from ..results import AnalysisResult, Provenance, warn_if_not_converged
from ._distributed import Spread, spread_of
from ._engines import converged, run_comparison
from ._requests import requested_adversaries, require_model, within
from .exposure import Result, provenance_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..changes import Change
    from ..model import Model

__all__ = ["Comparison", "compare", "compare_models", "total_risk_differences"]

Differences = dict[str, npt.NDArray[np.float64]]


def _as_model(base: Model, variant: Model | Sequence[Change], position: int) -> Model:
    from ..model import Model

    if isinstance(variant, Model):
        return variant
    if isinstance(variant, (list, tuple)):
        try:
            return base.apply(variant)
        except ModelError as error:
            raise within(error, f"variants[{position}]") from None  # which variant's changes
    raise ModelError(f"expected a Model or a list of changes, got {shown(variant)}", where=f"variants[{position}]")


def _labels(base: Model, models: list[Model], variants: Sequence[Any], names: Sequence[str] | None) -> list[str]:
    """ "base" and one name per variant: given, the variant model's own name, or "variant i"."""
    if names is None:
        labels = ["base"] + [
            m.name if m.name and m.name != base.name and isinstance(v, type(base)) else f"variant {i + 1}"
            for i, (m, v) in enumerate(zip(models[1:], variants))
        ]
    elif isinstance(names, str) or len(names) != len(variants):
        raise ModelError(f"give one name per variant ({len(variants)})", where="names")
    else:
        labels = ["base", *names]
    for position, label in enumerate(labels[1:]):
        if not isinstance(label, str):
            raise ModelError(f"a variant name must be text, got {shown(label)}", where=f"names[{position}]")
        if label in labels[1 : position + 1]:
            raise ModelError(f"variant names must differ: {quote(label)} is given twice", where=f"names[{position}]")
    return labels


def compare(
    base: Model,
    *variants: Model | Sequence[Change],
    names: Sequence[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    options: AnalysisOptions | None = None,
    executor: Any = None,
    tasks: int | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Comparison:
    """Exposure of ``base`` and of each variant, and the differences with intervals.

    A variant is a Model or a list of changes applied to ``base``. Every model is evaluated
    on the same random worlds (common random numbers: an arc or event the models share is in
    the same state in the same world), so the interval of a difference is far narrower than
    the intervals of the two values; with ``method="exact"`` (or "auto" on small models)
    differences are exact. ``tolerance`` samples until every probability difference is known
    to within it, or ``max_samples`` worlds are drawn (then ``ToleranceNotMet`` is warned and
    ``provenance.converged`` is False). The models must have the same classes, in the same
    order; an adversary listed twice is an error.

    ``executor`` and ``tasks`` spread the worlds of a Monte Carlo comparison over a Dask
    ``distributed.Client`` or any ``concurrent.futures.Executor``, as in ``analyze``: the same
    numbers as a serial run with the same seed.
    """
    spread = spread_of(executor, tasks)
    settings = AnalysisOptions.resolve(options, **overrides)
    comparison = compare_models(base, variants, names, adversaries, settings, spread=spread)
    warn_if_not_converged(comparison)
    return comparison


def compare_models(
    base: Model,
    variants: Sequence[Model | Sequence[Change]],
    names: Sequence[str] | None,
    adversaries: str | Iterable[str] | None,
    options: AnalysisOptions,
    *,
    spread: Spread | None = None,
) -> Comparison:
    """``compare`` with resolved options and without the warning (a sweep warns once for all
    its variants); ``spread``: the executor to sample on."""
    settings = options.seeded()
    require_model(base, "base")
    if not variants:
        raise ModelError("give at least one variant to compare with the base", where="variants")
    models = [base] + [_as_model(base, v, i) for i, v in enumerate(variants)]
    labels = _labels(base, models, variants, names)
    for i, model in enumerate(models[1:]):
        if list(model.class_ids) != list(base.class_ids):
            raise ModelError("a variant must have the base's classes in the same order", where=f"variants[{i}]")

    ids, _ = requested_adversaries(base, adversaries)
    rows = [adversary_indices(m, ids)[1] for m in models]
    graphs = [compile_model(m, settings.at) for m in models]
    tables, paired, run = run_comparison(graphs, ids, rows, settings, spread=spread, models=models)
    results = [
        Result(
            m,
            ids,
            t,
            provenance_of("analyze", run, settings, converged(run.method, settings.tolerance, t.ci_low, t.ci_high)),
        )
        for m, t in zip(models, tables)
    ]
    if paired is None:  # exact: the differences of exact values are exact, intervals of width 0
        paired = {}
        for score in ("probability", "expected_share"):
            difference = np.stack([r.matrix(score) - results[0].matrix(score) for r in results[1:]])
            for suffix in ("", "_ci_low", "_ci_high"):
                paired[f"{score}_difference{suffix}"] = difference
    met = converged(
        run.method,
        settings.tolerance,
        paired["probability_difference_ci_low"],
        paired["probability_difference_ci_high"],
    )
    return Comparison(labels, results, paired, provenance_of("compare", run, settings, met))


def total_risk_differences(table: pd.DataFrame) -> pd.DataFrame:
    """Per variant and adversary: ``base_total_risk``, ``total_risk`` and
    ``total_risk_difference``, from a table with variant, adversary, base_risk and risk."""
    totals = (
        table.groupby(["variant", "adversary"], sort=False)[["base_risk", "risk"]]
        .sum()
        .rename(columns={"base_risk": "base_total_risk", "risk": "total_risk"})
        .reset_index()
    )
    totals["total_risk_difference"] = totals["total_risk"] - totals["base_total_risk"]
    result: pd.DataFrame = totals
    return result


class Comparison(AnalysisResult):
    """The outcome of ``compare``: ``table`` has per variant, adversary and class the base
    value (``base_<score>``), the variant's value and the difference
    (``<score>_difference`` with ``_ci_low`` / ``_ci_high``) for probability, records and
    risk; ``total_risk`` the change in total risk; ``results`` each model's full ``Result``
    (base first) and ``names`` their labels."""

    analysis: ClassVar[str] = "compare"
    extra_tables = ("total_risk",)

    def __init__(
        self, names: list[str], results: list[Result], differences: Differences, provenance: Provenance
    ) -> None:
        self.names = names
        self.results = results
        self._differences = differences
        super().__init__(self._build_table(), provenance, model=results[0].name)

    @property
    def base(self) -> Result:
        return self.results[0]

    def _build_table(self) -> pd.DataFrame:
        base = self.base.exposure
        n_adv = len(self.base.adversaries)
        records = np.tile(self.base._records, n_adv)
        risk_weight = records * np.tile(self.base._sensitivity, n_adv)
        d = self._differences
        frames = []
        for i, (name, result) in enumerate(zip(self.names[1:], self.results[1:])):
            mine = result.exposure
            share = d["expected_share_difference"][i].ravel()
            frame = base[["adversary", "class"]].copy()
            frame.insert(0, "variant", name)
            frame["base_probability"] = base["probability"]
            frame["probability"] = mine["probability"]
            frame["probability_difference"] = d["probability_difference"][i].ravel()
            frame["probability_difference_ci_low"] = d["probability_difference_ci_low"][i].ravel()
            frame["probability_difference_ci_high"] = d["probability_difference_ci_high"][i].ravel()
            frame["base_expected_records"] = base["expected_records"]
            frame["expected_records"] = mine["expected_records"]
            frame["records_difference"] = share * records
            frame["base_risk"] = base["risk"]
            frame["risk"] = mine["risk"]
            frame["risk_difference"] = share * risk_weight
            frame["risk_difference_ci_low"] = d["expected_share_difference_ci_low"][i].ravel() * risk_weight
            frame["risk_difference_ci_high"] = d["expected_share_difference_ci_high"][i].ravel() * risk_weight
            frames.append(frame)
        table: pd.DataFrame = pd.concat(frames, ignore_index=True)
        return table

    @property
    def total_risk(self) -> pd.DataFrame:
        """Per variant and adversary: variant, adversary, base_total_risk, total_risk,
        total_risk_difference."""
        return total_risk_differences(self.table)

    def plot(
        self,
        ax: Axes | None = None,
        *,
        classes: str | Iterable[str] | None = None,
        variants: str | Iterable[str] | None = None,
        adversaries: str | Iterable[str] | None = None,
        top: int | None = 25,
    ) -> Axes:
        """A diverging bar chart of the change in exposure probability each variant makes,
        per class, in percentage points around a zero line, with the paired 95 % intervals
        of Monte Carlo as whiskers (docs/design.md §5b); returns the matplotlib Axes.

        ``classes``, ``variants`` and ``adversaries`` narrow what is drawn; ``top`` caps
        the classes at the ``top`` changed most (None: all), and the title says so. Draws
        on ``ax`` when given, else on a new figure; needs matplotlib (``pip install
        'datareach[plot]'``)."""
        from ..plot.comparison import plot_comparison

        return plot_comparison(self, ax, classes=classes, variants=variants, adversaries=adversaries, top=top)

    def summary(self) -> pd.DataFrame:
        """The columns one reads first, one row per variant, adversary and class: the base's
        and the variant's probability, the difference with its interval as text
        (``-0.9513 [-0.9530, -0.9497]``) and the risk difference (``-428,242,586``). ``print(comparison)``
        shows it; ``.table`` has every column."""
        table = self.table
        differences = [
            f"{d:+.4f}" if low == high else f"{d:+.4f} [{low:+.4f}, {high:+.4f}]"
            for d, low, high in table[
                ["probability_difference", "probability_difference_ci_low", "probability_difference_ci_high"]
            ].itertuples(index=False)
        ]
        shown: pd.DataFrame = table[["variant", "adversary", "class", "base_probability", "probability"]].copy()
        shown["probability_difference"] = differences
        shown["risk_difference"] = [f"{r:+,.0f}" for r in table["risk_difference"]]
        return shown

    def __str__(self) -> str:
        lines = [
            self._title(),
            self.summary().to_string(index=False, float_format=lambda x: f"{x:.4f}"),
            "",
            "total risk:",
            self.total_risk.to_string(index=False, float_format=lambda x: f"{x:,.0f}"),
            "(every column: .table)",
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Comparison of {self.names[0]!r} with {len(self.names) - 1} variant(s) ({self.provenance.describe()})>"
