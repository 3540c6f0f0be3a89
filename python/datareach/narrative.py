"""Numbers in words, for the sentences of the demo and of reports: percentages that never
round a probability into certainty, lists joined with "and", paths written out, and the
stores that explain why a class stays exposed.

Every function here formats numbers that an analysis computed; none computes a number of
its own beyond choosing and ordering what to mention.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

import pandas as pd


# What the functions read of a path and of an exposure result (``analysis.Path``,
# ``analysis.Result``), as protocols: the analyses' charts use this module, so importing the
# analysis package here, even for types, would close an import cycle.
class _Path(Protocol):
    @property
    def nodes(self) -> Sequence[str]: ...
    @property
    def probability(self) -> float: ...


class _Exposure(Protocol):
    @property
    def by_store(self) -> pd.DataFrame: ...


__all__ = [
    "class_name",
    "joined",
    "path_text",
    "percent",
    "percent_interval",
    "percent_points",
    "points_interval",
    "stores_reached",
]

# The most decimals a percentage gets: enough to tell 99.999 % from 100 %.
_MOST_DECIMALS = 4


def percent(p: float) -> str:
    """A probability as a percentage with one decimal (``99.6%``, ``4.5%``), more where one
    decimal would show a probability that is not 0 or 1 as ``0.0%`` or ``100.0%``
    (``99.99%``), and ``>99.9999%`` / ``<0.0001%`` beyond that: a probability that is not 1
    is never shown as certain. Exactly 0 and 1 are ``0%`` and ``100%``; NaN is ``n/a``."""
    if math.isnan(p):
        return "n/a"
    if p in (0.0, 1.0):
        return f"{p * 100:.0f}%"
    for decimals in range(1, _MOST_DECIMALS + 1):
        shown = round(p * 100, decimals)
        if shown not in (0.0, 100.0):
            return f"{shown:.{decimals}f}%"
    smallest = f"{10.0**-_MOST_DECIMALS:.{_MOST_DECIMALS}f}"
    return f"<{smallest}%" if p < 0.5 else f">{100 - 10.0**-_MOST_DECIMALS:.{_MOST_DECIMALS}f}%"


def percent_points(difference: float) -> str:
    """A difference of probabilities in percentage points, signed: ``−95.1 points``."""
    if math.isnan(difference):
        return "n/a"
    if difference == 0:
        return "0 points"
    sign = "−" if difference < 0 else "+"
    return f"{sign}{percent(abs(difference)).removesuffix('%')} points"


def percent_interval(low: float, high: float) -> str:
    """``[4.3%, 4.7%]``: an interval of probabilities."""
    return f"[{percent(low)}, {percent(high)}]"


def points_interval(low: float, high: float) -> str:
    """``[−95.3, −94.9]``: an interval of differences in percentage points, signed."""

    def shown(value: float) -> str:
        return percent_points(value).removesuffix(" points")

    return f"[{shown(low)}, {shown(high)}]"


def class_name(data_class: str) -> str:
    """A class id as words: ``phone_numbers`` → ``phone numbers``."""
    return data_class.replace("_", " ")


def joined(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = list(items)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def path_text(path: _Path) -> str:
    """``CN → beijing_master_admin → tiktok_virginia (90%)``."""
    return f"{' → '.join(path.nodes)} ({percent(path.probability)})"


def stores_reached(result: _Exposure, adversary: str, data_class: str, *, at_least: float = 0.0) -> list[str]:
    """The stores holding an atomic class that the adversary reaches with a probability
    above ``at_least``, most likely first (ties in the table's order)."""
    table: pd.DataFrame = result.by_store
    rows = table[(table["adversary"] == adversary) & (table["class"] == data_class)]
    rows = rows[rows["probability"] > at_least]
    ordered = rows.sort_values("probability", ascending=False, kind="stable")
    return [str(store) for store in ordered["store"]]


def new_and_remaining(before: Sequence[str], after: Sequence[str]) -> tuple[list[str], list[str]]:
    """Of the stores in ``after``: those not in ``before`` (new) and those in both (remaining)."""
    earlier = set(before)
    return [s for s in after if s not in earlier], [s for s in after if s in earlier]
