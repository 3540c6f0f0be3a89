"""How a report writes numbers, in its sentences and tables alike (so a sentence quotes
exactly what its table shows): probabilities as percentages with as many decimals as it takes
to tell them from 0 % and 100 %, differences in percentage points, records and risk with
thousands separators or, in sentences, in millions and billions."""

from __future__ import annotations

import math

__all__ = ["amount", "interval", "percent", "points", "points_interval", "probability", "short_amount"]

_MAX_DECIMALS = 4


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: float) -> str:
    """A probability as a percentage: ``99.6%``; more decimals where one would round a value
    strictly between 0 and 1 to ``0.0%`` or ``100.0%`` (``99.99%``); ``0%`` and ``100%`` only for
    exactly 0 and 1."""
    if _missing(value):
        return ""
    if value == 0:
        return "0%"
    if value == 1:
        return "100%"
    for decimals in range(1, _MAX_DECIMALS + 1):
        text = f"{100 * value:.{decimals}f}"
        if float(text) not in (0.0, 100.0):
            return f"{_trimmed(text)}%"
    return f"<{10**-_MAX_DECIMALS}%" if value < 0.5 else f">{100 - 10**-_MAX_DECIMALS}%"


def _trimmed(text: str) -> str:
    """``90.0`` → ``90``: a decimal that says nothing is left out."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def points(value: float) -> str:
    """A difference of probabilities in percentage points: ``−95.1 points``; ``0 points`` when
    exactly 0."""
    if _missing(value):
        return ""
    if value == 0:
        return "0 points"
    for decimals in range(1, _MAX_DECIMALS + 1):
        text = f"{100 * abs(value):.{decimals}f}"
        if float(text) != 0.0:
            break
    sign = "−" if value < 0 else "+"
    return f"{sign}{_trimmed(text)} points"


def interval(low: float, high: float) -> str:
    """``99.5–99.7%``, or ``exact`` for an interval of width 0."""
    if low == high:
        return "exact"
    return f"{percent(low)}–{percent(high)}"


def points_interval(low: float, high: float) -> str:
    """``−95.3 to −94.9 points``, or ``exact``."""
    if low == high:
        return "exact"
    return f"{points(low).removesuffix(' points')} to {points(high)}"


def probability(value: float) -> str:
    """A probability as a decimal with four places, as the command line writes it."""
    return "" if _missing(value) else f"{value:.4f}"


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
