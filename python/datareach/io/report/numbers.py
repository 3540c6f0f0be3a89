"""How a report's tables write numbers: probabilities as percentages (the sentences' own
format, :func:`datareach.narrative.percent`, so a sentence quotes what its table shows),
intervals, differences in percentage points, records and risk with thousands separators or, in
sentences, in millions and billions."""

from __future__ import annotations

import math

from ...narrative import percent, percent_points

__all__ = ["amount", "interval", "percent", "points", "points_range", "short_amount"]


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def points(value: float) -> str:
    """A difference of probabilities in percentage points: ``−95.1 points``."""
    return "" if _missing(value) else percent_points(value)


def interval(low: float, high: float) -> str:
    """``99.5–99.7%``, or ``exact`` for an interval of width 0."""
    if low == high:
        return "exact"
    return f"{percent(low)}–{percent(high)}"


def points_range(low: float, high: float) -> str:
    """``−95.3 to −94.9 points``, or ``exact``."""
    if low == high:
        return "exact"
    return f"{points(low).removesuffix(' points')} to {points(high)}"


def amount(value: float, decimals: int = 0) -> str:
    """Records or risk with thousands separators: ``149,445,000``."""
    if _missing(value):
        return ""
    return f"{value:,.{decimals}f}"


def short_amount(value: float) -> str:
    """A large amount for a sentence: ``3.45 billion``, ``760 million``, ``99,000``."""
    if _missing(value):
        return ""
    size = abs(value)
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if size >= scale:
            return f"{value / scale:.3g} {word}"
    return f"{value:,.0f}" if size >= 100 else f"{value:.3g}"
