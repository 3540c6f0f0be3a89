"""Exposure over time (docs/design.md §5): the dated model evaluated at a series of dates;
``timeline`` returns a ``Timeline`` whose ``.table`` has one row per (date, adversary, class)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..dates import from_day, to_day
from ..errors import ModelError
from ..options import AnalysisOptions, OptionOverrides, Unpack
from ..results import AnalysisResult, Provenance, common_value
from ._engines import progress_reporter
from .exposure import exposure_of

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Timeline", "timeline"]


def _dates(start: Any, end: Any, freq: str) -> pd.DatetimeIndex:
    first = from_day(to_day(start, where="start"))
    last = from_day(to_day(end, where="end"))
    if last < first:
        raise ModelError(f"end {last} comes before start {first}", where="end")
    try:
        dates = pd.date_range(first, last, freq=freq)
    except (ValueError, TypeError) as error:
        raise ModelError(f"not a pandas frequency: {freq!r} ({error})", where="freq") from None
    if len(dates) == 0:
        raise ModelError(f"no date of frequency {freq!r} lies between {first} and {last}", where="freq")
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
    not an option here (the dates are).
    """
    settings = AnalysisOptions.resolve(options, **overrides).seeded()
    if settings.at is not None:
        raise ModelError("a timeline sets the date itself; give start and end instead", where="at")
    dates = _dates(start, end, freq)
    quiet = settings.replace(progress=False)

    started = time.perf_counter()
    frames = []
    methods: set[str] = set()
    worlds: set[int | None] = set()
    with progress_reporter(settings.progress, "date") as report:
        for done, date in enumerate(dates, start=1):
            result = exposure_of(model, adversaries, quiet.replace(at=date.date()), places=False)
            frame = result.table.copy()
            frame.insert(0, "date", date)
            frame["method"] = result.method
            frames.append(frame)
            methods.add(result.method)
            worlds.add(result.worlds)
            if report is not None:
                report(done, len(dates))
    provenance = Provenance(
        analysis="timeline", method=common_value(methods, "mixed"), worlds=common_value(worlds, None),
        seed=settings.seed if "monte_carlo" in methods else None, at=None,
        elapsed=time.perf_counter() - started, threads=settings.threads, tolerance=settings.tolerance,
    )
    return Timeline(pd.concat(frames, ignore_index=True), provenance, model=model.name)


class Timeline(AnalysisResult):
    """The outcome of ``timeline``: ``table`` (date, adversary, class, the exposure columns,
    method) and ``total_risk`` (date, adversary, total_risk)."""

    analysis: ClassVar[str] = "timeline"
    extra_tables = ("total_risk",)

    @property
    def total_risk(self) -> pd.DataFrame:
        return self.table.groupby(["date", "adversary"], sort=False)["risk"].sum().rename("total_risk").reset_index()
