"""Dates as the core counts them: whole days since 1970-01-01.

Scenario files write dates as ISO ``YYYY-MM-DD``; YAML hands them over as
``datetime.date``; notebooks pass ``datetime.date``, ``numpy.datetime64`` or
``pandas.Timestamp``. Everything is funnelled through :func:`to_day` so that every entry
point accepts and rejects exactly the same values.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .errors import ModelError, describe

__all__ = [
    "OPEN_END",
    "OPEN_START",
    "column_to_dates",
    "dates_to_days",
    "from_day",
    "to_day",
    "to_iso",
]

EPOCH = datetime.date(1970, 1, 1)
# An open side of a window, as the core's Window spells it (kOpenStart / kOpenEnd).
OPEN_START = int(np.iinfo(np.int32).min)
OPEN_END = int(np.iinfo(np.int32).max)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EXPECTED = "must be a date written YYYY-MM-DD"
_SECONDS_PER_DAY = 86_400


def to_day(value: Any, *, where: str | None = None, allow_time: bool = False) -> int:
    """Days since 1970-01-01 of one date.

    Accepts an ISO ``YYYY-MM-DD`` string, ``datetime.date``, and (when they fall on
    midnight, or always with ``allow_time=True``, which keeps the day) ``datetime.datetime``,
    ``pandas.Timestamp`` and ``numpy.datetime64``. Anything else raises :class:`ModelError`
    located at ``where``.
    """
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ModelError(f"{_EXPECTED}, got NaT", where=where)
        day = value.astype("datetime64[D]")
        if not allow_time and day != value:
            raise ModelError(f"{_EXPECTED}, got a time of day: {value}", where=where)
        return _checked(int(day.astype(np.int64)), value, where)
    if isinstance(value, datetime.datetime):  # before date: a datetime is a date too
        if value is pd.NaT:
            raise ModelError(f"{_EXPECTED}, got NaT", where=where)
        if not allow_time and value.time() != datetime.time(0):
            raise ModelError(f"{_EXPECTED}, got a time of day: {value}", where=where)
        return (value.date() - EPOCH).days
    if isinstance(value, datetime.date):
        return (value - EPOCH).days
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            try:
                return (datetime.date.fromisoformat(value) - EPOCH).days
            except ValueError:
                pass
        raise ModelError(f"{_EXPECTED}, got {describe(value)}", where=where)
    raise ModelError(f"{_EXPECTED}, got {describe(value)}", where=where)


def _checked(day: int, value: Any, where: str | None) -> int:
    """Keep days within the years 1 to 9999, the dates an ISO file can write back."""
    if not (datetime.date.min - EPOCH).days <= day <= (datetime.date.max - EPOCH).days:
        raise ModelError(f"{_EXPECTED} between years 1 and 9999, got {value}", where=where)
    return day


def from_day(day: int) -> datetime.date:
    """The date ``day`` days after 1970-01-01."""
    return EPOCH + datetime.timedelta(days=int(day))


def to_iso(day: int) -> str:
    """``YYYY-MM-DD`` of a day count."""
    return from_day(day).isoformat()


def column_to_dates(
    values: np.ndarray, locate: Callable[[int], str], *, missing: np.ndarray | None = None
) -> np.ndarray:
    """A column of dates (any form :func:`to_day` accepts; None/NaT for missing) as
    ``datetime64[D]`` with NaT for missing. ``locate(i)`` names row ``i`` in errors.
    With ``missing``, only those rows may be left out: a NaN, NA or NaT elsewhere is an
    error, not an open side.

    Only the distinct values go through :func:`to_day`, so a long column with few dates
    costs one hash pass, not a Python call per row.
    """
    if values.dtype.kind == "M":
        days = values.astype("datetime64[D]")
        off_midnight = ~np.isnat(values) & (days != values)
        if off_midnight.any():
            row = int(np.argmax(off_midnight))
            to_day(values[row], where=locate(row))  # raises with the row's own wording
        year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        out_of_range = ~np.isnat(days) & ((year < 1) | (year > 9999))
        if out_of_range.any():
            row = int(np.argmax(out_of_range))
            _checked(OPEN_END, values[row], locate(row))
        return _only_missing(days, values, missing, locate)
    objects = np.asarray(values, dtype=object)
    try:
        codes, uniques = pd.factorize(objects, use_na_sentinel=True)
    except TypeError:  # an unhashable value (a list, a mapping) where a date goes
        row = next(i for i, value in enumerate(objects) if not _hashable(value))
        raise ModelError(f"{_EXPECTED}, got {describe(objects[row])}", where=locate(row)) from None
    unique_days = np.empty(len(uniques), dtype=np.int64)
    for code, value in enumerate(uniques):
        try:
            unique_days[code] = to_day(value)
        except ModelError as error:
            row = int(np.argmax(codes == code))
            raise ModelError(error.reason, where=locate(row)) from None
    days = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    present = codes >= 0
    days[present] = unique_days[codes[present]].astype("datetime64[D]")
    return _only_missing(days, objects, missing, locate)


def _only_missing(
    days: np.ndarray, values: np.ndarray, missing: np.ndarray | None, locate: Callable[[int], str]
) -> np.ndarray:
    """``days``, after checking that no row outside ``missing`` came out open."""
    if missing is not None:
        unexpected = np.isnat(days) & ~missing
        if unexpected.any():
            row = int(np.argmax(unexpected))
            raise ModelError(
                f"{_EXPECTED} (or null for an open side), got {describe(values[row])}",
                where=locate(row),
            )
    return days


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def dates_to_days(dates: np.ndarray, open_value: int) -> np.ndarray:
    """``datetime64`` dates as int32 day counts, NaT (an open side) as ``open_value``."""
    dates = np.asarray(dates)
    days = dates.astype("datetime64[s]").view(np.int64) // _SECONDS_PER_DAY
    out = days.astype(np.int32)
    out[np.isnat(dates)] = open_value
    return out
