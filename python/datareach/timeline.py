"""Exposure over time: the dated model evaluated at a series of dates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from .dates import from_day, to_day
from .errors import ModelError
from .exposure import analyze, fresh_seed

if TYPE_CHECKING:
    from .model import Model

__all__ = ["timeline"]


def timeline(
    model: Model,
    start: Any,
    end: Any,
    freq: str = "MS",
    *,
    adversaries: str | Iterable[str] | None = None,
    method: str = "auto",
    samples: int = 20_000,
    tolerance: float | None = None,
    seed: int | None = None,
    threads: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Exposure of every class to every adversary at each date from ``start`` to ``end``
    (both included when on the grid) every ``freq`` (a pandas offset alias: "MS" month
    starts, "W" weeks, "QS" quarters, ...).

    One row per (date, adversary, class) with the columns of ``Result.exposure`` and the
    method used, ready to plot (``table.pivot_table(index="date", columns="class",
    values="probability")``). The same seed is used at every date, so with Monte Carlo the
    worlds are shared across dates (common random numbers) and steps in the curve come from
    the model, not from sampling noise.
    """
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
    if seed is None:
        seed = fresh_seed()

    steps: Iterable[pd.Timestamp] = dates
    bar = None
    if progress:
        from tqdm.auto import tqdm

        steps = bar = tqdm(dates, unit="date")
    frames = []
    try:
        for date in steps:
            result = analyze(
                model, adversaries, method=method, samples=samples, tolerance=tolerance, seed=seed,
                at=date.date(), threads=threads, places=False,
            )
            frame = result.exposure
            frame.insert(0, "date", date)
            frame["method"] = result.method
            frames.append(frame)
    finally:
        if bar is not None:
            bar.close()
    return pd.concat(frames, ignore_index=True)
