"""The charts of the explanations (docs/design.md §5a, §5b): importance of each random
variable, the tornado of the ranges, the spread of ``uncertainty`` and the steps of a
``cheapest_reduction``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..options import shown
from ._bars import Series, grouped_barh, value_labels
from ._style import (
    axes,
    capped,
    check_top,
    detail,
    footer,
    label_of,
    percent_formatter,
    percent_scale,
    points_formatter,
    points_text,
    title,
    when_text,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._shapes import ImportanceShape, ReductionShape, TornadoShape, UncertaintyShape

__all__ = [
    "BASE_LINE",
    "QUANTILE_LINE",
    "TARGET_LINE",
    "plot_importance",
    "plot_reduction",
    "plot_tornado",
    "plot_uncertainty",
]

BASE_LINE = "at the assumed values"
QUANTILE_LINE = "5 % and 95 % quantiles"
TARGET_LINE = "target"


def _unique(labels: list[str], entries: list[str]) -> list[str]:
    """Labels as given, with the entry added to those two rows share (two arcs between the
    same nodes)."""
    counts = pd.Series(labels).value_counts()
    return [f"{label} [{entry}]" if counts[label] > 1 else label for label, entry in zip(labels, entries)]


def variable_label(row: Any) -> str:
    """How a chart names a variable of an importance or tornado table: ``from → to`` for an
    arc, ``from → to (rule)`` for a jurisdiction's rule arc, ``event id`` for an event,
    ``node's rule`` for a jurisdiction's range."""
    kind = row["kind"]
    if kind == "event":
        return f"event {row['event']}"
    if kind == "jurisdiction":
        return f"{row['node']}'s rule (compels)"
    if kind == "compels":
        return f"{row['from']} → {row['to']} (rule)"
    return f"{row['from']} → {row['to']}"


def plot_importance(result: ImportanceShape, ax: Axes | None = None, *, top: int | None = 15) -> Axes:
    """See ``Importance.plot``."""
    limit = check_top(top)
    table = result.table[result.table["importance"].notna()]  # a variable never seen down has no estimate
    shown_rows = table if limit is None else table.head(limit)
    target = axes(ax, (9.0, 1.8 + 0.4 * max(len(shown_rows), 1)))
    labels = _unique([variable_label(row) for _, row in shown_rows.iterrows()], list(shown_rows["entry"]))
    series = Series(
        label="importance",
        values=shown_rows["importance"].to_numpy(dtype=float) * 100,
        low=shown_rows["importance_low"].to_numpy(dtype=float) * 100,
        high=shown_rows["importance_high"].to_numpy(dtype=float) * 100,
    )
    bars = grouped_barh(target, labels, [series])
    value_labels(target, bars[0], series.values, signed=True)
    reach = float(np.nanmax(np.r_[series.values, series.high], initial=0.0))
    target.set_xlim(0, max(reach, 1.0) * 1.3)
    target.xaxis.set_major_formatter(points_formatter())
    target.grid(axis="x", color="0.9", linewidth=0.8)
    target.set_axisbelow(True)
    target.set_xlabel("importance: exposure if it holds minus exposure if it fails (percentage points)")
    headline = (
        f"What drives the exposure of {label_of(result.data_class)} to {result.adversary} "
        f"({result.exposure:.1%}){capped(len(table), limit, 'variables')}"
    )
    title(target, headline, detail(when_text(result.provenance.at), result.provenance))
    if not len(shown_rows):
        _empty(target, "no random variable on a possible path: nothing to rank")
    footer(target, result.name)
    return target


def plot_tornado(result: TornadoShape, ax: Axes | None = None, *, top: int | None = 15) -> Axes:
    """See ``Tornado.plot``."""
    limit = check_top(top)
    table = result.table if limit is None else result.table.head(limit)
    target = axes(ax, (9.0, 1.8 + 0.4 * max(len(table), 1)))
    labels = _unique(
        [f"{variable_label(row)}  [{row['low']:g} to {row['high']:g}]" for _, row in table.iterrows()],
        list(table["entry"]),
    )
    low = table["exposure_low"].to_numpy(dtype=float) * 100
    high = table["exposure_high"].to_numpy(dtype=float) * 100
    positions = np.arange(len(table), dtype=float)
    target.barh(positions, high - low, left=low, height=0.6, color="tab:orange", label="exposure over the range")
    if result.provenance.method == "monte_carlo" and len(table):
        for end in ("exposure_low", "exposure_high"):
            value = table[end].to_numpy(dtype=float) * 100
            error = np.vstack(
                [
                    np.clip(value - table[f"{end}_ci_low"].to_numpy(dtype=float) * 100, 0, None),
                    np.clip(table[f"{end}_ci_high"].to_numpy(dtype=float) * 100 - value, 0, None),
                ]
            )
            target.errorbar(value, positions, xerr=error, fmt="none", ecolor="0.2", capsize=2.5, elinewidth=0.9)
    for position, (right, swing) in enumerate(zip(high, table["swing"].to_numpy(dtype=float) * 100)):
        target.annotate(
            f"swing {points_text(swing, 1)}",
            (right, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="x-small",
            color="0.25",
        )
    base = result.base * 100
    target.axvline(base, color="black", linewidth=1.2, label=f"{BASE_LINE}: {base:.1f}%")
    target.set_yticks(positions, labels)
    target.set_ylim(max(len(table), 1) - 0.5, -0.5)
    ends = np.r_[low, high, base]
    spread = max(float(ends.max() - ends.min()), 2.0)
    target.set_xlim(
        max(0.0, float(ends.min()) - spread * 0.15), min(100.0, float(ends.max()) + spread * 0.15) + spread * 0.2
    )
    target.xaxis.set_major_formatter(percent_formatter())
    target.grid(axis="x", color="0.9", linewidth=0.8)
    target.set_axisbelow(True)
    target.set_xlabel(f"probability that {result.adversary} can reach {label_of(result.data_class)}, over each range")
    # Bottom left: the smallest swings are drawn last, so that corner is the emptiest.
    if len(table):
        target.legend(fontsize="small", loc="lower left")
    headline = (
        f"Which assumption moves the exposure of {label_of(result.data_class)} to {result.adversary} most"
        f"{capped(len(result.table), limit, 'ranges')}"
    )
    title(target, headline, detail(when_text(result.provenance.at), result.provenance))
    if not len(table):
        _empty(target, "the model has no ranges at this date")
    footer(target, result.name)
    return target


def plot_uncertainty(result: UncertaintyShape, ax: Axes | None = None, *, bins: int = 30) -> Axes:
    """See ``Uncertainty.plot``."""
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 1_000:
        raise ModelError(f"expected a whole number of bins from 1 to 1,000, got {shown(bins)}", where="bins")
    target = axes(ax, (9.0, 4.5))
    values = result.exposure * 100
    target.hist(values, bins=bins, color="tab:blue", alpha=0.75, edgecolor="white", label="exposure of each draw")
    target.axvline(result.base * 100, color="black", linewidth=1.4, label=f"{BASE_LINE}: {result.base:.1%}")
    q05, q95 = np.quantile(values, [0.05, 0.95])
    target.axvline(
        q05, color="tab:red", linestyle="--", linewidth=1.0, label=f"{QUANTILE_LINE}: {q05:.1f}% to {q95:.1f}%"
    )
    target.axvline(q95, color="tab:red", linestyle="--", linewidth=1.0, label="_nolegend_")
    target.xaxis.set_major_formatter(percent_formatter())
    target.set_xlabel(
        f"probability that {result.adversary} can reach {label_of(result.data_class)} "
        "(every range drawn at once, uniformly)"
    )
    target.set_ylabel("number of draws")
    target.legend(fontsize="small", loc="upper left")
    headline = (
        f"How uncertain the exposure of {label_of(result.data_class)} to {result.adversary} is: "
        f"{len(values):,} draws of {len(result.variables)} ranges"
    )
    title(target, headline, detail(when_text(result.provenance.at), result.provenance))
    footer(target, result.name)
    return target


def plot_reduction(result: ReductionShape, ax: Axes | None = None) -> Axes:
    """See ``Reduction.plot``."""
    table = result.table
    target = axes(ax, (9.0, 4.8))
    labels = ["now"] + [
        f"{step}. revoke {frm} → {to}" for step, frm, to in zip(table["step"], table["from"], table["to"])
    ]
    values = np.r_[result.base_exposure, table["exposure_after"].to_numpy(dtype=float)] * 100
    low = np.r_[result.base_exposure, table["exposure_low"].to_numpy(dtype=float)] * 100
    high = np.r_[result.base_exposure, table["exposure_high"].to_numpy(dtype=float)] * 100
    positions = np.arange(len(values), dtype=float)
    error = None
    if np.nanmax(high - low, initial=0.0) > 0:
        error = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
    bars = target.bar(
        positions,
        values,
        width=0.6,
        color=["tab:gray"] + ["tab:green"] * len(table),
        yerr=error,
        error_kw={"ecolor": "0.2", "capsize": 3, "elinewidth": 0.9},
    )
    target.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=3, fontsize="x-small", color="0.25")
    target.axhline(
        result.target * 100, color="tab:red", linestyle="--", linewidth=1.0, label=f"{TARGET_LINE}: {result.target:.1%}"
    )
    target.set_xticks(positions, labels, rotation=20, ha="right", fontsize="small")
    percent_scale(target, "y", labelled=True)
    whom = (
        f"{result.adversary} can reach {label_of(result.data_class)}" if result.data_class else "the class is reached"
    )
    target.set_ylabel(f"probability that {whom}")
    target.set_xlabel(f"revokes in the order applied (total cost {result.cost:g})")
    target.legend(fontsize="small", loc="upper right")
    verdict = "target met" if result.met else "target NOT met"
    headline = f"Bringing the exposure down: {len(table)} revokes, {verdict} (a heuristic)"
    title(target, headline, detail(when_text(result.provenance.at), result.provenance))
    footer(target, result.name)
    return target


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="0.4")
