"""dr.analyze through the public API: the exposure tables against the independent
brute-force oracle, Monte Carlo against exact, and the Result's behaviour."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

import datareach as dr
import oracle
from random_models import AT_DATES, random_scenario

TOLERANCE = 1e-9


def oracle_tables(scenario: dict, adversary: str, at) -> dict:
    return oracle.enumerate_exposure(scenario, adversary, at=at)


def random_cases(seed: int, count: int):
    rng = random.Random(seed)
    made = 0
    while made < count:
        scenario = random_scenario(rng)
        adversary = rng.choice([n["id"] for n in scenario["nodes"]])
        at = rng.choice(AT_DATES)
        if len(oracle.random_variables(scenario, adversary, at)) > 12:
            continue
        made += 1
        yield scenario, adversary, at


@pytest.mark.parametrize("seed", range(4))
def test_exact_tables_match_brute_force(seed: int) -> None:
    for scenario, adversary, at in random_cases(1000 + seed, 25):
        model = dr.Model.from_dict(scenario)
        result = dr.analyze(model, [adversary], method="exact", at=at)
        want = oracle_tables(scenario, adversary, at)
        exposure = result.exposure.set_index("class")
        for cls, expected in want.items():
            row = exposure.loc[cls]
            for column in ("probability", "expected_share", "expected_records", "risk"):
                assert row[column] == pytest.approx(expected[column], abs=TOLERANCE, rel=TOLERANCE), (
                    cls,
                    column,
                    scenario,
                )
            assert row["ci_low"] == row["probability"] == row["ci_high"]
        stores = result.by_store
        for cls, expected in want.items():
            got = stores[stores["class"] == cls].set_index("store")["probability"].to_dict()
            if model.classes.set_index("id").loc[cls, "components"] is not None:
                continue  # places are reported for atomic classes
            for store, p in got.items():
                assert p == pytest.approx(expected["by_store"].get(store, 0.0), abs=TOLERANCE), (cls, store)
            assert set(expected["by_store"]) <= set(got)
        regions = result.by_region
        for cls, expected in want.items():
            got = regions[regions["class"] == cls].set_index("region")["probability"].to_dict()
            for region, p in expected["by_region"].items():
                if model.classes.set_index("id").loc[cls, "components"] is None:
                    assert got.get(region, 0.0) == pytest.approx(p, abs=TOLERANCE), (cls, region)
        assert result.total_risk.set_index("adversary")["total_risk"].loc[adversary] == pytest.approx(
            oracle.total_risk(want), rel=1e-9, abs=1e-9
        )


def test_monte_carlo_intervals_cover_exact_values() -> None:
    covered = total = 0
    for scenario, adversary, at in random_cases(77, 30):
        model = dr.Model.from_dict(scenario)
        exact = dr.analyze(model, [adversary], method="exact", at=at).exposure
        sampled = dr.analyze(model, [adversary], method="monte_carlo", samples=4096, seed=total, at=at).exposure
        inside = (sampled["ci_low"] <= exact["probability"] + 1e-12) & (
            exact["probability"] <= sampled["ci_high"] + 1e-12
        )
        covered += int(inside.sum())
        total += len(inside)
    # Nominal 95 %; settled values (0, 1) have zero-width intervals that always cover.
    assert covered / total >= 0.9, (covered, total)


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def test_result_records_how_it_was_computed(texas: dr.Model) -> None:
    exact = dr.analyze(texas, method="exact", at="2022-07-01")
    assert exact.method == "exact" and exact.worlds is None and exact.seed is None
    assert exact.at == "2022-07-01" and exact.elapsed >= 0
    sampled = dr.analyze(texas, method="monte_carlo", samples=10_000, seed=5)
    assert sampled.method == "monte_carlo" and sampled.worlds >= 10_000 and sampled.seed == 5
    assert "Monte Carlo" in repr(sampled) and "seed 5" in sampled._repr_html_()
    assert list(exact.exposure.columns) == [
        "adversary",
        "class",
        "probability",
        "ci_low",
        "ci_high",
        "expected_share",
        "expected_records",
        "risk",
    ]
    assert list(exact.by_store.columns) == ["adversary", "class", "store", "region", "probability", "ci_low", "ci_high"]
    assert set(exact.exposure["adversary"]) == {"CN", "US"}  # the model's default adversaries


def test_matrix_is_a_read_only_view(texas: dr.Model) -> None:
    result = dr.analyze(texas, method="exact")
    matrix = result.matrix("probability")
    assert matrix.shape == (len(result.adversaries), len(result.classes))
    assert not matrix.flags.writeable and not matrix.flags.owndata
    assert matrix.base is not None  # a view into the engine's table
    np.testing.assert_array_equal(matrix.ravel(), result.exposure["probability"].to_numpy())
    np.testing.assert_allclose(result.matrix("risk").sum(axis=1), result.total_risk["total_risk"].to_numpy())
    with pytest.raises(dr.ModelError, match="score"):
        result.matrix("danger")


def test_expected_records_and_risk_follow_the_class_weights(texas: dr.Model) -> None:
    exposure = dr.analyze(texas, method="exact", at="2021-10-01").exposure.set_index(["adversary", "class"])
    classes = texas.classes.set_index("id")
    for (adversary, cls), row in exposure.iterrows():
        assert row["expected_records"] == pytest.approx(row["expected_share"] * classes.loc[cls, "records"])
        assert row["risk"] == pytest.approx(row["expected_records"] * classes.loc[cls, "sensitivity"])


def test_same_seed_same_numbers_for_any_thread_count(texas: dr.Model) -> None:
    one = dr.analyze(texas, method="monte_carlo", samples=20_000, seed=11, threads=1)
    two = dr.analyze(texas, method="monte_carlo", samples=20_000, seed=11, threads=2)
    pd.testing.assert_frame_equal(one.exposure, two.exposure)
    pd.testing.assert_frame_equal(one.by_store, two.by_store)
    other = dr.analyze(texas, method="monte_carlo", samples=20_000, seed=12, threads=2)
    assert not one.exposure["probability"].equals(other.exposure["probability"])


def test_tolerance_stops_before_the_cap(texas: dr.Model) -> None:
    result = dr.analyze(texas, method="monte_carlo", samples=2_000_000, tolerance=0.01, seed=3)
    assert result.worlds < 2_000_000
    half = (result.exposure["ci_high"] - result.exposure["ci_low"]) / 2
    assert (half <= 0.01 + 1e-12).all()


def test_auto_picks_exact_when_cheap_and_sampling_otherwise() -> None:
    assert dr.analyze(dr.examples.project_texas(), method="auto").method == "exact"
    side = 12  # a 12 x 12 grid of undirected links: far too many variables to enumerate
    model = dr.Model().add_class("d")
    for r in range(side):
        for c in range(side):
            model.add_node(f"v{r}_{c}", "store" if (r, c) == (side - 1, side - 1) else "role")
    model.place("d", f"v{side - 1}_{side - 1}")
    for r in range(side):
        for c in range(side):
            for dr_, dc in ((0, 1), (1, 0)):
                if r + dr_ < side and c + dc < side:
                    a, b = f"v{r}_{c}", f"v{r + dr_}_{c + dc}"
                    model.add_access(a, b, 0.9).add_access(b, a, 0.9)
    result = dr.analyze(model, ["v0_0"], method="auto", samples=4096, seed=1)
    assert result.method == "monte_carlo"
    with pytest.raises(dr.ModelError, match="random variables"):
        dr.analyze(model, ["v0_0"], method="exact")


def test_progress_callback_sees_the_run(texas: dr.Model) -> None:
    calls = []
    dr.analyze(
        texas, method="monte_carlo", samples=50_000, seed=1, progress=lambda done, total: calls.append((done, total))
    )
    assert calls and calls[-1][0] == calls[-1][1] >= 50_000


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"method": "magic"}, "method"),
        ({"samples": 0}, "samples"),
        ({"samples": 1.5}, "samples"),
        ({"seed": -1}, "seed"),
        ({"threads": 0}, "threads"),
        ({"tolerance": -0.1}, "tolerance"),
        ({"at": "2021-02-30"}, "at"),
        ({"adversaries": ["Beijing"]}, "adversaries[0]"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_arguments_name_the_parameter(texas: dr.Model, kwargs: dict, where: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.analyze(texas, **kwargs)
    assert str(error.value).startswith(where + ":")


def test_result_pickles_compactly_with_a_version(texas: dr.Model) -> None:
    import pickle

    result = dr.analyze(texas, method="monte_carlo", samples=8192, seed=2)
    data = pickle.dumps(result)
    back = pickle.loads(data)
    pd.testing.assert_frame_equal(back.exposure, result.exposure)
    pd.testing.assert_frame_equal(back.by_region, result.by_region)
    assert (back.method, back.worlds, back.seed, back.at) == (result.method, result.worlds, result.seed, result.at)
    assert back.provenance == result.provenance
    assert not back.matrix().flags.writeable
    assert len(data) < 20_000  # tables and arrays, not the model
    state = result.__getstate__()
    state["version"] = 99
    clone = object.__new__(dr.Result)
    with pytest.raises(dr.ModelError, match="version 99"):
        clone.__setstate__(state)


def test_progress_bar_runs_and_closes(texas: dr.Model, capsys: pytest.CaptureFixture[str]) -> None:
    result = dr.analyze(texas, method="monte_carlo", samples=20_000, seed=1, progress=True)
    assert result.worlds >= 20_000
    err = capsys.readouterr().err
    assert "world" in err and "100%" in err  # the bar reached the total and was closed
