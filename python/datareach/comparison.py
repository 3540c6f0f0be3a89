"""What-if comparisons (DESIGN 5): a base model against variants, on common random numbers."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .model.lowering import adversary_indices, compile_model
from .errors import ModelError
from .exposure import METHODS, Result, _check_int, engine_progress, exact_table, fresh_seed, resolve_method

if TYPE_CHECKING:
    from .model import Model

__all__ = ["compare", "Comparison"]


def _as_model(base: Model, variant: Any, position: int) -> Model:
    from .model import Model

    if isinstance(variant, Model):
        return variant
    if isinstance(variant, (list, tuple)):
        return base.apply(variant)
    raise ModelError(
        f"expected a Model or a list of changes, got {type(variant).__name__}", where=f"variants[{position}]"
    )


def compare(
    base: Model,
    *variants: Model | Sequence[Any],
    names: Sequence[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    method: str = "auto",
    samples: int = 100_000,
    tolerance: float | None = None,
    seed: int | None = None,
    at: Any = None,
    threads: int | None = None,
    progress: Any = None,
) -> Comparison:
    """Exposure of ``base`` and of each variant, and the differences with intervals.

    A variant is a Model or a list of changes applied to ``base``. Every model is evaluated
    on the same random worlds (common random numbers: an arc or event the models share is in
    the same state in the same world), so the interval of a difference is far narrower than
    the intervals of the two values; with ``method="exact"`` (or "auto" on small models)
    differences are exact. ``tolerance`` stops sampling once every probability difference is
    known to within it. The models must have the same classes, in the same order.
    """
    from . import _core

    if not variants:
        raise ModelError("give at least one variant to compare with the base", where="variants")
    if method not in METHODS:
        raise ModelError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}", where="method")
    models = [base] + [_as_model(base, v, i) for i, v in enumerate(variants)]
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
    for i, model in enumerate(models[1:]):
        if list(model.class_ids) != list(base.class_ids):
            raise ModelError("a variant must have the base's classes in the same order", where=f"variants[{i}]")
    samples = _check_int(samples, "samples", 1)
    threads_arg = 0 if threads is None else _check_int(threads, "threads", 1)
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance > 0):
        raise ModelError(f"expected a number > 0, got {tolerance!r}", where="tolerance")
    seed = fresh_seed() if seed is None else _check_int(seed, "seed", 0)

    ids, _ = adversary_indices(base, adversaries)
    rows = [adversary_indices(m, ids)[1] for m in models]
    graphs = [compile_model(m, at) for m in models]
    method = resolve_method(method, list(zip(graphs, rows)))

    started = time.perf_counter()
    if method == "exact":
        tables = [exact_table(g, r) for g, r in zip(graphs, rows)]
        elapsed = time.perf_counter() - started
        results = [Result(m, ids, t, at=at, elapsed=elapsed, threads=threads_arg) for m, t in zip(models, tables)]
        differences = {
            score: np.stack([r.matrix(score) - results[0].matrix(score) for r in results[1:]])
            for score in ("probability", "expected_share")
        }
        intervals = {f"{score}_ci_{side}": differences[score] for score in differences for side in ("low", "high")}
        drawn = 0
    else:
        with engine_progress(progress) as callback:
            paired = _core.monte_carlo_compare(
                graphs, rows, samples=samples, seed=seed, tolerance=tolerance or 0.0,
                threads=threads_arg, places=True, progress=callback,
            )
        elapsed = time.perf_counter() - started
        results = [Result(m, ids, t, at=at, elapsed=elapsed, threads=threads_arg) for m, t in zip(models, paired.tables)]
        differences = {
            "probability": paired.probability_difference,
            "expected_share": paired.expected_share_difference,
        }
        intervals = {
            "probability_ci_low": paired.probability_difference_ci_low,
            "probability_ci_high": paired.probability_difference_ci_high,
            "expected_share_ci_low": paired.expected_share_difference_ci_low,
            "expected_share_ci_high": paired.expected_share_difference_ci_high,
        }
        drawn = int(paired.samples)
    return Comparison(labels, results, differences, intervals, method=method, samples=drawn,
                      seed=seed if method == "monte_carlo" else None, elapsed=elapsed, at=at)


class Comparison:
    """The outcome of ``compare``: per variant, adversary and class the base value, the
    variant's value, the difference and its interval (``table``); the change in total risk
    (``total_risk``); and each model's full ``Result`` (``results``, base first)."""

    def __init__(self, names: list[str], results: list[Result], differences: dict, intervals: dict, *,
                 method: str, samples: int, seed: int | None, elapsed: float, at: Any) -> None:
        self.names = names
        self.results = results
        self.method = method
        self.samples = samples
        self.seed = seed
        self.elapsed = elapsed
        self.at = None if at is None else str(at)
        self._differences = differences
        self._intervals = intervals

    @property
    def base(self) -> Result:
        return self.results[0]

    @property
    def table(self) -> pd.DataFrame:
        base = self.base.exposure
        records = np.tile(self.base._records, len(self.base.adversaries))
        risk_weight = records * np.tile(self.base._sensitivity, len(self.base.adversaries))
        frames = []
        for i, (name, result) in enumerate(zip(self.names[1:], self.results[1:])):
            mine = result.exposure
            frame = base[["adversary", "class"]].copy()
            frame.insert(0, "variant", name)
            frame["base_probability"] = base["probability"]
            frame["probability"] = mine["probability"]
            frame["difference"] = self._differences["probability"][i].ravel()
            frame["difference_ci_low"] = self._intervals["probability_ci_low"][i].ravel()
            frame["difference_ci_high"] = self._intervals["probability_ci_high"][i].ravel()
            frame["base_expected_records"] = base["expected_records"]
            frame["expected_records"] = mine["expected_records"]
            share_difference = self._differences["expected_share"][i].ravel()
            frame["records_difference"] = share_difference * records
            frame["base_risk"] = base["risk"]
            frame["risk"] = mine["risk"]
            frame["risk_difference"] = share_difference * risk_weight
            frame["risk_difference_ci_low"] = self._intervals["expected_share_ci_low"][i].ravel() * risk_weight
            frame["risk_difference_ci_high"] = self._intervals["expected_share_ci_high"][i].ravel() * risk_weight
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    @property
    def total_risk(self) -> pd.DataFrame:
        base = self.base.total_risk
        rows = []
        for name, result in zip(self.names[1:], self.results[1:]):
            for adversary, value in result.total_risk.items():
                rows.append({"variant": name, "adversary": adversary, "base_total_risk": base[adversary],
                             "total_risk": value, "difference": value - base[adversary]})
        return pd.DataFrame(rows)

    def _describe(self) -> str:
        how = "exact" if self.method == "exact" else f"Monte Carlo on common random numbers, {self.samples:,} worlds, seed {self.seed}"
        return how + (f", as of {self.at}" if self.at else "")

    def __repr__(self) -> str:
        return f"<Comparison of {self.names[0]!r} with {len(self.names) - 1} variant(s) ({self._describe()})>"

    def _repr_html_(self) -> str:
        table = self.table.to_html(index=False, float_format=lambda x: f"{x:.4g}")
        return f"<div><p><b>Comparison</b> ({html.escape(self._describe())})</p>{table}</div>"
