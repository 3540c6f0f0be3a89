"""The sensitivity analyses (docs/design.md §5a): ``dr.tornado`` and ``dr.uncertainty``
against the brute-force oracle on random models with random ranges, their Monte Carlo
intervals, seeds and common random numbers, their options and errors, the shipped example
and the ``datareach tornado`` / ``uncertainty`` commands."""

from __future__ import annotations

import copy
import json
import math
import pickle
import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

import datareach as dr
from datareach.cli import main
from oracle import enumerate_exposure, random_variables
from random_models import AT_DATES, add_ranges, random_scenario

TOLERANCE = 1e-9

# --------------------------------------------------------------------------- helpers


def oracle_probability(scenario: dict, adversary: str, data_class: str, at: Any) -> float:
    return float(enumerate_exposure(scenario, adversary, at)[data_class]["probability"])


def replaced(scenario: dict, entry: str, value: float) -> dict:
    """The scenario with the point value of ``entry`` (``access[3]``, ``events[0]``,
    ``nodes[2]``) replaced: written from the file format alone, not from datareach."""
    section, _, rest = entry.partition("[")
    row = int(rest.rstrip("]"))
    out = copy.deepcopy(scenario)
    out[section][row]["compels" if section == "nodes" else "p"] = value
    return out


def ranged_entries(scenario: dict, at: Any) -> set[str]:
    """The entries with a range that are present at ``at`` (arcs by their window)."""
    from oracle import in_window

    found = {f"events[{i}]" for i, e in enumerate(scenario.get("events", [])) if "p_range" in e}
    found |= {f"nodes[{i}]" for i, n in enumerate(scenario["nodes"]) if "compels_range" in n}
    found |= {f"access[{i}]" for i, a in enumerate(scenario["access"]) if "p_range" in a and in_window(a, at)}
    return found


def random_requests(seed: int, count: int, max_variables: int = 10):
    """(scenario with ranges, adversary, class, at): small enough for the oracle at every end
    of every range (a range end of 0 or 1 only removes variables)."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        scenario = add_ranges(random_scenario(rng), rng)
        at = rng.choice(AT_DATES)
        adversary = rng.choice([n["id"] for n in scenario["nodes"]])
        if len(random_variables(_widest(scenario), adversary, at)) > max_variables:
            continue
        data_class = rng.choice([c["id"] for c in scenario["classes"]])
        made += 1
        yield scenario, adversary, data_class, at


def _widest(scenario: dict) -> dict:
    """Every ranged value at its range's midpoint: as many random variables as any end."""
    out = copy.deepcopy(scenario)
    for section, field, range_field in (("events", "p", "p_range"), ("access", "p", "p_range")):
        for entry in out.get(section, []):
            if range_field in entry:
                entry[field] = sum(entry[range_field]) / 2
    for node in out["nodes"]:
        if "compels_range" in node:
            node["compels"] = sum(node["compels_range"]) / 2
    return out


# --------------------------------------------------------------------------- tornado, exact


@pytest.mark.parametrize("batch", range(6))
def test_tornado_ends_equal_the_oracle(batch: int) -> None:
    """6 batches x 50 = 300 random models with random ranges: every end of every range, and
    the base, equal the brute-force exposure with that one value replaced in the file."""
    for scenario, adversary, data_class, at in random_requests(2000 + batch, 50):
        model = dr.Model.from_dict(scenario)
        result = dr.tornado(model, adversary, data_class, at=at, method="exact")
        context = f"\nscenario: {scenario!r}\nadversary {adversary}, class {data_class}, at {at}"
        assert result.base == pytest.approx(oracle_probability(scenario, adversary, data_class, at), abs=TOLERANCE)
        table = result.table
        assert set(table["entry"]) == ranged_entries(scenario, at), context
        for row in table.itertuples(index=False):
            for end, got in ((row.low, row.exposure_low), (row.high, row.exposure_high)):
                want = oracle_probability(replaced(scenario, row.entry, end), adversary, data_class, at)
                assert got == pytest.approx(want, abs=TOLERANCE), f"{row.entry} at {end}{context}"
            assert row.swing == pytest.approx(row.exposure_high - row.exposure_low, abs=1e-15)
            assert row.swing >= -1e-12  # exposure never falls as a p rises
            assert row.exposure_low_ci_low == row.exposure_low == row.exposure_low_ci_high
            assert row.swing_ci_low == row.swing == row.swing_ci_high
        swings = table["swing"].abs().to_numpy()
        assert (np.diff(swings) <= 0).all(), "sorted by swing, largest first"


def test_tornado_rows_describe_their_variables() -> None:
    m = ranged_model()
    table = dr.tornado(m, "CN", "c", method="exact").table
    assert list(table.columns) == [
        "kind",
        "entry",
        "from",
        "to",
        "event",
        "node",
        "p",
        "low",
        "high",
        "exposure_low",
        "exposure_low_ci_low",
        "exposure_low_ci_high",
        "exposure_high",
        "exposure_high_ci_low",
        "exposure_high_ci_high",
        "swing",
        "swing_ci_low",
        "swing_ci_high",
    ]
    rows = table.set_index("entry")
    assert rows.loc["events[0]", ["kind", "event", "p", "low", "high"]].tolist() == ["event", "e", 0.5, 0.2, 0.9]
    assert rows.loc["nodes[0]", ["kind", "node", "p", "low", "high"]].tolist() == ["jurisdiction", "CN", 0.9, 0.5, 1.0]
    assert rows.loc["access[0]", ["kind", "from", "to", "p"]].tolist() == ["arc", "a", "s", 0.3]
    assert rows.loc["access[0]", "event"] is None and rows.loc["events[0]", "from"] is None


def ranged_model() -> dr.Model:
    m = dr.Model("ranged")
    m.add_event("e", 0.5, p_range=(0.2, 0.9))
    m.add_node("CN", "jurisdiction", territory="CN", compels=0.9, compels_range=(0.5, 1))
    m.add_node("a", "role", region="CN")
    m.add_node("b", "role", region="CN/x")
    m.add_node("s", "store")
    m.add_class("c")
    m.add_class("d")
    m.add_class("both", components=["c", "d"])
    m.place("c", "s")
    m.place("d", "s", 0.5)
    m.add_access("a", "s", 0.3, requires=["e"], p_range=(0.1, 0.5))
    m.add_access("b", "s", 0.3, requires=["e"], window=("2021-01-01", "2022-01-01"), p_range=(0, 1))
    m.add_access("b", "s", 0.6, classes=["d"], window=("2023-01-01", None))
    m.adversaries = ["CN"]
    return m


def test_an_arc_absent_at_the_date_is_no_variable() -> None:
    m = ranged_model()
    assert set(dr.tornado(m, "CN", "c", method="exact").table["entry"]) == {
        "events[0]",
        "nodes[0]",
        "access[0]",
        "access[1]",
    }
    assert "access[1]" not in set(dr.tornado(m, "CN", "c", at="2023-06-01", method="exact").table["entry"])


def test_a_composite_class_is_analysed_like_any() -> None:
    m = ranged_model()
    scenario = m.to_dict()
    result = dr.tornado(m, "CN", "both", method="exact")
    for row in result.table.itertuples(index=False):
        want = oracle_probability(replaced(scenario, row.entry, row.high), "CN", "both", None)
        assert row.exposure_high == pytest.approx(want, abs=TOLERANCE)


def test_a_model_without_ranges_gives_an_empty_tornado() -> None:
    m = dr.Model.from_dict(random_scenario(random.Random(3)))
    adversary, data_class = m.node_ids[0], m.class_ids[0]
    result = dr.tornado(m, adversary, data_class, method="exact")
    assert result.table.empty and len(result.table.columns) == 18
    expected = dr.analyze(m, [adversary], method="exact").table.set_index("class").loc[data_class, "probability"]
    assert result.base == expected
    assert result.summary["variables"].tolist() == [0]


def test_tornado_takes_the_shared_options() -> None:
    m = ranged_model()
    dated = dr.tornado(m, "CN", "c", at="2021-06-01", method="exact")
    assert dated.provenance.at == "2021-06-01" and dated.method == "exact"
    same = dr.tornado(m, "CN", "c", options=dr.AnalysisOptions(method="exact", at="2021-06-01"))
    pd.testing.assert_frame_equal(dated.table, same.table)
    # the keyword date wins over the options' date
    later = dr.tornado(m, "CN", "c", at="2023-06-01", options=dr.AnalysisOptions(method="exact", at="2021-06-01"))
    assert later.provenance.at == "2023-06-01"
    assert dr.tornado(m, "CN", "c").method == "exact"  # auto: a small model
    seen: list[tuple[int, int]] = []
    dr.tornado(m, "CN", "c", method="exact", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5, 5) and len(seen) == 5  # the base, then one run per variable
    with pytest.raises(dr.AnalysisStopped):
        dr.tornado(m, "CN", "c", method="exact", progress=lambda done, total: False)


@pytest.mark.parametrize(
    ("call", "where", "text"),
    [
        (lambda m: dr.tornado(m, "CNN", "c"), "adversary", "did you mean 'CN'?"),
        (lambda m: dr.tornado(m, 3, "c"), "adversary", "expected a node id"),
        (lambda m: dr.tornado(m, "CN", "cc"), "data_class", "unknown class 'cc'"),
        (lambda m: dr.tornado("m", "CN", "c"), "model", "expected a datareach Model"),
        (lambda m: dr.tornado(m, "CN", "c", method="exakt"), "method", "unknown method"),
        (lambda m: dr.tornado(m, "CN", "c", at="2022-02-30"), "at", "2022-02-30"),
        (lambda m: dr.uncertainty(m, "CN", "c", draws=0), "draws", "from 1 to 100,000"),
        (lambda m: dr.uncertainty(m, "CN", "c", draws=2.5), "draws", "whole number"),
        (lambda m: dr.uncertainty(m, "CN", "c", draws=True), "draws", "whole number"),
        (lambda m: dr.uncertainty(m, "CN", "d", samples=0), "samples", "expected an integer"),
    ],
)
def test_bad_requests_are_model_errors_naming_the_argument(call: Any, where: str, text: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        call(ranged_model())
    assert error.value.where == where, str(error.value)
    assert text in str(error.value)


# --------------------------------------------------------------------------- tornado, Monte Carlo


def test_monte_carlo_tornado_intervals_cover_the_exact_values() -> None:
    """On 80 random models, the Wilson intervals of the ends and the paired (Tango) interval
    of the swing cover the exact values at about their nominal 95 %."""
    checks = {"ends": [0, 0], "swing": [0, 0]}
    for scenario, adversary, data_class, at in random_requests(3000, 80):
        model = dr.Model.from_dict(scenario)
        exact = dr.tornado(model, adversary, data_class, at=at, method="exact").table.set_index("entry")
        sampled = dr.tornado(model, adversary, data_class, at=at, method="monte_carlo", samples=4096, seed=11)
        assert sampled.method == "monte_carlo" and sampled.seed == 11 and sampled.worlds == 4096
        for row in sampled.table.itertuples(index=False):
            truth = exact.loc[row.entry]
            for end in ("exposure_low", "exposure_high"):
                low, high = getattr(row, f"{end}_ci_low"), getattr(row, f"{end}_ci_high")
                checks["ends"][0] += 1
                checks["ends"][1] += low - 1e-12 <= truth[end] <= high + 1e-12
            checks["swing"][0] += 1
            checks["swing"][1] += row.swing_ci_low - 1e-12 <= truth["swing"] <= row.swing_ci_high + 1e-12
            assert row.swing >= 0  # common random numbers: raising a p only adds live worlds
    for name, (total, covered) in checks.items():
        assert total > 100, name
        assert covered / total >= 0.9, (name, covered, total)


def test_monte_carlo_tornado_is_reproducible_and_paired() -> None:
    m = dr.examples.project_texas()
    first = dr.tornado(m, "CN", "phone_numbers", at="2022-09-01", method="monte_carlo", seed=5, samples=20_000)
    again = dr.tornado(m, "CN", "phone_numbers", at="2022-09-01", method="monte_carlo", seed=5, samples=20_000)
    pd.testing.assert_frame_equal(first.table, again.table)
    one_thread = dr.tornado(
        m, "CN", "phone_numbers", at="2022-09-01", method="monte_carlo", seed=5, samples=20_000, threads=1
    )
    pd.testing.assert_frame_equal(first.table, one_thread.table)
    # common random numbers: the swing's paired interval is narrower than its ends' intervals
    table = first.table
    moving = table[table["swing"] > 0]
    assert len(moving)
    swing_width = (moving["swing_ci_high"] - moving["swing_ci_low"]).to_numpy()
    ends_width = (
        moving["exposure_low_ci_high"]
        - moving["exposure_low_ci_low"]
        + moving["exposure_high_ci_high"]
        - moving["exposure_high_ci_low"]
    ).to_numpy()
    assert (swing_width <= ends_width + 1e-12).all() and swing_width.sum() < ends_width.sum()
    # the ends of every variable are evaluated on the base's worlds: an end equal to the
    # point value gives the base's estimate exactly
    base_at_point = dr.tornado(
        dr.Model.from_dict(_pinned(m.to_dict())), "CN", "phone_numbers", at="2022-09-01", method="monte_carlo", seed=5
    )
    pinned = base_at_point.table.set_index("entry")
    assert pinned.loc["nodes[0]", "exposure_high"] == 1.0
    assert pinned.loc["events[0]", "exposure_low"] == base_at_point.base


def _pinned(scenario: dict) -> dict:
    """The example with the low end of its first event's range at the point value."""
    out = copy.deepcopy(scenario)
    event = out["events"][0]
    event["p_range"] = [event["p"], event["p_range"][1]]
    return out


def test_a_tolerance_applies_to_the_swings() -> None:
    m = ranged_model()
    result = dr.tornado(m, "CN", "c", method="monte_carlo", seed=1, tolerance=0.01)
    assert result.provenance.converged is True
    half_widths = (result.table["swing_ci_high"] - result.table["swing_ci_low"]) / 2
    assert (half_widths <= 0.01).all()
    with pytest.warns(dr.ToleranceNotMet):
        short = dr.tornado(m, "CN", "c", method="monte_carlo", seed=1, tolerance=1e-5, max_samples=4096)
    assert short.provenance.converged is False


def test_tornado_results_pickle_and_serialise() -> None:
    result = dr.tornado(ranged_model(), "CN", "c", method="monte_carlo", seed=2, samples=2048)
    again = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(again.table, result.table)
    assert again.base == result.base and again.adversary == "CN" and again.data_class == "c"
    data = result.to_dict()
    assert data["analysis"] == "tornado" and set(data["tables"]) == {"table", "summary"}
    assert data["tables"]["summary"][0]["base"] == pytest.approx(result.base, abs=1e-9)
    json.dumps(data, allow_nan=False)
    assert "tornado" in repr(result) and "c to CN" in str(result)


# --------------------------------------------------------------------------- uncertainty


def test_uncertainty_draws_every_range_and_matches_the_oracle_per_draw() -> None:
    """Every draw's exposure is the brute-force exposure of the file with the drawn values
    written in; the mean over the draws is the oracle's average over the same draws."""
    for scenario, adversary, data_class, at in random_requests(4000, 25):
        model = dr.Model.from_dict(scenario)
        entries = ranged_entries(scenario, at)
        if not entries:
            with pytest.raises(dr.ModelError, match="no range"):
                dr.uncertainty(model, adversary, data_class, at=at, draws=5)
            continue
        result = dr.uncertainty(model, adversary, data_class, at=at, draws=40, seed=9, method="exact")
        table = result.table
        assert list(table.columns) == [
            "draw",
            *result.variables["entry"],
            "exposure",
            "exposure_ci_low",
            "exposure_ci_high",
        ]
        assert set(result.variables["entry"]) == entries
        want = []
        for _, draw in table.iterrows():
            changed = scenario
            for variable in result.variables.itertuples(index=False):
                value = float(draw[variable.entry])
                assert variable.low <= value <= variable.high
                changed = replaced(changed, variable.entry, value)
            want.append(oracle_probability(changed, adversary, data_class, at))
        np.testing.assert_allclose(table["exposure"], want, atol=TOLERANCE, rtol=0)
        summary = result.summary.iloc[0]
        assert summary["mean"] == pytest.approx(np.mean(want), abs=TOLERANCE)
        assert summary["base"] == pytest.approx(oracle_probability(scenario, adversary, data_class, at), abs=TOLERANCE)


def test_uncertainty_with_monte_carlo_is_close_to_the_oracle_mean() -> None:
    m = ranged_model()
    scenario = m.to_dict()
    result = dr.uncertainty(m, "CN", "c", draws=60, seed=4, method="monte_carlo", samples=20_000)
    assert result.method == "monte_carlo" and result.worlds == 20_480 and result.seed == 4
    want = []
    for _, draw in result.table.iterrows():
        changed = scenario
        for entry in result.variables["entry"]:
            changed = replaced(changed, entry, float(draw[entry]))
        want.append(oracle_probability(changed, "CN", "c", None))
    assert result.summary["mean"].iloc[0] == pytest.approx(np.mean(want), abs=0.01)
    inside = (result.table["exposure_ci_low"] <= want) & (np.array(want) <= result.table["exposure_ci_high"])
    assert inside.mean() >= 0.85


def test_uncertainty_summary_is_a_monotone_distribution() -> None:
    result = dr.uncertainty(dr.examples.project_texas(), "CN", "phone_numbers", at="2022-09-01", seed=1, draws=300)
    summary = result.summary
    assert list(summary.columns) == [
        "adversary",
        "class",
        "draws",
        "base",
        "mean",
        "std",
        "min",
        "q05",
        "q25",
        "q50",
        "q75",
        "q95",
        "max",
    ]
    row = summary.iloc[0]
    order = [row[name] for name in ("min", "q05", "q25", "q50", "q75", "q95", "max")]
    assert order == sorted(order)
    exposure = result.table["exposure"]
    assert row["mean"] == pytest.approx(exposure.mean()) and row["std"] == pytest.approx(exposure.std())
    assert row["q50"] == pytest.approx(exposure.median()) and row["draws"] == 300
    assert row["min"] <= row["mean"] <= row["max"] and row["base"] == result.base
    assert len(result.variables) == 7  # the example's assumed probabilities


def test_uncertainty_is_reproducible_by_seed() -> None:
    m = ranged_model()
    first = dr.uncertainty(m, "CN", "c", draws=50, seed=3)
    again = dr.uncertainty(m, "CN", "c", draws=50, options=dr.AnalysisOptions(seed=3))
    pd.testing.assert_frame_equal(first.table, again.table)
    other = dr.uncertainty(m, "CN", "c", draws=50, seed=4)
    assert not first.table.equals(other.table)
    assert first.seed == 3 and first.method == "exact"  # the draws are random even when exact
    fresh = dr.uncertainty(m, "CN", "c", draws=5)
    assert fresh.seed is not None
    replay = dr.uncertainty(m, "CN", "c", draws=5, seed=fresh.seed)
    pd.testing.assert_frame_equal(fresh.table, replay.table)


def test_uncertainty_draws_uniformly_and_independently() -> None:
    m = dr.Model("wide")
    m.add_event("e", 0.5, p_range=(0, 1))
    m.add_event("f", 0.5, p_range=(0.25, 0.75))
    m.add_node("a", "role").add_node("s", "store").add_class("c").place("c", "s")
    m.add_access("a", "s", 1, requires=["e", "f"])
    table = dr.uncertainty(m, "a", "c", draws=4000, seed=8).table
    e, f = table["events[0]"].to_numpy(), table["events[1]"].to_numpy()
    assert e.min() >= 0 and e.max() <= 1 and f.min() >= 0.25 and f.max() <= 0.75
    assert abs(e.mean() - 0.5) < 0.02 and abs(e.var() - 1 / 12) < 0.005
    assert abs(np.corrcoef(e, f)[0, 1]) < 0.05
    np.testing.assert_allclose(table["exposure"], e * f, atol=TOLERANCE)  # P = p_e * p_f


def test_uncertainty_progress_counts_draws_and_can_stop() -> None:
    seen: list[tuple[int, int]] = []
    dr.uncertainty(ranged_model(), "CN", "c", draws=7, seed=1, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 7) for i in range(1, 8)]
    with pytest.raises(dr.AnalysisStopped):
        dr.uncertainty(ranged_model(), "CN", "c", draws=7, seed=1, progress=lambda d, t: d < 3)


def test_uncertainty_results_pickle_and_serialise() -> None:
    result = dr.uncertainty(ranged_model(), "CN", "c", draws=20, seed=1)
    again = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(again.summary, result.summary)
    data = result.to_dict()
    assert set(data["tables"]) == {"table", "summary", "variables"}
    assert len(data["tables"]["table"]) == 20 and data["provenance"]["seed"] == 1
    json.dumps(data, allow_nan=False)


def test_a_model_without_ranges_refuses_uncertainty() -> None:
    m = dr.Model.from_dict(random_scenario(random.Random(3)))
    with pytest.raises(dr.ModelError) as error:
        dr.uncertainty(m, m.node_ids[0], m.class_ids[0])
    assert error.value.where == "model" and "no range" in str(error.value)
    only_old_arc = dr.Model("old").add_node("a", "role").add_node("s", "store").add_class("c").place("c", "s")
    only_old_arc.add_access("a", "s", 0.5, window=(None, "2020-01-01"), p_range=(0.1, 0.9))
    with pytest.raises(dr.ModelError, match="no range present at 2021-01-01"):
        dr.uncertainty(only_old_arc, "a", "c", at="2021-01-01")
    assert len(dr.uncertainty(only_old_arc, "a", "c", draws=3).table) == 3


# --------------------------------------------------------------------------- the example


def test_the_example_has_ranges_on_its_assumed_probabilities_only() -> None:
    data = dr.examples.project_texas().to_dict()
    for event in data["events"]:
        low, high = event["p_range"]
        assert low < event["p"] < high and event["note"].startswith("ASSUMPTION(p, p_range)")
    for node in data["nodes"]:
        if "compels" in node:
            low, high = node["compels_range"]
            assert low < node["compels"] <= high and node["note"].startswith("ASSUMPTION(compels, compels_range)")
        else:
            assert "compels_range" not in node
    assert all("p_range" not in arc for arc in data["access"])  # reported access: p = 1


@pytest.mark.parametrize("at", ["2021-10-01", "2022-09-01", "2023-06-01"])
def test_the_example_tornado_equals_the_oracle(at: str) -> None:
    m = dr.examples.project_texas()
    scenario = m.to_dict()
    result = dr.tornado(m, "CN", "phone_numbers", at=at)
    assert result.method == "exact" and len(result.table) == 7
    for row in result.table.itertuples(index=False):
        for end, got in ((row.low, row.exposure_low), (row.high, row.exposure_high)):
            want = oracle_probability(replaced(scenario, row.entry, end), "CN", "phone_numbers", at)
            assert got == pytest.approx(want, abs=TOLERANCE), (row.entry, end)
    assert result.table["swing"].iloc[0] > 0


# --------------------------------------------------------------------------- commands


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


TEXAS = str(dr.examples.path("project_texas"))


def test_tornado_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "tornado", TEXAS, "--adversary", "CN", "--class", "phone_numbers", "--at", "2022-09-01"
    )
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert "tornado (exact, as of 2022-09-01" in lines[0] and "phone_numbers to CN" in lines[0]
    assert lines[1].split() == ["entry", "kind", "variable", "p", "range", "exposure_low", "exposure_high", "swing"]
    assert len(lines) == 2 + 7
    first = dr.tornado(dr.load(TEXAS), "CN", "phone_numbers", at="2022-09-01").table.iloc[0]
    assert lines[2].split()[0] == first["entry"] and f"{first['swing']:.4f}" in lines[2]


def test_tornado_command_with_monte_carlo_shows_intervals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "tornado",
        TEXAS,
        "--adversary",
        "CN",
        "--class",
        "phone_numbers",
        "--at",
        "2022-09-01",
        "--method",
        "monte_carlo",
        "--seed",
        "1",
    )
    assert code == 0
    assert "seed 1" in out.splitlines()[0] and "exposure at the point values: 0." in out
    assert "[" in out.splitlines()[3].split("]", 1)[1]  # an interval after the range


def test_tornado_command_json_is_strict_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "tornado", TEXAS, "--adversary", "CN", "--class", "phone_numbers", "--json", "--seed", "3"
    )
    assert code == 0
    payload = json.loads(out, parse_constant=lambda name: pytest.fail(f"non-strict JSON {name}"))
    assert payload["analysis"] == "tornado" and len(payload["tables"]["table"]) == 7
    assert payload["tables"]["summary"][0]["class"] == "phone_numbers"


def test_tornado_command_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "tornado", TEXAS, "--adversary", "CN", "--class", "phonenumbers")
    assert code == 2 and out == ""
    assert err == "datareach: error: data_class: unknown class 'phonenumbers' (did you mean 'phone_numbers'?)\n"
    code, _, err = run(capsys, "tornado", TEXAS, "--adversary", "CN", "--class", "phone_numbers", "--at", "2022-13-01")
    assert code == 2 and err.startswith("datareach: error: --at:")
    code, _, err = run(capsys, "tornado", TEXAS, "--adversary", "CN", "--class", "phone_numbers", "--samples", "0")
    assert code == 2 and err.startswith("datareach: error: --samples:")


def test_tornado_command_on_a_model_without_ranges(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    path = tmp_path / "plain.yaml"
    dr.save(dr.Model.from_dict(random_scenario(random.Random(3))), path)
    model = dr.load(path)
    code, out, _ = run(capsys, "tornado", str(path), "--adversary", model.node_ids[0], "--class", model.class_ids[0])
    assert code == 0 and "(no ranges" in out
    code, _, err = run(
        capsys, "uncertainty", str(path), "--adversary", model.node_ids[0], "--class", model.class_ids[0]
    )
    assert code == 2 and "model: the model has no range" in err


def test_uncertainty_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "uncertainty",
        TEXAS,
        "--adversary",
        "CN",
        "--class",
        "phone_numbers",
        "--at",
        "2022-09-01",
        "--seed",
        "1",
        "--draws",
        "50",
    )
    assert code == 0 and err == ""
    assert "over 50 draws:" in out and "q95" in out and "china_access_approved" in out
    code, out, _ = run(
        capsys,
        "uncertainty",
        TEXAS,
        "--adversary",
        "CN",
        "--class",
        "phone_numbers",
        "--json",
        "--seed",
        "1",
        "--draws",
        "10",
    )
    payload = json.loads(out)
    assert payload["analysis"] == "uncertainty" and len(payload["tables"]["table"]) == 10
    code, _, err = run(capsys, "uncertainty", TEXAS, "--adversary", "CN", "--class", "phone_numbers", "--draws", "0")
    assert code == 2 and err.startswith("datareach: error: draws:")


def test_the_ends_of_a_degenerate_range_are_the_base() -> None:
    m = dr.Model("point").add_node("a", "role").add_node("s", "store").add_class("c").place("c", "s")
    m.add_access("a", "s", 0.4, p_range=(0.4, 0.4))
    row = dr.tornado(m, "a", "c").table.iloc[0]
    assert row["exposure_low"] == row["exposure_high"] == pytest.approx(0.4) and row["swing"] == 0
    assert math.isclose(dr.uncertainty(m, "a", "c", draws=3).summary["std"].iloc[0], 0.0, abs_tol=1e-15)
