"""``datareach demo``: the story of the embedded example in sentences and compact tables, every
number taken from an analysis; ``--json`` keeps the data. And the number formats of
``datareach.narrative`` it uses."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import datareach as dr
from datareach.cli import main
from datareach.cli.demo import ADVERSARY, FOCUS, PERIODS, SEED, WHAT_IF_AT, WHAT_IF_SAMPLES, WIDTH
from datareach.narrative import percent, percent_points, points_interval


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


@pytest.fixture(scope="module")
def story() -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["demo"]) == 0
    return buffer.getvalue()


def _exposure(model: dr.Model, at: str, data_class: str = FOCUS) -> float:
    table = dr.analyze(model, ADVERSARY, at=at, method="exact").exposure.set_index("class")
    return float(table.at[data_class, "probability"])


def _prose(story: str) -> str:
    return " ".join(story.split())


def test_fits_a_terminal_100_columns_wide(story: str) -> None:
    long = [line for line in story.splitlines() if len(line) > WIDTH]
    # Only the folder of the installed package may be longer: it is a path to copy.
    assert all(line.startswith("  D=") for line in long), long


def test_a_heading_per_period_in_order(story: str) -> None:
    headings = [line for line in story.splitlines() if line.startswith("== ")]
    titles = [h[3:].rstrip("= ") for h in headings]
    assert [t.split(" (as of")[0] for t in titles] == [label for label, _ in PERIODS] + [
        "What if: Project Texas as designed"
    ]
    for (_, at), heading in zip(PERIODS, headings):
        assert f"as of {at}" in heading


def test_headlines_give_the_analysed_numbers(story: str, texas: dr.Model) -> None:
    prose = _prose(story)
    for _, at in PERIODS:
        p = _exposure(texas, at)
        path = dr.most_likely_path(texas, ADVERSARY, FOCUS, at=at)
        assert path is not None
        assert f"Phone numbers: {percent(p)}, most likely through {' → '.join(path.nodes)}" in prose
    # July 2022: the new store, and why the exposure hardly moved (the stores that held the class
    # before and are still reached).
    july, autumn = PERIODS[1][1], PERIODS[0][1]
    before = dr.analyze(texas, ADVERSARY, at=autumn, method="exact").by_store
    after = dr.analyze(texas, ADVERSARY, at=july, method="exact").by_store
    held_before = set(before[before["class"] == FOCUS]["store"])
    now = after[(after["class"] == FOCUS) & (after["probability"] > 0.5)]
    new = sorted(set(now["store"]) - held_before)
    remaining = [s for s in now.sort_values("probability", ascending=False)["store"] if s in held_before]
    assert new == ["oracle_texas"]
    assert (
        f"Phone numbers moved into oracle_texas, yet exposure went only from {percent(_exposure(texas, autumn))} "
        f"to {percent(_exposure(texas, july))}: copies remain in {' and '.join(remaining)}."
    ) in prose
    # After Project Texas: protected data fell, public data did not move.
    last = PERIODS[2][1]
    assert f"exposure fell from {percent(_exposure(texas, july))}" in prose
    assert f"Public videos stay at {percent(_exposure(texas, last, 'public_videos'))}" in prose


def test_the_what_if_has_its_interval_and_covers_the_exact_difference(story: str, texas: dr.Model) -> None:
    plan = dr.examples.project_texas_as_designed()
    sampled = dr.compare(
        texas, plan, adversaries=ADVERSARY, at=WHAT_IF_AT, method="monte_carlo", samples=WHAT_IF_SAMPLES, seed=SEED
    ).table.set_index("class")
    exact = dr.compare(texas, plan, adversaries=ADVERSARY, at=WHAT_IF_AT, method="exact").table.set_index("class")
    row = sampled.loc[FOCUS]
    interval = points_interval(row["probability_difference_ci_low"], row["probability_difference_ci_high"])
    assert (
        f"from {percent(row['base_probability'])} to {percent(row['probability'])}: "
        f"{percent_points(row['probability_difference'])} (95% interval {interval};"
    ) in _prose(story)
    truth = exact.at[FOCUS, "probability_difference"]
    assert row["probability_difference_ci_low"] <= truth <= row["probability_difference_ci_high"]
    # One row per class, each with its difference and interval.
    table = [line for line in story.split("What if:")[1].splitlines() if line.startswith("  ") and "points" in line]
    rows = {line.split("  ")[1].strip(): line for line in table}
    for data_class, values in sampled.iterrows():
        shown = rows[data_class.replace("_", " ")]
        assert percent_points(values["probability_difference"]) in shown


def test_points_to_the_report(story: str) -> None:
    assert "datareach report" in story
    folder = next(line for line in story.splitlines() if line.startswith("  D="))[4:]
    assert folder == str(dr.examples.path("project_texas").parent)


def test_json_keeps_the_data(capsys: pytest.CaptureFixture[str], texas: dr.Model) -> None:
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["analysis"] == "demo" and data["adversary"] == ADVERSARY
    assert [(p["label"], p["at"]) for p in data["periods"]] == list(PERIODS)
    for period in data["periods"]:
        want = dr.analyze(texas, at=period["at"], seed=SEED).to_dict()["tables"]
        assert period["exposure"]["tables"] == want
        assert any(s.startswith("Phone numbers: ") for s in period["sentences"])
    what_if = data["what_if"]
    assert what_if["changes"] == 10 and what_if["at"] == WHAT_IF_AT
    assert what_if["comparison"]["provenance"]["seed"] == SEED
    assert len(what_if["comparison"]["tables"]["table"]) == len(texas.class_ids)


# -- number formats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "shown"),
    [(0.0, "0%"), (1.0, "100%"), (0.9963, "99.6%"), (0.045, "4.5%"), (0.9999, "99.99%"), (1 - 1e-12, ">99.9999%"),
     (1e-12, "<0.0001%"), (math.nan, "n/a")],
)  # fmt: skip
def test_percent(p: float, shown: str) -> None:
    assert percent(p) == shown


@given(st.floats(min_value=0.0, max_value=1.0))
def test_percent_never_shows_certainty_that_is_not_there(p: float) -> None:
    shown = percent(p)
    if p not in (0.0, 1.0):
        assert shown not in ("0%", "100%") and not re.fullmatch(r"(0|100)\.0+%", shown)
    number = re.fullmatch(r"(\d+(?:\.(\d+))?)%", shown)
    if number:
        decimals = len(number.group(2) or "")
        assert abs(float(number.group(1)) - 100 * p) <= 0.5 * 10.0**-decimals + 1e-9


def test_points() -> None:
    assert percent_points(-0.952) == "−95.2 points" and percent_points(0.0) == "0 points"
    assert percent_points(0.0123) == "+1.2 points"
    assert points_interval(-0.953, -0.95) == "[−95.3, −95.0]"


def test_print_of_a_comparison_is_its_summary_table(texas: dr.Model) -> None:
    comparison = dr.compare(
        texas, dr.examples.project_texas_as_designed(), at=WHAT_IF_AT, method="monte_carlo", samples=4096, seed=SEED
    )
    text = str(comparison)
    lines = text.splitlines()
    table = comparison.table
    assert len([line for line in lines if line.startswith("Project Texas as designed")]) == len(table) + len(
        comparison.total_risk
    )
    for row in table.itertuples(index=False):
        low, high = row.probability_difference_ci_low, row.probability_difference_ci_high
        shown = f"{row.probability_difference:+.4f}" + ("" if low == high else f" [{low:+.4f}, {high:+.4f}]")
        assert any(shown in line and f" {row._2} " in line + " " for line in lines), shown
    assert list(comparison.summary().columns) == [
        "variant", "adversary", "class", "base_probability", "probability", "probability_difference", "risk_difference"
    ]  # fmt: skip
