"""Exposure over time (docs/design.md §5): the dated model evaluated at a series of dates;
``timeline`` returns a ``Timeline`` whose ``.table`` has one row per (date, adversary, class)."""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
from pandas.tseries.offsets import BaseOffset

from ..dates import from_day, to_day
from ..errors import ModelError, cut, quote
from ..options import AnalysisOptions, OptionOverrides, Unpack, shown
from ..results import AnalysisResult, Provenance, common_value, warn_if_not_converged
from ._engines import all_converged, progress_reporter
from ._requests import require_model
from .exposure import exposure_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Model

__all__ = ["Timeline", "timeline"]


def _offset(freq: str) -> BaseOffset:
    """The pandas offset of an alias. Aliases pandas has retired in favour of lower case
    ("H", "T", "S") are read as their successors only to be refused for being shorter than a
    day, rather than called unknown."""
    try:
        return pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError) as error:
        for successor in (freq.lower(), freq.replace("T", "min")):
            try:
                offset = pd.tseries.frequencies.to_offset(successor)
            except (ValueError, TypeError):
                continue
            if _shorter_than_a_day(offset):
                return offset
        # pandas' own advice when it has some ("Did you mean h?", "Please use 'ME' instead").
        advice = re.search(r"Did you mean [^?]+\?|Please use '[^']+' instead", str(error))
        hint = f" ({cut(advice.group(0), 80)})" if advice else " (try 'D', 'W', 'MS' or 'QS')"
        raise ModelError(f"not a pandas frequency: {quote(freq)}{hint}", where="freq") from None


def _shorter_than_a_day(offset: BaseOffset) -> bool:
    """Whether a frequency steps by less than a day (hours, minutes, seconds...): such a grid
    would repeat each day and invent times the model cannot tell apart. Calendar offsets
    (weeks, months, business days) have no fixed length and are all a day or longer."""
    nanos = getattr(offset, "nanos", None) if isinstance(offset, pd.offsets.Tick) else None
    return nanos is not None and nanos < pd.Timedelta(days=1).value


CHANGES = "changes"


def _dates(start: Any, end: Any, freq: str, change_dates: tuple[str, ...], with_changes: bool) -> pd.DatetimeIndex:
    """The dates a timeline evaluates: the grid of ``freq`` from ``start`` to ``end`` (or, for
    ``freq="changes"``, ``start``, ``end`` and nothing between), plus the model's change dates
    in that range when asked for or when ``freq`` is "changes"."""
    first = from_day(to_day(start, where="start"))
    last = from_day(to_day(end, where="end"))
    if last < first:
        raise ModelError(f"end {last} comes before start {first}", where="end")
    if not isinstance(freq, str):
        raise ModelError(f"expected a pandas frequency such as 'MS' or 'changes', got {shown(freq)}", where="freq")
    if freq == CHANGES:
        dates = pd.DatetimeIndex([pd.Timestamp(first), pd.Timestamp(last)])
        with_changes = True
    else:
        offset = _offset(freq)
        if _shorter_than_a_day(offset):
            raise ModelError(
                f"{quote(freq)} is shorter than a day; the model is dated by days: use 'D' or longer", where="freq"
            )
        dates = pd.date_range(first, last, freq=offset)
    if with_changes:
        dates = dates.union(pd.DatetimeIndex(_within(change_dates, first, last)))
    if len(dates) == 0:
        raise ModelError(
            f"no date of frequency {quote(freq)} lies between {first} and {last} (freq='changes' evaluates at the "
            "model's own change dates)",
            where="freq",
        )
    ordered: pd.DatetimeIndex = dates.unique().sort_values()
    return ordered


def _within(change_dates: tuple[str, ...], first: datetime.date, last: datetime.date) -> list[pd.Timestamp]:
    return [pd.Timestamp(day) for day in change_dates if first.isoformat() <= day <= last.isoformat()]


def timeline(
    model: Model,
    start: Any,
    end: Any,
    freq: str = "MS",
    *,
    changes: bool = False,
    adversaries: str | Iterable[str] | None = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Timeline:
    """Exposure of every class to every adversary at each date from ``start`` to ``end``
    (both included when on the grid) every ``freq`` (a pandas offset alias: "MS" month
    starts, "W" weeks, "QS" quarters, ...).

    The model changes only on its own change dates (``model.change_dates()``: the starts
    and ends of its windows), which a fixed grid can miss or show late (a quarterly grid
    shows a change of 2025-07-18 at 2025-10-01). ``freq="changes"`` evaluates at ``start``,
    at every change date between ``start`` and ``end`` and at ``end``: the exact steps of
    the curve, nothing repeated between them. ``changes=True`` adds the change dates to the
    grid of any other ``freq``. ``.change_dates`` lists the change dates in the range either
    way (for marking them on a chart).

    ``.table``: one row per (date, adversary, class): ``date``, the columns of
    ``Result.table`` and the ``method`` used, ready to plot (``table.pivot_table(index="date",
    columns="class", values="probability")``). The same seed is used at every date, so with
    Monte Carlo the worlds are shared across dates (common random numbers) and steps in the
    curve come from the model, not from sampling noise. ``progress`` counts dates; ``at`` is
    not an option here (the dates are). A frequency shorter than a day ("H", "min", "s")
    is an error: the model is dated by days. With a ``tolerance``, ``provenance.converged``
    is False (and ``ToleranceNotMet`` warned once) when any date reached ``max_samples`` first.
    """
    settings = AnalysisOptions.resolve(options, **overrides).seeded()
    require_model(model, "model")
    if settings.at is not None:
        raise ModelError("a timeline sets the date itself; give start and end instead", where="at")
    if not isinstance(changes, bool):
        raise ModelError(f"expected True or False, got {shown(changes)}", where="changes")
    change_dates = model.change_dates()
    dates = _dates(start, end, freq, change_dates, changes)
    quiet = settings.replace(progress=False)

    started = time.perf_counter()
    frames = []
    methods: set[str] = set()
    worlds: set[int | None] = set()
    met: list[bool | None] = []
    with progress_reporter(settings.progress, "date") as report:
        for done, date in enumerate(dates, start=1):
            result = exposure_of(model, adversaries, quiet.replace(at=date.date()), places=False)
            frame = result.table.copy()
            frame.insert(0, "date", date)
            frame["method"] = result.method
            frames.append(frame)
            methods.add(result.method)
            worlds.add(result.worlds)
            met.append(result.provenance.converged)
            if report is not None:
                report(done, len(dates))
    provenance = Provenance.of_options(
        settings,
        analysis="timeline",
        method=common_value(methods, "mixed"),
        worlds=common_value(worlds, None),
        seed=settings.seed if "monte_carlo" in methods else None,
        at=None,
        elapsed=time.perf_counter() - started,
        converged=all_converged(met),
    )
    first, last = dates[0].date(), dates[-1].date()
    stepped = Timeline(
        pd.concat(frames, ignore_index=True),
        provenance,
        model=model.name,
        change_dates=_within(change_dates, first, last),
    )
    warn_if_not_converged(stepped)
    return stepped


class Timeline(AnalysisResult):
    """The outcome of ``timeline``: ``table`` (date, adversary, class, the exposure columns,
    method), ``total_risk`` (date, adversary, total_risk) and ``change_dates`` (the model's
    change dates within the timeline's range, YYYY-MM-DD: where its curves may step; as a
    table, ``changes``)."""

    analysis: ClassVar[str] = "timeline"
    extra_tables = ("total_risk", "changes")

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None = None,
        change_dates: Iterable[pd.Timestamp] = (),
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.change_dates: tuple[str, ...] = tuple(day.date().isoformat() for day in change_dates)

    @property
    def changes(self) -> pd.DataFrame:
        """``change_dates`` as a table (one column, ``date``), for ``to_dict`` and ``--json``."""
        table: pd.DataFrame = pd.DataFrame({"date": list(self.change_dates)}, dtype=object)
        return table

    def plot(
        self,
        ax: Axes | None = None,
        *,
        classes: str | Iterable[str] | None = None,
        adversaries: str | Iterable[str] | None = None,
        top: int | None = 10,
        change_dates: bool = True,
    ) -> Axes:
        """The exposure probability of each class over the dates, in percent, drawn as
        steps (a value holds until the next date), with the 95 % intervals of Monte Carlo
        as bands and the model's change dates (``change_dates``) as dotted vertical lines
        (docs/design.md §5b); returns the matplotlib Axes. Classes with identical curves
        share one line. ``classes`` and ``adversaries`` narrow what is drawn; ``top`` caps
        the lines at the ``top`` with the highest peak (None: all). Draws on ``ax`` when
        given, else on a new figure; needs matplotlib (``pip install 'datareach[plot]'``)."""
        from ..plot.timeline import plot_timeline

        return plot_timeline(self, ax, classes=classes, adversaries=adversaries, top=top, change_dates=change_dates)

    @property
    def total_risk(self) -> pd.DataFrame:
        result: pd.DataFrame = (
            self.table.groupby(["date", "adversary"], sort=False)["risk"].sum().rename("total_risk").reset_index()
        )
        return result
