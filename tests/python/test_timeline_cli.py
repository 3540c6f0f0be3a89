"""``datareach timeline``: the table of exposure over time, by default at the model's change dates."""

from __future__ import annotations

import json

import pytest

import datareach as dr
from datareach.cli import main

SCENARIO = str(dr.examples.path("project_texas"))


def test_default_dates_are_the_models_change_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", SCENARIO, "--method", "exact", "--adversary", "CN", "--class", "phone_numbers"]) == 0
    out = capsys.readouterr().out
    texas = dr.examples.project_texas()
    rows = [line.split() for line in out.splitlines() if line[:4].isdigit()]
    assert [row[0] for row in rows] == list(texas.change_dates())
    for date, shown in rows:
        want = dr.analyze(texas, "CN", method="exact", at=date).exposure.set_index("class").loc["phone_numbers"]
        assert shown == f"{want['probability']:.4f}"
    assert "the model changes on " + ", ".join(texas.change_dates()) in out


def test_json_is_the_results_dict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["timeline", SCENARIO, "--start", "2022-01-01", "--end", "2023-06-01", "--seed", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["analysis"] == "timeline"
    changes = [row["date"] for row in data["tables"]["changes"]]
    assert changes == ["2022-02-01", "2022-06-17", "2022-10-01", "2023-01-01"]
    dates = {row["date"][:10] for row in data["tables"]["table"]}
    assert dates == {"2022-01-01", "2023-06-01", *changes}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--class", "phone_number"], "--class: unknown class 'phone_number' (did you mean 'phone_numbers'?)"),
        (["--freq", "H"], "--freq: 'H' is shorter than a day"),
        (["--start", "2022-13-01"], "--start: must be a date"),
        (["--start", "2023-01-01", "--end", "2022-01-01"], "--end: end 2022-01-01 comes before start 2023-01-01"),
    ],
)
def test_bad_arguments_exit_2_naming_the_flag(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["timeline", SCENARIO, *args]) == 2
    assert message in capsys.readouterr().err
