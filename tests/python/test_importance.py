"""Importance (docs/design.md §5a) against brute-force conditioning (explain_oracle.birnbaum:
every world enumerated with the variable forced up and down) and finite differences of the
exact exposure; Monte Carlo against exact; the invariants of a monotone system."""

from __future__ import annotations

import copy
import math
import random
import warnings

import pytest
from hypothesis import given, settings

import datareach as dr
from datareach import _core
from datareach.analysis.paths import atomic_request
from datareach.model.lowering import compile_model
from explain_oracle import birnbaum
from oracle import in_window
from random_models import AT_DATES, random_scenario, scenarios


def _atomic(data: dict) -> list[str]:
    return [c["id"] for c in data["classes"] if not c.get("components")]


def _variable_keys(data: dict, at: object) -> list[tuple]:
    """The key of each arc of the oracle's present model, by position: explicit arcs by their
    row in the scenario, rule arcs by (jurisdiction, node)."""
    keys: list[tuple] = [("access", i) for i, a in enumerate(data["access"]) if in_window(a, at)]
    from oracle import present

    implicit = present(data, at)["access"][len(keys) :]
    keys += [("compels", a["from"], a["to"]) for a in implicit]
    return keys


def _row_key(row: dict, data: dict) -> tuple:
    if row["kind"] == "event":
        return ("event", row["event"])
    if row["kind"] == "access":
        return ("access", int(row["entry"][len("access[") : -1]))
    return ("compels", row["from"], row["to"])


def _oracle(data: dict, adversary: str, d: str, at: object) -> dict[tuple, tuple[float, float, float, float]]:
    """{key: (p, up, down, importance)} for the oracle's random variables (0 < p < 1)."""
    keys = _variable_keys(data, at)
    events = {e["id"]: float(e["p"]) for e in data.get("events") or []}
    from oracle import present

    arcs = present(data, at)["access"]
    out = {}
    for (kind, ref), (up, down, imp) in birnbaum(data, adversary, d, at).items():
        if kind == "arc":
            p = float(arcs[ref]["p"])
            key = keys[ref]
        else:
            p = events[ref]
            key = ("event", ref)
        if 0 < p < 1:
            out[key] = (p, up, down, imp)
    return out


@pytest.mark.parametrize("seed", range(200))
def test_exact_importance_equals_brute_force_conditioning(seed: int) -> None:
    rng = random.Random(seed)
    data = random_scenario(rng)
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    for d in _atomic(data):
        result = dr.importance(model, adversary, d, at=at, method="exact")
        expected = _oracle(data, adversary, d, at)
        listed = {}
        for row in result.table.to_dict("records"):
            key = _row_key(row, data)
            assert key not in listed, f"{key} listed twice"
            listed[key] = row
        for key, row in listed.items():
            assert key in expected, f"{key} is listed but is not a random variable of the oracle"
            p, up, down, imp = expected[key]
            assert row["p"] == pytest.approx(p, abs=1e-15)
            assert row["importance"] == pytest.approx(imp, abs=1e-9)
            assert row["exposure_if_removed"] == pytest.approx(down, abs=1e-9)
            assert row["importance_low"] == row["importance"] == row["importance_high"]
        for key, (_, _, _, imp) in expected.items():
            if key not in listed:  # off every possible path: it cannot matter
                assert imp == pytest.approx(0.0, abs=1e-12), f"{key} matters ({imp}) but is not listed"
        exact = dr.analyze(model, [adversary], at=at, method="exact").table
        assert result.exposure == pytest.approx(float(exact.loc[exact["class"] == d, "probability"].iloc[0]), abs=1e-12)
        # Largest first.
        values = list(result.table["importance"])
        assert values == sorted(values, reverse=True)


def _with_p(data: dict, key: tuple, p: float) -> dict:
    changed = copy.deepcopy(data)
    if key[0] == "access":
        changed["access"][key[1]]["p"] = p
    elif key[0] == "event":
        for e in changed["events"]:
            if e["id"] == key[1]:
                e["p"] = p
    else:
        raise AssertionError(key)
    return changed


@pytest.mark.parametrize("seed", range(60))
def test_importance_is_the_derivative_of_the_exposure(seed: int) -> None:
    """P(exposed) is linear in each variable's p, with slope I(x): a central difference of
    the exact engine's exposure gives the importance (rule arcs change with their
    jurisdiction's compels, shared by all of them, so only arcs and events are tried)."""
    rng = random.Random(1000 + seed)
    data = random_scenario(rng)
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    h = 0.01
    for d in _atomic(data):
        result = dr.importance(model, adversary, d, at=at, method="exact")
        for row in result.table.to_dict("records"):
            if row["kind"] == "compels" or not (h < row["p"] < 1 - h):
                continue
            key = _row_key(row, data)
            exposures = []
            for p in (row["p"] + h, row["p"] - h):
                table = dr.analyze(dr.Model.from_dict(_with_p(data, key, p)), [adversary], at=at, method="exact").table
                exposures.append(float(table.loc[table["class"] == d, "probability"].iloc[0]))
            assert (exposures[0] - exposures[1]) / (2 * h) == pytest.approx(row["importance"], abs=1e-9)


@pytest.mark.parametrize("seed", range(60))
def test_monte_carlo_intervals_cover_the_exact_importance(seed: int) -> None:
    """At a confidence of 1 - 1e-6 every interval covers the exact value (a miss here is a
    bias, not bad luck). Both engines list the same variables in the same order."""
    rng = random.Random(2000 + seed)
    data = random_scenario(rng)
    model = dr.Model.from_dict(data)
    at = rng.choice(AT_DATES)
    adversary = rng.choice([n["id"] for n in data["nodes"]])
    graph = compile_model(model, at)
    for d in _atomic(data):
        _, row, cls = atomic_request(model, adversary, d, "test")
        exact = _core.exact_importance(graph, row, cls)
        found = _core.monte_carlo_importance(graph, row, cls, samples=20_000, seed=seed, confidence=1 - 1e-6)
        assert list(found["arc"]) == list(exact["arc"]) and list(found["event"]) == list(exact["event"])
        for k in range(len(found["p"])):
            for name, bounds in (("importance", "importance"), ("removed", "removed")):
                assert found[f"{bounds}_low"][k] - 1e-12 <= exact[name][k] <= found[f"{bounds}_high"][k] + 1e-12
        assert found["exposure_low"] - 1e-12 <= exact["exposure"] <= found["exposure_high"] + 1e-12


def test_monte_carlo_sees_the_worlds_of_analyze() -> None:
    """Same seed, same worlds: the exposure of the one-pass importance equals analyze's."""
    model = dr.examples.project_texas()
    for d in ("phone_numbers", "public_videos"):
        for seed in (1, 7):
            imp = dr.importance(model, "CN", d, at="2022-07-01", method="monte_carlo", samples=30_000, seed=seed)
            table = dr.analyze(model, ["CN"], at="2022-07-01", method="monte_carlo", samples=30_000, seed=seed).table
            assert imp.exposure == float(table.loc[table["class"] == d, "probability"].iloc[0])
            assert imp.worlds == 30_208


def test_monte_carlo_does_not_depend_on_threads() -> None:
    model = dr.examples.project_texas()
    one = dr.importance(model, "CN", "phone_numbers", method="monte_carlo", samples=50_000, seed=5, threads=1)
    two = dr.importance(model, "CN", "phone_numbers", method="monte_carlo", samples=50_000, seed=5, threads=2)
    assert one.table.equals(two.table)
    assert one.exposure == two.exposure


def test_example_ranking_matches_exact() -> None:
    """The embedded example: Monte Carlo ranks the variables as exact does where they differ
    by more than the intervals, and every 95 % interval of a 200k-world run covers exact."""
    model = dr.examples.project_texas()
    exact = dr.importance(model, "CN", "phone_numbers", at="2022-07-01", method="exact").table
    mc = dr.importance(model, "CN", "phone_numbers", at="2022-07-01", method="monte_carlo", samples=200_000, seed=11)
    merged = exact.merge(mc.table, on=["entry", "from", "to", "event"], suffixes=("", "_mc"))
    assert len(merged) == len(exact) > 0
    assert (merged["importance_low_mc"] <= merged["importance"] + 1e-12).all()
    assert (merged["importance"] <= merged["importance_high_mc"] + 1e-12).all()


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_importance_invariants(data: dict) -> None:
    """A monotone system: importance >= 0, removing a variable never raises the exposure,
    and exposure = p * P(up) + (1 - p) * P(down) for every row."""
    model = dr.Model.from_dict(data)
    adversary = data["nodes"][0]["id"]
    for d in _atomic(data):
        result = dr.importance(model, adversary, d, method="exact")
        for row in result.table.to_dict("records"):
            assert row["importance"] >= 0
            assert row["exposure_if_removed"] <= result.exposure + 1e-12
            up = row["exposure_if_removed"] + row["importance"]
            assert row["p"] * up + (1 - row["p"]) * row["exposure_if_removed"] == pytest.approx(
                result.exposure, abs=1e-9
            )


def test_requests_are_checked() -> None:
    model = dr.examples.project_texas()
    composite = next(c for c in model.class_ids if model._column("classes", "components")[model.class_ids.index(c)])
    with pytest.raises(dr.ModelError, match="composite"):
        dr.importance(model, "CN", composite)
    with pytest.raises(dr.ModelError, match="adversary"):
        dr.importance(model, "nobody", "phone_numbers")
    with pytest.raises(dr.ModelError, match="data_class"):
        dr.importance(model, "CN", "nothing")
    with pytest.raises(dr.ModelError, match="method"):
        dr.importance(model, "CN", "phone_numbers", method="guess")  # type: ignore[arg-type]


def test_an_adversary_holding_the_class_or_unable_to_reach_it_has_nothing_to_rank() -> None:
    data = {
        "format": "datareach/1",
        "nodes": [{"id": "a", "kind": "role"}, {"id": "s", "kind": "store"}, {"id": "t", "kind": "store"}],
        "classes": [{"id": "c"}],
        "placements": [{"class": "c", "store": "s"}],
        "access": [{"from": "a", "to": "t", "p": 0.5}],
    }
    model = dr.Model.from_dict(data)
    for method in ("exact", "monte_carlo"):
        held = dr.importance(model, "s", "c", method=method)
        assert held.table.empty and held.exposure == 1.0
        unreached = dr.importance(model, "a", "c", method=method)
        assert unreached.table.empty and unreached.exposure == 0.0


def test_tolerance_and_progress() -> None:
    model = dr.examples.project_texas()
    result = dr.importance(model, "CN", "phone_numbers", method="monte_carlo", tolerance=0.01, seed=2)
    assert result.provenance.converged is True
    half = (result.table["importance_high"] - result.table["importance_low"]) / 2
    assert half.max() <= 0.01
    with pytest.warns(dr.ToleranceNotMet):
        capped = dr.importance(
            model, "CN", "phone_numbers", method="monte_carlo", tolerance=1e-5, max_samples=4096, seed=2
        )
    assert capped.provenance.converged is False
    for method in ("exact", "monte_carlo"):
        with pytest.raises(dr.AnalysisStopped):
            dr.importance(model, "CN", "phone_numbers", method=method, samples=10_000_000, progress=lambda d, t: False)


def test_result_is_json_ready_and_pickles() -> None:
    import json
    import pickle

    model = dr.examples.project_texas()
    result = dr.importance(model, "CN", "phone_numbers", at="2022-07-01")
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert payload["analysis"] == "importance" and payload["tables"]["table"]
    again = pickle.loads(pickle.dumps(result))
    assert again.table.equals(result.table) and again.exposure == result.exposure
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        str(result)
        result._repr_html_()
    assert math.isfinite(result.exposure)


def test_cli_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    import json
    from pathlib import Path

    from datareach.cli import main

    scenario = str(Path(dr.__file__).parent / "examples" / "project_texas.yaml")
    request = [scenario, "--adversary", "CN", "--class", "phone_numbers", "--at", "2022-07-01"]
    assert main(["importance", *request, "--method", "exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = dr.importance(dr.load(scenario), "CN", "phone_numbers", at="2022-07-01", method="exact").table
    assert [row["importance"] for row in out["tables"]["table"]] == list(expected["importance"])
    assert main(["importance", *request, "--method", "monte_carlo", "--seed", "4", "--top", "2"]) == 0
    printed = capsys.readouterr().out
    assert "exposure: " in printed and "[" in printed and "more rows" in printed
    assert "NaN" not in printed and "None" not in printed
    assert main(["importance", scenario, "--adversary", "CN", "--class", "user_profile"]) == 2
    assert "composite" in capsys.readouterr().err
