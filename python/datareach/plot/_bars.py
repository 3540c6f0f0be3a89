"""Grouped horizontal bars with optional interval whiskers: the shape of the exposure,
comparison and importance charts. Categories (classes, stores, variables) run down the y
axis, top first, so long names stay readable; each series (adversary, class, variant) has
one bar per category, in its own colour."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..narrative import percent
from ._style import colour, points_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer

__all__ = ["Series", "grouped_barh"]

FloatArray = npt.NDArray[np.float64]

# The share of a category's row the bars of its group fill.
_GROUP = 0.8


@dataclasses.dataclass
class Series:
    """One bar per category: its value (in the chart's units), optionally its interval
    (``low`` ≤ value ≤ ``high``, same units) and where the bar starts (``left``, default 0)."""

    label: str
    values: FloatArray
    low: FloatArray | None = None
    high: FloatArray | None = None
    left: FloatArray | None = None


def has_width(series: Sequence[Series]) -> bool:
    """Whether any interval has a width: exact results have none, and whiskers of no length
    would only clutter the chart."""
    for one in series:
        if one.low is not None and one.high is not None and np.nanmax(one.high - one.low, initial=0.0) > 0:
            return True
    return False


def grouped_barh(ax: Axes, categories: Sequence[str], series: Sequence[Series]) -> list[BarContainer]:
    """Draw the bars; the y ticks are the categories, the first at the top. Intervals are
    drawn as whiskers when any has a width; NaN values draw no bar."""
    positions = np.arange(len(categories), dtype=float)
    height = _GROUP / max(len(series), 1)
    whiskers = has_width(series)
    drawn = []
    for k, one in enumerate(series):
        offsets = positions - _GROUP / 2 + height * (k + 0.5)
        left = np.zeros_like(one.values) if one.left is None else one.left
        error = None
        if whiskers and one.low is not None and one.high is not None:
            # An interval always holds its estimate; clip rounding so matplotlib gets no
            # negative whisker.
            error = np.vstack([np.clip(one.values - one.low, 0.0, None), np.clip(one.high - one.values, 0.0, None)])
        bars = ax.barh(
            offsets,
            one.values,
            height=height * 0.92,
            left=left,
            color=colour(k),
            label=one.label,
            xerr=error,
            error_kw={"ecolor": "0.2", "capsize": 2.5, "elinewidth": 0.9},
        )
        drawn.append(bars)
    ax.set_yticks(positions, list(categories))
    ax.set_ylim(max(len(categories), 1) - 0.5, -0.5)  # the first category at the top; one row when empty
    return drawn


def value_labels(ax: Axes, bars: BarContainer, values: FloatArray, *, signed: bool = False) -> None:
    """Each bar's value written beside its end: ``99.6%`` as sentences write it (a probability
    below 1 never as ``100.0%``: ``99.999%``), or signed percentage points (``−95.1 pts``,
    ``+2.0 pts``, ``0 pts``) for a difference; NaN bars get none."""
    texts = ["" if np.isnan(v) else (points_text(v, 1) if signed else percent(v / 100)) for v in values]
    ax.bar_label(bars, labels=texts, padding=4, fontsize="x-small", color="0.25")
