"""The chart of an ``analyze`` result (docs/design.md §5b): exposure probability per class,
per store or per region, in percent, with the 95 % intervals of Monte Carlo as whiskers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ._bars import Series, grouped_barh, value_labels
from ._style import (
    axes,
    capped,
    check_choice,
    check_top,
    detail,
    footer,
    label_of,
    legend_outside,
    percent_scale,
    select,
    title,
    when_text,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._shapes import ExposureShape

__all__ = ["KINDS", "plot_result"]

KINDS = ("class", "store", "region")


def plot_result(
    result: ExposureShape,
    ax: Axes | None = None,
    *,
    kind: str = "class",
    classes: str | Iterable[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    top: int | None = 25,
) -> Axes:
    """See ``Result.plot``."""
    kind = check_choice(kind, KINDS, "kind")
    shown_classes = select(classes, result.classes, "classes")
    shown_adversaries = select(adversaries, result.adversaries, "adversaries")
    limit = check_top(top)
    target = axes(ax, (9.0, 1.6 + 0.45 * _rows(result, kind, shown_classes, limit)))
    whom = ", ".join(shown_adversaries)
    if kind == "class":
        table = result.table
        table = table[table["class"].isin(shown_classes) & table["adversary"].isin(shown_adversaries)]
        categories, series, note = _by_class(table, shown_classes, shown_adversaries, limit)
        headline = f"Exposure to {whom}, per class{note}"
        x_label = f"probability that {whom} can reach the class"
    else:
        places = result.by_store if kind == "store" else result.by_region
        places = places[places["class"].isin(shown_classes) & places["adversary"].isin(shown_adversaries)]
        categories, series, note = _by_place(places, kind, shown_classes, shown_adversaries, limit)
        headline = f"Exposure to {whom}, per {kind} holding the class{note}"
        x_label = f"probability that {whom} reaches a copy in the {kind}"
    bars = grouped_barh(target, categories, series)
    percent_scale(target, "x", labelled=len(series) == 1)
    if len(series) == 1:
        value_labels(target, bars[0], series[0].values)
    target.set_xlabel(x_label)
    if len(series) > 1:
        legend_outside(target, "adversary" if kind == "class" else "class")
    title(target, headline, detail(when_text(result.provenance.at), result.provenance))
    footer(target, result.name)
    return target


def _rows(result: ExposureShape, kind: str, classes: Sequence[str], top: int | None) -> int:
    """How many categories the chart will have, to size a new figure."""
    if kind == "class":
        count = len(classes)
    else:
        places = result.by_store if kind == "store" else result.by_region
        count = places[kind].nunique()
    return max(1, min(count, top) if top is not None else count)


def _series(
    table: pd.DataFrame, key: str, categories: Sequence[str], labels: Sequence[str], column: str
) -> list[Series]:
    """One series per value of ``column`` (adversaries or classes): its probabilities and
    intervals at each category, in percent (NaN where the table has no row)."""
    series = []
    for label in labels:
        rows = table[table[column] == label].set_index(key).reindex(list(categories))
        series.append(
            Series(
                label=label_of(label) if column == "class" else label,
                values=rows["probability"].to_numpy(dtype=float) * 100,
                low=rows["ci_low"].to_numpy(dtype=float) * 100,
                high=rows["ci_high"].to_numpy(dtype=float) * 100,
            )
        )
    return series


def _highest(table: pd.DataFrame, key: str, order: Sequence[str], top: int | None) -> tuple[list[str], int]:
    """The categories to show, in ``order``: all, or the ``top`` whose highest probability
    (over the series) is largest; with how many there were."""
    present = [c for c in order if c in set(table[key])]
    if top is None or len(present) <= top:
        return present, len(present)
    peak = table.groupby(key)["probability"].max()
    ranked = sorted(present, key=lambda c: -float(peak.get(c, 0.0)))
    kept = set(ranked[:top])
    return [c for c in present if c in kept], len(present)


def _by_class(
    table: pd.DataFrame, classes: Sequence[str], adversaries: Sequence[str], top: int | None
) -> tuple[list[str], list[Series], str]:
    kept, count = _highest(table, "class", classes, top)
    series = _series(table, "class", kept, adversaries, "adversary")
    return [label_of(c) for c in kept], series, capped(count, top, "classes")


def _by_place(
    places: pd.DataFrame, kind: str, classes: Sequence[str], adversaries: Sequence[str], top: int | None
) -> tuple[list[str], list[Series], str]:
    """Categories are the places (with their region, for stores); with several adversaries
    a place appears once per adversary. Series are the classes."""
    frame = places.copy()
    if len(adversaries) > 1:
        frame["place"] = frame[kind].astype(str) + " — " + frame["adversary"].astype(str)
    else:
        frame["place"] = frame[kind].astype(str)
    order = list(dict.fromkeys(frame["place"]))
    kept, count = _highest(frame, "place", order, top)
    present = [c for c in classes if c in set(frame["class"])]
    series = _series(frame, "place", kept, present, "class")
    if kind == "store":
        region = frame.drop_duplicates("place").set_index("place")["region"]
        names = [f"{p} ({region[p]})" if isinstance(region[p], str) else p for p in kept]
    else:
        names = kept
    return names, series, capped(count, top, "stores" if kind == "store" else "regions")
