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

    from ...analysis import Comparison, Result, Timeline

__all__ = [
    "PLOT_EXTRA",
    "TIMELINE_CLASSES",
    "charts_available",
    "differences_chart",
    "exposure_chart",
    "timeline_chart",
    "total_risk_chart",
]

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


def timeline_chart(stepped: Timeline, adversary: str, label: str) -> str:
    """The timeline's own chart (``Timeline.plot``) for one adversary: the exposure of each
    class over the dates, the change dates marked; ``label`` (escaped by the caller) names it
    for screen readers."""
    # A Figure of its own, not pyplot's: no window, no backend switched (a notebook keeps its own).
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(8.0, 4.2), layout="constrained")
        stepped.plot(ax=figure.add_subplot(), adversaries=adversary, top=TIMELINE_CLASSES)
        return _svg(figure, label)


def differences_chart(comparison: Comparison, adversary: str, label: str) -> str:
    """The comparison's own chart (``Comparison.plot``) for one adversary: the change each
    plan makes per class, in percentage points, with the paired intervals."""
    import matplotlib
    from matplotlib.figure import Figure

    rows = len(comparison.table[comparison.table["adversary"] == adversary])
    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(8.0, 0.3 * rows + 1.8), layout="constrained")
        comparison.plot(ax=figure.add_subplot(), adversaries=adversary)
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


def exposure_chart(result: Result, adversary: str, label: str) -> str:
    """The result's own chart (``Result.plot``) for one adversary: the exposure probability
    of every class, with the 95 % intervals of Monte Carlo as whiskers."""
    import matplotlib
    from matplotlib.figure import Figure

    classes = len(result.classes)
    with matplotlib.rc_context(_style()):
        figure = Figure(figsize=(8.0, 0.3 * classes + 1.8), layout="constrained")
        result.plot(ax=figure.add_subplot(), adversaries=adversary)
        return _svg(figure, label)
