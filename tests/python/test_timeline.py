"""dr.timeline: exposure at a series of dates equals analyze at each date."""

from __future__ import annotations

import itertools

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


# -- the model's own change dates (docs/design.md §5, "Timeline") ------------------------------


def _window_bounds(model: dr.Model) -> set[str]:
    """Every non-open window bound in the model's mapping: an oracle independent of the tables."""
    bounds = set()
    for section in ("placements", "flows", "access"):
        for entry in model.to_dict().get(section, []):
            bounds.update(day for day in entry.get("window", []) if day is not None)
    return bounds


def test_change_dates_are_every_window_bound(texas: dr.Model) -> None:
    assert texas.change_dates() == tuple(sorted(_window_bounds(texas)))
    assert dr.Model().change_dates() == ()
    moved = texas.apply(
        [dr.changes.migrate("public_videos", "tiktok_virginia", "oracle_texas", effective="2025-07-18")]
    )
    assert "2025-07-18" in moved.change_dates() and "2025-07-18" not in texas.change_dates()


def test_changes_timeline_steps_exactly_where_the_model_changes(texas: dr.Model) -> None:
    result = dr.timeline(texas, "2021-06-01", "2024-06-01", freq="changes", method="exact")
    dates = [d.date().isoformat() for d in sorted(result.table["date"].unique())]
    inside = [d for d in texas.change_dates() if "2021-06-01" <= d <= "2024-06-01"]
    assert dates == ["2021-06-01", *inside, "2024-06-01"]
    assert result.change_dates == tuple(inside)
    # Piecewise constant: halfway between two evaluated dates the numbers are those of the
    # earlier one, so nothing between them is missed.
    by_date = {d: result.table[result.table["date"] == pd.Timestamp(d)] for d in dates}
    for earlier, later in itertools.pairwise(dates):
        middle = (pd.Timestamp(earlier) + (pd.Timestamp(later) - pd.Timestamp(earlier)) / 2).date()
        want = dr.analyze(texas, method="exact", at=middle).exposure
        got = by_date[earlier].drop(columns=["date", "method"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want)


def test_a_grid_misses_a_change_that_changes_true_adds() -> None:
    model = dr.examples.project_texas().apply(
        [dr.changes.migrate("public_videos", "tiktok_virginia", "oracle_texas", effective="2025-07-18")]
    )
    quarterly = dr.timeline(model, "2025-01-01", "2026-01-01", "QS", method="exact", adversaries="CN")
    assert pd.Timestamp("2025-07-18") not in set(quarterly.table["date"])
    snapped = dr.timeline(model, "2025-01-01", "2026-01-01", "QS", changes=True, method="exact", adversaries="CN")
    dates = sorted(snapped.table["date"].unique())
    assert pd.Timestamp("2025-07-18") in dates and pd.Timestamp("2025-10-01") in dates
    assert snapped.change_dates == ("2025-07-18",)
    assert snapped.to_dict()["tables"]["changes"] == [{"date": "2025-07-18"}]
    at_change = snapped.table[snapped.table["date"] == pd.Timestamp("2025-07-18")].drop(columns=["date", "method"])
    want = dr.analyze(model, "CN", method="exact", at="2025-07-18").exposure
    pd.testing.assert_frame_equal(at_change.reset_index(drop=True), want)


@pytest.mark.parametrize("changes", ["yes", 1, None])
def test_changes_must_be_a_bool(texas: dr.Model, changes: object) -> None:
    with pytest.raises(dr.ModelError, match=r"^changes: expected True or False"):
        dr.timeline(texas, "2022-01-01", "2022-06-01", changes=changes)  # type: ignore[arg-type]
