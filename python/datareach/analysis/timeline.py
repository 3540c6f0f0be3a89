"""Exposure over time (docs/design.md §5): the dated model evaluated at a series of dates;
``timeline`` returns a ``Timeline`` whose ``.table`` has one row per (date, adversary, class)."""

from __future__ import annotations

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


def _dates(start: Any, end: Any, freq: str) -> pd.DatetimeIndex:
    first = from_day(to_day(start, where="start"))
    last = from_day(to_day(end, where="end"))
    if last < first:
        raise ModelError(f"end {last} comes before start {first}", where="end")
    if not isinstance(freq, str):
        raise ModelError(f"expected a pandas frequency such as 'MS', got {shown(freq)}", where="freq")
    offset = _offset(freq)
    if _shorter_than_a_day(offset):
        raise ModelError(
            f"{quote(freq)} is shorter than a day; the model is dated by days: use 'D' or longer", where="freq"
        )
    dates = pd.date_range(first, last, freq=offset)
    if len(dates) == 0:
        raise ModelError(f"no date of frequency {quote(freq)} lies between {first} and {last}", where="freq")
    return dates


def timeline(
    model: Model,
    start: Any,
    end: Any,
    freq: str = "MS",
    *,
    adversaries: str | Iterable[str] | None = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Timeline:
    """Exposure of every class to every adversary at each date from ``start`` to ``end``
    (both included when on the grid) every ``freq`` (a pandas offset alias: "MS" month
    starts, "W" weeks, "QS" quarters, ...).

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
    dates = _dates(start, end, freq)
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
    stepped = Timeline(pd.concat(frames, ignore_index=True), provenance, model=model.name)
    warn_if_not_converged(stepped)
    return stepped


class Timeline(AnalysisResult):
    """The outcome of ``timeline``: ``table`` (date, adversary, class, the exposure columns,
    method) and ``total_risk`` (date, adversary, total_risk)."""

    analysis: ClassVar[str] = "timeline"
    extra_tables = ("total_risk",)

    @property
    def total_risk(self) -> pd.DataFrame:
        result: pd.DataFrame = (
            self.table.groupby(["date", "adversary"], sort=False)["risk"].sum().rename("total_risk").reset_index()
        )
        return result
