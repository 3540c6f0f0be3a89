"""Charts of a report as inline SVG, drawn with matplotlib (the ``plot`` extra). Without
matplotlib a report has its tables and a note saying what to install instead of charts.

Several SVG documents share one page, so each chart gets its own ``svg.hashsalt``: the ids
matplotlib writes (clip paths, glyphs) then differ from chart to chart. Text is kept as text
(``svg.fonttype: none``), escaped by matplotlib's SVG writer, in the page's fonts."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .numbers import short_amount

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["PLOT_EXTRA", "TIMELINE_CLASSES", "charts_available", "exposure_chart", "timeline_chart", "total_risk_chart"]

PLOT_EXTRA = "pip install 'datareach[plot]'"

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
# Where matplotlib's SVG names its own elements: ids and the references to them.
_IDS = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')
_counter = itertools.count(1)
# The base in blue, plans in colours that stay apart in print and for colour-blind readers.
_COLOURS = ("#3b6ea5", "#e08a2c", "#5aa36b", "#9b59b6", "#c0392b", "#7f8c8d")
# Line styles, so that curves lying on top of each other still show.
_LINES = ("-", "--", "-.", ":")
# The most classes one timeline chart draws (its table has every class).
TIMELINE_CLASSES = 12


def charts_available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _svg(figure: Figure, label: str) -> str:
    """A matplotlib figure as an SVG element: no XML prolog or doctype, ids unique in the page."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = _PROLOG.sub("", buffer.getvalue(), count=1)
    # matplotlib numbers its elements per figure (figure_1, axes_1, ...): prefixed with the
    # chart's own number, every id is unique in the page and every reference still resolves.
    prefix = f"chart{next(_counter)}-"
    text = _IDS.sub(lambda found: f"{found.group(1)}{prefix}{found.group(2)}", text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _style() -> Any:  # matplotlib types rcParams keys as literals; these are known keys
    return {
        "svg.hashsalt": f"datareach-chart-{next(_counter)}",
        "svg.fonttype": "none",
        "text.parse_math": False,  # an id with "$" in it is text, not mathtext
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def timeline_chart(table: pd.DataFrame, adversary: str, label: str) -> str:
    """Probability over time of every class for one adversary, one line per class; ``label``
    (escaped by the caller) names the chart for screen readers."""
    # A Figure of its own, not pyplot: no backend is chosen or switched (a notebook keeps its own).
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    rows = table[table["adversary"] == adversary]
    curves = rows.pivot_table(index="date", columns="class", values="probability", sort=False)
    # The classes most exposed at some date, at most TIMELINE_CLASSES (the table lists all).
    highest = curves.max().sort_values(ascending=False, kind="stable").index[:TIMELINE_CLASSES]
    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(7.5, 3.2))
        axes = figure.add_subplot()
        for i, data_class in enumerate(c for c in curves.columns if c in set(highest)):
            axes.step(
                curves.index,
                curves[data_class],
                where="post",
                label=f" {data_class}",
                linewidth=1.4,
                linestyle=_LINES[(i // 10) % len(_LINES)],
                marker="o",  # the value at the last date, a step of no length, shows too
                markersize=2.5,
            )
        axes.set_ylim(-0.02, 1.02)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_ylabel(f"P(exposed to {adversary})")
        axes.grid(axis="y", linewidth=0.4, alpha=0.6)
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
        figure.autofmt_xdate()
        return _svg(figure, label)


def total_risk_chart(series: Sequence[tuple[str, pd.DataFrame]], adversary: str, label: str) -> str:
    """Total risk over time for one adversary: one step line per model of ``series`` (name,
    a timeline's ``total_risk`` table), base first."""
    # A Figure of its own, not pyplot: no backend is chosen or switched (a notebook keeps its own).
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(7.5, 2.8))
        axes = figure.add_subplot()
        for i, (name, frame) in enumerate(series):
            rows = frame[frame["adversary"] == adversary]
            axes.step(
                rows["date"],
                rows["total_risk"],
                where="post",
                label=f" {name}",
                linewidth=1.6,
                color=_COLOURS[i % len(_COLOURS)],
                linestyle=_LINES[i % len(_LINES)],
            )
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: short_amount(value)))
        axes.set_ylabel(f"total risk, {adversary}")
        axes.grid(axis="y", linewidth=0.4, alpha=0.6)
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
        figure.autofmt_xdate()
        return _svg(figure, label)


def exposure_chart(series: Sequence[tuple[str, pd.DataFrame]], adversary: str, label: str) -> str:
    """The exposure probability of every class for one adversary, as bars with their 95 %
    intervals: one bar per model of ``series`` (name, exposure table), base first."""
    # A Figure of its own, not pyplot: no backend is chosen or switched (a notebook keeps its own).
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    tables = [(name, frame[frame["adversary"] == adversary]) for name, frame in series]
    classes = [str(c) for c in tables[0][1]["class"]]
    height = 0.8 / len(tables)
    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(7.5, (0.22 + 0.14 * len(tables)) * len(classes) + 0.9))
        axes = figure.add_subplot()
        for i, (name, rows) in enumerate(tables):
            values = rows["probability"].to_numpy(dtype=float)
            errors = [values - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - values]
            positions = [c - 0.4 + height * (i + 0.5) for c in range(len(classes))]
            axes.barh(
                positions,
                values,
                xerr=errors,
                height=height * 0.9,
                label=f" {name}",
                color=_COLOURS[i % len(_COLOURS)],
                ecolor="#222222",
                capsize=1.5,
            )
        axes.set_yticks(list(range(len(classes))), classes)
        axes.invert_yaxis()
        axes.set_xlim(0, 1.0)
        axes.xaxis.set_major_formatter(PercentFormatter(1.0))
        axes.set_xlabel(f"P(exposed to {adversary}), with 95% intervals")
        axes.grid(axis="x", linewidth=0.4, alpha=0.6)
        if len(tables) > 1:
            axes.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.12 - 0.6 / len(classes)),
                ncol=min(len(tables), 3),
                frameon=False,
            )
        return _svg(figure, label)
