"""Dates: ISO strings and date objects to days since 1970-01-01 and back."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

import datareach as dr
from datareach import dates


@pytest.mark.parametrize(
    "value",
    [
        "2021-09-01",
        datetime.date(2021, 9, 1),
        datetime.datetime(2021, 9, 1),
        np.datetime64("2021-09-01"),
        np.datetime64("2021-09-01T00:00:00.000000000"),
        pd.Timestamp("2021-09-01"),
    ],
)
def test_every_form_of_a_date(value: object) -> None:
    assert dates.to_day(value) == 18871


def test_epoch_and_far_dates() -> None:
    assert dates.to_day("1970-01-01") == 0
    assert dates.to_day("1969-12-31") == -1
    for iso in ("0001-01-01", "9999-12-31", "2024-02-29"):
        assert dates.to_iso(dates.to_day(iso)) == iso
    assert dates.from_day(18871) == datetime.date(2021, 9, 1)


def test_time_of_day_only_when_allowed() -> None:
    noon = pd.Timestamp("2021-09-01 12:00")
    with pytest.raises(dr.ModelError, match="got a time of day"):
        dates.to_day(noon, where="at")
    assert dates.to_day(noon, allow_time=True) == 18871
    assert dates.to_day(np.datetime64("2021-09-01T23:59"), allow_time=True) == 18871
    with pytest.raises(dr.ModelError, match="time of day"):
        dates.to_day(np.datetime64("2021-09-01T23:59"))


@pytest.mark.parametrize(
    "value",
    [
        "2021-13-01",
        "2021-02-30",
        "20210901",
        "2021-W35-3",
        "2021-9-1",
        " 2021-09-01",
        "yesterday",
        "",
        5,
        18871.0,
        True,
        None,
        pd.NaT,
        np.datetime64("NaT"),
        [2021, 9, 1],
        np.datetime64("10000-01-01"),
    ],
)
def test_bad_dates(value: object) -> None:
    with pytest.raises(dr.ModelError, match=r"^at: must be a date written YYYY-MM-DD"):
        dates.to_day(value, where="at")


def test_column_to_dates_checks_each_distinct_value_once() -> None:
    column = np.array(["2021-09-01", None, datetime.date(2021, 9, 1)] * 100_000, dtype=object)
    days = dates.column_to_dates(column, lambda row: f"x[{row}]")
    assert days.dtype == np.dtype("datetime64[D]")
    assert np.isnat(days[1]) and (days[::3] == np.datetime64("2021-09-01")).all()
    column[299_999] = "2021-09-31"
    with pytest.raises(dr.ModelError, match=r"^x\[299999\]: must be a date"):
        dates.column_to_dates(column, lambda row: f"x[{row}]")


def test_column_of_datetimes() -> None:
    column = np.array(["2021-09-01", "NaT", "2021-09-02T06:00"], dtype="datetime64[s]")
    with pytest.raises(dr.ModelError, match=r"^x\[2\]: .*time of day"):
        dates.column_to_dates(column, lambda row: f"x[{row}]")
    days = dates.column_to_dates(column[:2], lambda row: f"x[{row}]")
    np.testing.assert_array_equal(dates.dates_to_days(days, dates.OPEN_END), [18871, dates.OPEN_END])


def test_open_sides_are_the_core_sentinels() -> None:
    assert dates.OPEN_START == -(2**31)
    assert dates.OPEN_END == 2**31 - 1
    nat = np.array(["NaT"], dtype="datetime64[D]")
    assert dates.dates_to_days(nat, dates.OPEN_START).tolist() == [dates.OPEN_START]
