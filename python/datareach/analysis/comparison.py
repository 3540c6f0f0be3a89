"""What-if comparisons (docs/design.md §5): a base model against variants, on common random
numbers; ``compare`` returns a ``Comparison`` whose ``.table`` has, per variant, adversary and
class, the base value, the variant's value and the difference with its interval."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.lowering import adversary_indices, compile_model
from ..errors import ModelError
from ..options import AnalysisOptions, OptionOverrides, Unpack
from ..results import AnalysisResult, Provenance
from ._engines import run_comparison
from .exposure import Result, provenance_of

if TYPE_CHECKING:
    from ..changes import Change
    from ..model import Model

__all__ = ["Comparison", "compare", "total_risk_differences"]

Differences = dict[str, npt.NDArray[np.float64]]


def _as_model(base: Model, variant: Model | Sequence[Change], position: int) -> Model:
    from ..model import Model

    if isinstance(variant, Model):
        return variant
    if isinstance(variant, (list, tuple)):
        return base.apply(variant)
    raise ModelError(
        f"expected a Model or a list of changes, got {type(variant).__name__}", where=f"variants[{position}]"
    )


def _labels(base: Model, models: list[Model], variants: Sequence[Any], names: Sequence[str] | None) -> list[str]:
    """"base" and one name per variant: given, the variant model's own name, or "variant i"."""
    if names is None:
        labels = ["base"] + [
            m.name if m.name and m.name != base.name and isinstance(v, type(base)) else f"variant {i + 1}"
            for i, (m, v) in enumerate(zip(models[1:], variants))
        ]
    elif isinstance(names, str) or len(names) != len(variants):
        raise ModelError(f"give one name per variant ({len(variants)})", where="names")
    else:
        labels = ["base", *names]
    if len(set(labels[1:])) != len(labels) - 1:
        raise ModelError(f"variant names must differ: {labels[1:]}", where="names")
    return labels


def compare(
    base: Model,
    *variants: Model | Sequence[Change],
    names: Sequence[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Comparison:
    """Exposure of ``base`` and of each variant, and the differences with intervals.

    A variant is a Model or a list of changes applied to ``base``. Every model is evaluated
    on the same random worlds (common random numbers: an arc or event the models share is in
    the same state in the same world), so the interval of a difference is far narrower than
    the intervals of the two values; with ``method="exact"`` (or "auto" on small models)
    differences are exact. ``tolerance`` stops sampling once every probability difference is
    known to within it. The models must have the same classes, in the same order.
    """
    settings = AnalysisOptions.resolve(options, **overrides).seeded()
    if not variants:
        raise ModelError("give at least one variant to compare with the base", where="variants")
    models = [base] + [_as_model(base, v, i) for i, v in enumerate(variants)]
    labels = _labels(base, models, variants, names)
    for i, model in enumerate(models[1:]):
        if list(model.class_ids) != list(base.class_ids):
            raise ModelError("a variant must have the base's classes in the same order", where=f"variants[{i}]")

    ids, _ = adversary_indices(base, adversaries)
    rows = [adversary_indices(m, ids)[1] for m in models]
    graphs = [compile_model(m, settings.at) for m in models]
    tables, paired, run = run_comparison(graphs, rows, settings)
    provenance = provenance_of("compare", run, settings)
    results = [Result(m, ids, t, provenance_of("analyze", run, settings)) for m, t in zip(models, tables)]
    if paired is None:  # exact: the differences of exact values are exact, intervals of width 0
        paired = {}
        for score in ("probability", "expected_share"):
            difference = np.stack([r.matrix(score) - results[0].matrix(score) for r in results[1:]])
            for suffix in ("", "_ci_low", "_ci_high"):
                paired[f"{score}_difference{suffix}"] = difference
    return Comparison(labels, results, paired, provenance)


def total_risk_differences(table: pd.DataFrame) -> pd.DataFrame:
    """Per variant and adversary: ``base_total_risk``, ``total_risk`` and
    ``total_risk_difference``, from a table with variant, adversary, base_risk and risk."""
    totals = (
        table.groupby(["variant", "adversary"], sort=False)[["base_risk", "risk"]].sum()
        .rename(columns={"base_risk": "base_total_risk", "risk": "total_risk"})
        .reset_index()
    )
    totals["total_risk_difference"] = totals["total_risk"] - totals["base_total_risk"]
    return totals


class Comparison(AnalysisResult):
    """The outcome of ``compare``: ``table`` has per variant, adversary and class the base
    value (``base_<score>``), the variant's value and the difference
    (``<score>_difference`` with ``_ci_low`` / ``_ci_high``) for probability, records and
    risk; ``total_risk`` the change in total risk; ``results`` each model's full ``Result``
    (base first) and ``names`` their labels."""

    analysis: ClassVar[str] = "compare"
    extra_tables = ("total_risk",)

    def __init__(self, names: list[str], results: list[Result], differences: Differences, provenance: Provenance) -> None:
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
        return pd.concat(frames, ignore_index=True)

    @property
    def total_risk(self) -> pd.DataFrame:
        """Per variant and adversary: variant, adversary, base_total_risk, total_risk,
        total_risk_difference."""
        return total_risk_differences(self.table)

    def __repr__(self) -> str:
        return (f"<Comparison of {self.names[0]!r} with {len(self.names) - 1} variant(s) "
                f"({self.provenance.describe()})>")
