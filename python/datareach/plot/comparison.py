"""The chart of a ``compare`` result (docs/design.md §5b): per class, how much each variant
changes the exposure probability against the base, in percentage points, as bars diverging
from a zero line, with the paired 95 % intervals of Monte Carlo as whiskers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ._bars import Series, grouped_barh, value_labels
from ._style import (
    axes,
    capped,
    check_top,
    detail,
    footer,
    label_of,
    legend_outside,
    points_formatter,
    select,
    title,
    when_text,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._shapes import ComparisonShape

__all__ = ["plot_comparison"]


def plot_comparison(
    comparison: ComparisonShape,
    ax: Axes | None = None,
    *,
    classes: str | Iterable[str] | None = None,
    variants: str | Iterable[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    top: int | None = 25,
) -> Axes:
    """See ``Comparison.plot``."""
    shown_classes = select(classes, comparison.base.classes, "classes")
    shown_variants = select(variants, comparison.names[1:], "variants")
    shown_adversaries = select(adversaries, comparison.base.adversaries, "adversaries")
    limit = check_top(top)
    table = comparison.table
    table = table[
        table["class"].isin(shown_classes)
        & table["variant"].isin(shown_variants)
        & table["adversary"].isin(shown_adversaries)
    ]
    # The classes a variant changes most come first when the chart cannot show them all.
    largest = table.assign(size=table["probability_difference"].abs()).groupby("class")["size"].max()
    kept = shown_classes
    if limit is not None and len(kept) > limit:
        chosen = set(sorted(kept, key=lambda c: -float(largest.get(c, 0.0)))[:limit])
        kept = [c for c in shown_classes if c in chosen]
    target = axes(ax, (9.0, 1.8 + 0.45 * max(len(kept), 1) * max(1.0, len(shown_variants) / 2)))

    series = []
    for variant in shown_variants:
        for adversary in shown_adversaries:
            rows = table[(table["variant"] == variant) & (table["adversary"] == adversary)]
            rows = rows.set_index("class").reindex(kept)
            label = variant if len(shown_adversaries) == 1 else f"{variant} — {adversary}"
            series.append(
                Series(
                    label=label,
                    values=rows["probability_difference"].to_numpy(dtype=float) * 100,
                    low=rows["probability_difference_ci_low"].to_numpy(dtype=float) * 100,
                    high=rows["probability_difference_ci_high"].to_numpy(dtype=float) * 100,
                )
            )
    bars = grouped_barh(target, [label_of(c) for c in kept], series)
    target.axvline(0.0, color="black", linewidth=1.0, zorder=3)
    reach = max([5.0] + [float(np.nanmax(np.abs(np.r_[s.low, s.high, s.values]), initial=0.0)) for s in series])
    room = 1.35 if len(series) == 1 else 1.1  # room for the value written beside a bar
    target.set_xlim(-reach * room, reach * room)
    target.xaxis.set_major_formatter(points_formatter())
    target.grid(axis="x", color="0.9", linewidth=0.8)
    target.set_axisbelow(True)
    if len(series) == 1:
        value_labels(target, bars[0], series[0].values, signed=True)
    else:
        legend_outside(target, "variant")
    whom = ", ".join(shown_adversaries)
    target.set_xlabel(
        f"change in the probability that {whom} can reach the class, against {comparison.names[0]} "
        "(percentage points; below 0: lower)"
    )
    headline = f"What each variant changes in the exposure to {whom}{capped(len(shown_classes), limit, 'classes')}"
    if len(shown_variants) == 1:
        headline = f"What {shown_variants[0]!s} changes in the exposure to {whom}{capped(len(shown_classes), limit, 'classes')}"
    title(target, headline, detail(when_text(comparison.provenance.at), comparison.provenance))
    footer(target, comparison.name)
    return target
