"""The chart of a ``sweep`` (docs/design.md §5b): what each plan leaves against how many
changes it takes — the remaining total risk as a percentage of the base's, or the exposure
probability of one class — one labelled point per plan and the base as "no change" at 0,
with the Pareto front (the plans no other plan beats with as few changes, §8 decision 37)
as a step line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import ModelError
from ._style import (
    axes,
    check_choice,
    detail,
    footer,
    label_of,
    legend_outside,
    percent_formatter,
    select,
    title,
    when_text,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._shapes import Sweepable

__all__ = ["BASE", "FRONT", "LABELS", "pareto_front", "plan_values", "plot_sweep"]

# The point of the base model, and the legend entry of the front.
BASE = "no change"
FRONT = "best plans for their number of changes (Pareto front)"
LABELS = ("all", "front", "none")
# Past this many plans only the front is labelled unless asked otherwise.
_LABEL_ALL_UP_TO = 20


def plan_values(
    sweep: Sweepable, data_class: str | None = None, adversaries: str | Iterable[str] | None = None
) -> pd.DataFrame:
    """One row per plan and one for the base (``no change``, first): ``plan``, ``changes``
    and ``value`` in percent — the total risk over ``adversaries`` (all by default) as a
    share of the base's, or, with ``data_class``, that class's exposure probability (one
    adversary then)."""
    table = sweep.table
    known_adversaries = list(dict.fromkeys(table["adversary"]))
    chosen = select(adversaries, known_adversaries, "adversaries")
    table = table[table["adversary"].isin(chosen)]
    changes = table.groupby("variant", sort=False)["changes"].first()
    if data_class is None:
        totals = table.groupby("variant", sort=False)[["risk", "base_risk"]].sum()
        base_total = float(totals["base_risk"].iloc[0]) if len(totals) else 0.0
        # Every plan shares the base; a base without risk leaves nothing to take a share of.
        share = totals["risk"] / base_total * 100 if base_total > 0 else totals["risk"] * np.nan
        base_value = 100.0 if base_total > 0 else float("nan")
        values = share
    else:
        select(data_class, list(dict.fromkeys(table["class"])), "data_class")
        if len(chosen) != 1:
            raise ModelError(
                f"the exposure of a class is drawn for one adversary; choose one of {', '.join(chosen)}",
                where="adversaries",
            )
        rows = table[table["class"] == data_class].set_index("variant")
        values = rows["probability"] * 100
        base_value = float(rows["base_probability"].iloc[0]) * 100
    frame = pd.DataFrame({"plan": list(changes.index), "changes": changes.to_numpy(), "value": values.to_numpy()})
    base = pd.DataFrame({"plan": [BASE], "changes": [0], "value": [base_value]})
    result: pd.DataFrame = pd.concat([base, frame], ignore_index=True)
    return result


def pareto_front(values: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``plan_values`` that no other row dominates — none has at most as many
    changes and at most the value, with one of the two strictly less — by changes, then
    value. Rows without a value are on no front."""
    known = values[values["value"].notna()]
    changes = known["changes"].to_numpy(dtype=float)
    value = known["value"].to_numpy(dtype=float)
    # Sorted by changes then value, a row is dominated iff an earlier row has a lower value,
    # or an earlier row has the same value and fewer changes.
    order = np.lexsort((value, changes))
    kept = []
    best = np.inf
    best_changes = np.inf
    for k in order:
        if value[k] < best:
            kept.append(k)
            best, best_changes = value[k], changes[k]
        elif value[k] == best and changes[k] == best_changes:
            kept.append(k)  # the same point as a front row: not dominated either
    front: pd.DataFrame = known.iloc[kept].reset_index(drop=True)
    return front


def plot_sweep(
    sweep: Sweepable,
    ax: Axes | None = None,
    *,
    data_class: str | None = None,
    adversaries: str | Iterable[str] | None = None,
    labels: str | None = None,
) -> Axes:
    """See ``Sweep.plot``."""
    values = plan_values(sweep, data_class, adversaries)
    plans = values.iloc[1:]
    mode = check_choice(labels, LABELS, "labels") if labels is not None else None
    if mode is None:
        mode = "all" if len(plans) <= _LABEL_ALL_UP_TO else "front"
    front = pareto_front(values)
    target = axes(ax, (10.0, 6.0))

    on_front = values["plan"].isin(set(front["plan"]))
    others = values[~on_front & (values["plan"] != BASE)]
    best = values[on_front & (values["plan"] != BASE)]
    target.scatter(others["changes"], others["value"], color="tab:gray", zorder=3, label="other plans")
    target.scatter(best["changes"], best["value"], color="tab:green", s=55, zorder=4, label="plans on the front")
    target.scatter([0], values["value"].iloc[:1], color="black", marker="s", zorder=4, label=f"the base ({BASE})")
    target.step(
        front["changes"], front["value"], where="post", color="tab:green", alpha=0.6, linewidth=1.6, label=FRONT
    )

    width = max(int(values["changes"].max()), 1)
    target.set_xlim(-0.5, width + max(1.5, width * 0.25))
    target.set_xticks(range(0, width + 1, max(1, (width + 9) // 10)))
    top = max(100.0, float(np.nanmax(values["value"].to_numpy(dtype=float), initial=0.0)))
    target.set_ylim(0, top * 1.08)
    target.yaxis.set_major_formatter(percent_formatter())
    target.grid(color="0.92", linewidth=0.8)
    target.set_axisbelow(True)
    if mode != "none":  # after the limits: labels are placed where they fit on the page
        _annotate(target, values if mode == "all" else values[on_front], set(front["plan"]))
    target.set_xlabel("number of changes in the plan")
    whom = ", ".join(select(adversaries, list(dict.fromkeys(sweep.table["adversary"])), "adversaries"))
    if data_class is None:
        target.set_ylabel(f"remaining total risk from {whom} (% of the base)")
        headline = f"{len(plans)} plans: the risk from {whom} each leaves, by its number of changes"
    else:
        target.set_ylabel(f"probability that {whom} can reach {label_of(data_class)}")
        headline = f"{len(plans)} plans: the exposure of {label_of(data_class)} to {whom}, by number of changes"
    legend_outside(target, None)
    title(target, headline, detail(when_text(sweep.provenance.at), sweep.provenance))
    footer(target, sweep.name)
    return target


# Where a label may go, in points from its point: right, left, above and below, then
# further out. The first that overlaps no label placed before is taken.
Horizontal = Literal["left", "center", "right"]
Vertical = Literal["bottom", "top"]
_OFFSETS: tuple[tuple[int, int, Horizontal, Vertical], ...] = (
    (7, 4, "left", "bottom"),
    (7, -4, "left", "top"),
    (-7, 4, "right", "bottom"),
    (-7, -4, "right", "top"),
    (0, 10, "center", "bottom"),
    (0, -10, "center", "top"),
    (7, 16, "left", "bottom"),
    (7, -16, "left", "top"),
    (-7, 16, "right", "bottom"),
    (-7, -16, "right", "top"),
    (7, 28, "left", "bottom"),
    (7, -28, "left", "top"),
)


def _annotate(ax: Axes, values: pd.DataFrame, front: set[str]) -> None:
    """Each plan's name beside its point, placed where it overlaps no label already placed
    (front plans first); plans at the same point share one label."""
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    rounded = values.assign(at=values["value"].round(1))
    groups = list(rounded.groupby(["changes", "at"], sort=True))
    groups.sort(key=lambda item: not any(name in front for name in item[1]["plan"]))
    placed: list[Bbox] = []
    for (changes, value), group in groups:
        names = list(group["plan"])
        bold = any(name in front for name in names)
        style: dict[str, Any] = {"fontweight": "bold", "color": "darkgreen"} if bold else {"color": "0.3"}
        text = "\n".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
        label = ax.annotate(
            text, (float(changes), float(value)), xytext=(0, 0), textcoords="offset points", fontsize="x-small", **style
        )
        for dx, dy, ha, va in _OFFSETS:
            label.set_position((dx, dy))
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
            extent = label.get_window_extent(renderer)
            if not any(extent.overlaps(other) for other in placed):
                break
        else:
            dx, dy, ha, va = _OFFSETS[0]
            label.set_position((dx, dy))
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
        placed.append(label.get_window_extent(renderer))
