"""dr.timeline: exposure at a series of dates equals analyze at each date."""

from __future__ import annotations

import pandas as pd
import pytest

import datareach as dr


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def test_timeline_equals_analyze_at_each_date(texas: dr.Model) -> None:
    table = dr.timeline(texas, "2021-09-01", "2024-01-01", freq="QS", method="exact").table
    dates = sorted(table["date"].unique())
    assert dates[0] == pd.Timestamp("2021-10-01") and dates[-1] == pd.Timestamp("2024-01-01")
    assert len(table) == len(dates) * 2 * len(texas.class_ids)
    for date in (dates[0], dates[4], dates[-1]):
        want = dr.analyze(texas, method="exact", at=date.date()).exposure
        got = table[table["date"] == date].drop(columns=["date", "method"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)


def test_the_story_shows_in_the_timeline(texas: dr.Model) -> None:
    table = dr.timeline(texas, "2021-10-01", "2024-01-01", method="exact", adversaries="CN").table
    phone = table[table["class"] == "phone_numbers"].set_index("date")["probability"]
    videos = table[table["class"] == "public_videos"].set_index("date")["probability"]
    assert phone.loc["2024-01-01"] <= phone.loc["2021-10-01"] / 5
    assert videos.loc["2024-01-01"] >= 0.5


def test_monte_carlo_timeline_shares_worlds_across_dates(texas: dr.Model) -> None:
    result = dr.timeline(
        texas, "2021-10-01", "2021-12-01", method="monte_carlo", samples=4096, seed=9, adversaries="CN"
    )
    table = result.table
    assert result.provenance.seed == 9 and result.provenance.worlds == 4096
    # Nothing changes between these dates in the model: with the same worlds the estimates are identical.
    pivot = table.pivot_table(index="date", columns="class", values="probability")
    assert (pivot.nunique() == 1).all()
    assert set(table["method"]) == {"monte_carlo"}


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (("2022-01-01", "2021-01-01"), "end"),
        (("2021-13-01", "2022-01-01"), "start"),
        (("2021-01-01", "2022-01-01", "fortnightly"), "freq"),
        (("2021-01-02", "2021-01-03", "MS"), "freq"),
    ],
)
def test_bad_arguments(texas: dr.Model, args: tuple, where: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.timeline(texas, *args)
    assert str(error.value).startswith(where + ":")


def test_the_dates_are_the_timelines_own(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError, match="^at: "):
        dr.timeline(texas, "2021-10-01", "2021-12-01", at="2022-01-01")
    result = dr.timeline(texas, "2021-10-01", "2021-12-01", method="exact")
    assert result.provenance.at is None and result.method == "exact" and result.worlds is None
