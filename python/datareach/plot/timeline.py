"""The chart of a ``timeline`` result (docs/design.md §5b): the exposure probability of each
class over the dates evaluated, in percent, drawn as steps (the value at a date holds until
the next date evaluated: the model is constant between its change dates, §8 decision 36),
with the 95 % intervals of Monte Carlo as bands and the model's own change dates as
vertical lines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._style import (
    axes,
    capped,
    check_flag,
    check_top,
    colour,
    detail,
    footer,
    label_of,
    legend_outside,
    percent_scale,
    select,
    title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._shapes import TimelineShape

__all__ = ["CHANGE_LINE", "plot_timeline"]

# The legend entry of the vertical lines.
CHANGE_LINE = "the model changes"


def plot_timeline(
    result: TimelineShape,
    ax: Axes | None = None,
    *,
    classes: str | Iterable[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    top: int | None = 10,
    change_dates: bool = True,
) -> Axes:
    """See ``Timeline.plot``."""
    table = result.table
    known_classes = list(dict.fromkeys(table["class"]))
    known_adversaries = list(dict.fromkeys(table["adversary"]))
    shown_classes = select(classes, known_classes, "classes")
    shown_adversaries = select(adversaries, known_adversaries, "adversaries")
    limit = check_top(top)
    mark_changes = check_flag(change_dates, "change_dates")
    target = axes(ax, (10.0, 5.0))

    curves = _curves(table, shown_classes, shown_adversaries)
    ranked = sorted(range(len(curves)), key=lambda k: -float(np.nanmax(curves[k][1], initial=0.0)))
    kept = sorted(ranked[:limit] if limit is not None else ranked)
    banded = any(np.nanmax(curves[k][3] - curves[k][2], initial=0.0) > 0 for k in kept)
    for position, k in enumerate(kept):
        label, values, low, high, dates = curves[k]
        # A marker at each date evaluated, so the last value (a step of no length) shows too.
        target.plot(
            dates,
            values,
            drawstyle="steps-post",
            marker="o",
            markersize=3,
            color=colour(position),
            linewidth=1.8,
            label=label,
        )
        if banded:
            target.fill_between(dates, low, high, step="post", color=colour(position), alpha=0.18, linewidth=0)
    if mark_changes:
        for n, day in enumerate(result.change_dates):
            target.axvline(
                pd.Timestamp(day),
                color="0.45",
                linestyle=":",
                linewidth=0.9,
                label=CHANGE_LINE if n == 0 else "_nolegend_",
                zorder=1,
            )
    percent_scale(target, "y")
    _date_axis(target)
    whom = ", ".join(shown_adversaries)
    target.set_ylabel(f"probability that {whom} can reach the class")
    target.set_xlabel("date (each value holds until the next date shown)")
    legend_outside(target, "class" if len(shown_adversaries) == 1 else "class (adversary)")
    evaluated = pd.to_datetime(table["date"])
    when = f"{evaluated.min().date()} to {evaluated.max().date()}, {evaluated.nunique()} dates"
    note = capped(len(curves), limit, "curves")
    title(target, f"Exposure to {whom} over time{note}", detail(when, result.provenance))
    footer(target, result.name)
    return target


Curve = tuple[str, "np.ndarray", "np.ndarray", "np.ndarray", "np.ndarray"]


def _curves(table: pd.DataFrame, classes: list[str], adversaries: list[str]) -> list[Curve]:
    """One curve per (adversary, class), in percent, by date; classes whose curves are
    identical (values and intervals at every date) share one line, labelled with all of
    their names, so that lines drawn over each other are not lost."""
    merged: dict[tuple[float, ...], list[str]] = {}
    found: dict[tuple[float, ...], Curve] = {}
    for adversary in adversaries:
        for data_class in classes:
            rows = table[(table["adversary"] == adversary) & (table["class"] == data_class)].sort_values("date")
            values = rows["probability"].to_numpy(dtype=float) * 100
            low = rows["ci_low"].to_numpy(dtype=float) * 100
            high = rows["ci_high"].to_numpy(dtype=float) * 100
            dates = pd.to_datetime(rows["date"]).to_numpy()
            key = (hash(adversary) if len(adversaries) > 1 else 0, *values, *low, *high)
            name = label_of(data_class) if len(adversaries) == 1 else f"{label_of(data_class)} ({adversary})"
            merged.setdefault(key, []).append(name)
            found.setdefault(key, ("", values, low, high, dates))
    return [(", ".join(merged[key]), *found[key][1:]) for key in found]


def _date_axis(ax: Axes) -> None:
    """Dates as a reader writes them, as few as fit."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
