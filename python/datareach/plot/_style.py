"""What every chart shares (docs/design.md §5b): matplotlib imported on demand, the Axes to
draw on, percent and percentage-point axes, the two-line title (what is shown; the date and
the method), the footer note that the probabilities are modelling assumptions, colours,
and the checks of the chart options.

Nothing here changes matplotlib's global settings (rcParams): every style is set on the
artists a chart draws."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ModelError, did_you_mean, quote
from ..options import shown

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import Formatter

    from ..results import Provenance

__all__ = [
    "FOOTER",
    "INSTALL",
    "axes",
    "capped",
    "check_choice",
    "check_flag",
    "check_top",
    "colour",
    "detail",
    "footer",
    "label_of",
    "legend_outside",
    "method_text",
    "percent_formatter",
    "percent_scale",
    "points_formatter",
    "points_text",
    "pyplot",
    "select",
    "title",
    "when_text",
]

# The note every chart carries: a chart looks like a measurement, and these numbers are not.
FOOTER = "Probabilities are modelling assumptions, not measurements."
INSTALL = "pip install 'datareach[plot]'"
# The Axes' attribute marking the footer, so that drawing twice on one Axes adds one note.
_FOOTER_GID = "datareach-footer"
# Matplotlib's qualitative palette, by name (not read from rcParams: a user's style sheet
# must not change what colour an adversary or a plan has from one chart to the next).
_PALETTE = (
    "tab:red",
    "tab:blue",
    "tab:green",
    "tab:orange",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:gray",
    "tab:olive",
    "tab:cyan",
)


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"charts need matplotlib: {INSTALL}", name="matplotlib") from error
    return plt


def axes(ax: Any, size: tuple[float, float]) -> Axes:
    """The Axes to draw on: ``ax`` when given (checked), else a new figure of ``size``
    inches with a constrained layout (so the title and footer are not cut off)."""
    plt = pyplot()
    from matplotlib.axes import Axes

    if ax is None:
        _, created = plt.subplots(figsize=size, layout="constrained")
        new: Axes = created
        return new
    if not isinstance(ax, Axes):
        raise ModelError(f"expected a matplotlib Axes or None, got {shown(ax)}", where="ax")
    return ax


def percent_formatter() -> Formatter:
    """Tick labels for values drawn in percent (0 to 100): ``40%``."""
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=100, decimals=None)


def points_formatter() -> Formatter:
    """Tick labels for differences of probabilities drawn in percentage points: ``+20 pts``,
    ``0``, ``−40 pts`` (a typographic minus, as matplotlib writes negative numbers)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position=None: points_text(value))


def points_text(value: float, decimals: int | None = None) -> str:
    """A difference in percentage points as a chart writes it: ``+20 pts``, ``0``,
    ``−40 pts`` (``decimals`` fixed, else as few digits as needed)."""
    shown_value = f"{abs(value):.4g}" if decimals is None else f"{abs(value):.{decimals}f}"
    if float(shown_value) == 0:
        return "0" if decimals is None else f"{0:.{decimals}f} pts"
    return f"{'+' if value > 0 else '−'}{shown_value} pts"


def method_text(provenance: Provenance) -> str:
    """How the numbers were computed, for a subtitle: "exact", "Monte Carlo, 200,000 worlds,
    95 % intervals"."""
    if provenance.method == "monte_carlo":
        worlds = f", {provenance.worlds:,} worlds" if provenance.worlds else ""
        return f"Monte Carlo{worlds}, 95 % intervals"
    if provenance.method == "mixed":
        return "exact and Monte Carlo"
    return provenance.method.replace("_", " ")


def when_text(at: str | None) -> str:
    """The date analysed, for a subtitle; a model analysed without a date has every entry
    present whatever its window (docs/design.md §1)."""
    return f"as of {at}" if at else "no date given: every entry present"


def detail(when: str, provenance: Provenance) -> str:
    """The subtitle: when (``when_text``, or a timeline's range) and the method."""
    return f"{when} · {method_text(provenance)}"


def title(ax: Axes, headline: str, detail: str) -> None:
    """A two-line title: what the chart shows, then when and how it was computed."""
    ax.set_title(f"{headline}\n{detail}", fontsize="medium", loc="left")


def footer(ax: Axes, model: str | None) -> None:
    """The model's name and the assumptions note under the Axes' x label (once per Axes),
    small and grey; it is an annotation of the Axes, so a constrained layout and
    ``bbox_inches="tight"`` keep it in the picture."""
    if any(text.get_gid() == _FOOTER_GID for text in ax.texts):
        return
    note = ax.annotate(
        f"{FOOTER}\n{model}" if model else FOOTER,
        # x: the Axes' left edge; y: the bottom of the x label, whatever the tick labels take.
        xy=(0.0, 0.0),
        xycoords=("axes fraction", ax.xaxis.label),
        xytext=(0, -6),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize="x-small",
        color="0.35",
        style="italic",
        annotation_clip=False,
    )
    note.set_gid(_FOOTER_GID)


def legend_outside(ax: Axes, heading: str | None) -> None:
    """A legend right of the Axes, where it hides no bar or line."""
    ax.legend(title=heading, fontsize="small", title_fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))


def colour(position: int) -> str:
    """The colour of the ``position``-th series (adversary, variant, class), cycling."""
    return _PALETTE[position % len(_PALETTE)]


def label_of(identifier: str) -> str:
    """An id as a chart writes it: ``phone_numbers`` → ``phone numbers``."""
    return identifier.replace("_", " ")


def check_top(top: Any, where: str = "top") -> int | None:
    """``top``: None (everything) or a whole number ≥ 1."""
    if top is None:
        return None
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ModelError(f"expected None or a whole number of at least 1, got {shown(top)}", where=where)
    return top


def check_flag(value: Any, where: str) -> bool:
    """``value`` if it is True or False, else a ModelError."""
    if not isinstance(value, bool):
        raise ModelError(f"expected True or False, got {shown(value)}", where=where)
    return value


def check_choice(value: Any, allowed: Sequence[str], where: str) -> str:
    """``value`` if it is one of ``allowed``, else a ModelError naming them."""
    if not isinstance(value, str) or value not in allowed:
        offered = ", ".join(repr(a) for a in allowed)
        hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
        raise ModelError(f"expected one of {offered}, got {shown(value)}{hint}", where=where)
    return value


def select(wanted: str | Iterable[str] | None, known: Sequence[str], where: str) -> list[str]:
    """The ids asked for (all ``known`` when None), each checked against ``known``, in the
    order asked; an unknown id is a ModelError with a suggestion."""
    if wanted is None:
        return list(known)
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    if not names:
        raise ModelError("expected at least one id (or None for all)", where=where)
    for position, name in enumerate(names):
        if not isinstance(name, str) or name not in known:
            described = quote(name) if isinstance(name, str) else shown(name)
            raise ModelError(f"unknown id {described}{did_you_mean(name, known)}", where=f"{where}[{position}]")
    return list(dict.fromkeys(names))


def capped(count: int, top: int | None, noun: str) -> str:
    """``", top 25 of 140 stores"`` when a chart shows fewer than it has, else ``""``."""
    if top is None or count <= top:
        return ""
    return f", top {top} of {count:,} {noun}"


def percent_scale(ax: Axes, axis: Literal["x", "y"], *, labelled: bool = False) -> None:
    """Probabilities drawn in percent on ``axis`` ("x" or "y"): 0 to 100 % with a little room
    for whiskers (more when bars carry their value), ticks every 20 %, light grid lines."""
    top = 114.0 if labelled else 103.0
    if axis == "x":
        ax.set_xlim(0, top)
        ax.set_xticks(range(0, 101, 20))
        ax.xaxis.set_major_formatter(percent_formatter())
    else:
        ax.set_ylim(0, top)
        ax.set_yticks(range(0, 101, 20))
        ax.yaxis.set_major_formatter(percent_formatter())
    ax.grid(axis=axis, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
