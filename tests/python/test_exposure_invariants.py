"""Invariants of exposure (Hypothesis, exact engine): more access never lowers exposure,
less access or less data never raises it, and a mosaic is never more exposed than its
least exposed part."""

from __future__ import annotations

import copy

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datareach as dr
import oracle
from random_models import scenarios

SLACK = 1e-12
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def small(scenario: dict, adversary: str) -> bool:
    return len(oracle.random_variables(scenario, adversary)) <= 14


def exposure(scenario: dict, adversary: str) -> pd.DataFrame:
    result = dr.analyze(dr.Model.from_dict(scenario), [adversary], method="exact")
    return result.exposure.set_index("class")[["probability", "expected_share"]]


def assert_not_lower(after: pd.DataFrame, before: pd.DataFrame) -> None:
    assert (after >= before - SLACK).all().all(), pd.concat({"before": before, "after": after}, axis=1)


@st.composite
def case(draw: st.DrawFn) -> tuple[dict, str]:
    scenario = draw(scenarios())
    adversary = draw(st.sampled_from([n["id"] for n in scenario["nodes"]]))
    return scenario, adversary


@SETTINGS
@given(case(), st.data())
def test_raising_a_p_never_lowers_exposure(drawn: tuple[dict, str], data: st.DataObject) -> None:
    scenario, adversary = drawn
    if not small(scenario, adversary):
        return
    raised = copy.deepcopy(scenario)
    targets = [("access", i) for i in range(len(raised["access"]))] + [
        ("events", i) for i in range(len(raised.get("events", [])))
    ]
    section, i = data.draw(st.sampled_from(targets))
    entry = raised[section][i]
    entry["p"] = data.draw(st.floats(min_value=entry["p"], max_value=1.0))
    assert_not_lower(exposure(raised, adversary), exposure(scenario, adversary))


@SETTINGS
@given(case(), st.data())
def test_removing_a_filter_never_lowers_exposure(drawn: tuple[dict, str], data: st.DataObject) -> None:
    scenario, adversary = drawn
    filtered = [i for i, arc in enumerate(scenario["access"]) if "classes" in arc]
    if not filtered or not small(scenario, adversary):
        return
    opened = copy.deepcopy(scenario)
    del opened["access"][data.draw(st.sampled_from(filtered))]["classes"]
    assert_not_lower(exposure(opened, adversary), exposure(scenario, adversary))


@SETTINGS
@given(case(), st.data())
def test_revoking_an_arc_or_deleting_a_placement_never_raises_exposure(
    drawn: tuple[dict, str], data: st.DataObject
) -> None:
    scenario, adversary = drawn
    if not small(scenario, adversary):
        return
    reduced = copy.deepcopy(scenario)
    section = data.draw(st.sampled_from(["access", "placements"]))
    if len(reduced[section]) < 2:
        return  # a model keeps at least one entry of each drawn section
    del reduced[section][data.draw(st.integers(0, len(reduced[section]) - 1))]
    assert_not_lower(exposure(scenario, adversary), exposure(reduced, adversary))


@SETTINGS
@given(case())
def test_a_composite_is_never_more_exposed_than_its_least_exposed_part(drawn: tuple[dict, str]) -> None:
    scenario, adversary = drawn
    if not small(scenario, adversary):
        return
    table = exposure(scenario, adversary)
    for entry in scenario["classes"]:
        for part in entry.get("components", ()):
            assert (table.loc[entry["id"]] <= table.loc[part] + SLACK).all(), (entry["id"], part)
