"""The checkable claims (docs/design.md §7) of the embedded Project Texas example, asserted
through the engine: ``dr.analyze`` and ``dr.compare``, with the exact engine and with Monte
Carlo (whose claims must hold for the whole 95% interval, not only the estimate).

The independent check of the same claims (the YAML read without datareach, numbers from the
brute-force oracle) is ``test_example_claims_oracle.py``; its dates are reused here. Besides
the claims, these tests assert *why* they hold: which stores carry the exposure, and that
the changes a plan makes (deleting the legacy copies, Project Texas as designed) lower it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import datareach as dr
from datareach import changes as C
from test_example_claims_oracle import AUTUMN_2021, JUNE_2022, TEXAS_DONE

AFTER_ROUTING = "2022-09-01"  # the story compares its plans here: after the routing, before the takeover
CONTROLS_IN_PLACE = "2023-06-01"  # after the assumed takeover, before the assumed deletion
STORY = Path(__file__).resolve().parents[2] / "notebooks" / "project_texas_story.md"

METHODS = ["exact", "monte_carlo"]
SAMPLES = 100_000
SEED = 20220617

PROTECTED = ("phone_numbers", "birthdays", "private_videos")
LEGACY_STORES = ("tiktok_virginia", "singapore_backup")


@pytest.fixture(scope="module")
def model() -> dr.Model:
    return dr.examples.project_texas()


_results: dict = {}


def analyze(model: dr.Model, at: str, method: str) -> dr.Result:
    key = (id(model), at, method)
    if key not in _results:
        _results[key] = dr.analyze(model, ["CN"], method=method, samples=SAMPLES, seed=SEED, at=at)
        assert _results[key].method == method
    return _results[key]


def row(model: dr.Model, cls: str, at: str, method: str):
    """(low, estimate, high) of CN's exposure to a class: the 95% interval under Monte Carlo,
    the exact value three times under the exact engine."""
    exposure = analyze(model, at, method).exposure.set_index("class").loc[cls]
    return exposure["ci_low"], exposure["probability"], exposure["ci_high"]


def compare(model: dr.Model, changes, at: str, method: str) -> dr.Comparison:
    comparison = dr.compare(
        model, changes, names=["plan"], adversaries=["CN"], method=method, samples=SAMPLES, seed=SEED, at=at
    )
    assert comparison.method == method
    return comparison


def story_plan() -> list:
    """The change list of "Project Texas as designed" as the story gives it (its YAML block)."""
    text = STORY.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# Project Texas as designed: (\d+) changes\n.*?)```", text, re.DOTALL)
    assert block, f"{STORY.name}: no 'Project Texas as designed' change list"
    changes = C.loads(block.group(1))
    assert len(changes) == int(block.group(2))
    return changes


def legacy_deletion(effective: str) -> list:
    return [C.delete(cls, store, effective=effective) for store in LEGACY_STORES for cls in PROTECTED]


# ---------------------------------------------------------------------------- the claims


@pytest.mark.parametrize("method", METHODS)
def test_claim_public_videos_exposed_to_china_in_autumn_2021(model, method):
    low, _, _ = row(model, "public_videos", AUTUMN_2021, method)
    assert low >= 0.5


@pytest.mark.parametrize("method", METHODS)
def test_claim_public_videos_not_lower_after_routing_to_oracle(model, method):
    # Even the low end in July 2022 stays above 90% of the high end in autumn 2021.
    low_2022, estimate_2022, _ = row(model, "public_videos", JUNE_2022, method)
    _, estimate_2021, high_2021 = row(model, "public_videos", AUTUMN_2021, method)
    assert low_2022 >= 0.9 * high_2021
    assert estimate_2022 >= 0.9 * estimate_2021


@pytest.mark.parametrize("method", METHODS)
def test_claim_phone_numbers_still_exposed_in_june_2022(model, method):
    low, _, _ = row(model, "phone_numbers", JUNE_2022, method)
    assert low >= 0.5


@pytest.mark.parametrize("method", METHODS)
def test_claim_project_texas_cuts_phone_numbers_but_not_public_videos(model, method):
    _, _, high_2024 = row(model, "phone_numbers", TEXAS_DONE, method)
    low_2021, _, _ = row(model, "phone_numbers", AUTUMN_2021, method)
    assert high_2024 <= low_2021 / 5
    low_videos, _, _ = row(model, "public_videos", TEXAS_DONE, method)
    assert low_videos >= 0.5


# ---------------------------------------------------------------------------- why: legacy copies


@pytest.mark.parametrize("method", METHODS)
def test_june_2022_legacy_copies_are_what_china_reaches(model, method):
    by_store = analyze(model, JUNE_2022, method).by_store.set_index(["class", "store"])
    for cls in ("phone_numbers", "birthdays"):
        stores = set(by_store.loc[cls].index)
        assert {"tiktok_virginia", "singapore_backup", "oracle_texas"} <= stores, cls
        # Either legacy copy alone keeps the class exposed.
        for store in LEGACY_STORES:
            assert by_store.at[(cls, store), "ci_low"] >= 0.5, (cls, store)
    # Public videos were never moved: China reaches them in Virginia, a store in the US.
    assert by_store.at[("public_videos", "tiktok_virginia"), "ci_low"] >= 0.5
    assert ("public_videos", "oracle_texas") not in by_store.index
    by_region = analyze(model, JUNE_2022, method).by_region.set_index(["class", "region"])
    assert by_region.at[("public_videos", "US"), "ci_low"] >= 0.5


def test_the_legacy_copies_end_with_the_assumed_deletion_and_texas_starts_with_the_routing(model):
    assumed = {name: pd.Timestamp(day) for name, day in model.sources["assumption"]["dates"].items()}
    placements = model.placements
    for cls in PROTECTED:
        held = placements[placements["class"] == cls].set_index("store")
        for store in LEGACY_STORES:
            assert held.at[store, "window_end"] == assumed["legacy_deleted"], (cls, store)
        assert held.at["oracle_texas", "window_start"] == pd.Timestamp("2022-06-17"), cls
    # The dates the tests below use fall where the story needs them.
    assert pd.Timestamp(JUNE_2022) < pd.Timestamp(AFTER_ROUTING) < assumed["takeover"]
    assert assumed["takeover"] < pd.Timestamp(CONTROLS_IN_PLACE) < assumed["legacy_deleted"]
    assert assumed["legacy_deleted"] < pd.Timestamp(TEXAS_DONE)


@pytest.mark.parametrize("method", METHODS)
def test_deleting_the_legacy_copies_lowers_phone_numbers_in_june_2022(model, method):
    table = compare(model, legacy_deletion(JUNE_2022), JUNE_2022, method).table.set_index("class")
    for cls in ("phone_numbers", "birthdays"):
        assert table.at[cls, "probability_difference_ci_high"] < 0, cls
        assert table.at[cls, "probability_difference"] < 0, cls
        # ... but only a little while China-based staff still reach the Texas copy.
        assert table.at[cls, "probability"] >= 0.5, cls


@pytest.mark.parametrize("method", METHODS)
def test_once_the_controls_are_in_place_the_legacy_copies_alone_keep_phone_numbers_exposed(model, method):
    # After the assumed takeover and before the assumed deletion: the Texas copy sits behind
    # the gateway, the legacy copies do not.
    low, _, _ = row(model, "phone_numbers", CONTROLS_IN_PLACE, method)
    assert low >= 0.5
    by_store = analyze(model, CONTROLS_IN_PLACE, method).by_store.set_index(["class", "store"])
    for store in LEGACY_STORES:
        assert by_store.at[("phone_numbers", store), "ci_low"] >= 0.5
    assert by_store.at[("phone_numbers", "oracle_texas"), "ci_high"] < 0.2
    # Deleting them (from the takeover) is what brings phone numbers down.
    takeover = model.sources["assumption"]["dates"]["takeover"]
    table = compare(model, legacy_deletion(takeover), CONTROLS_IN_PLACE, method).table.set_index("class")
    assert table.at["phone_numbers", "probability_difference_ci_high"] < -0.5
    assert table.at["phone_numbers", "probability"] < 0.2


# ---------------------------------------------------------------------------- Project Texas as designed


def test_the_story_plan_is_project_texas():
    ops = [change.to_dict()["op"] for change in story_plan()]
    assert ops.count("revoke") == 2 and ops.count("add_gateway") == 1
    assert ops.count("disable") == 1 and ops.count("delete") == 6


def test_the_shipped_variant_file_is_the_story_plan(model):
    """``examples/project_texas_as_designed.yaml`` holds the story's change list (notes aside)
    on the shipped base, so the command line and the report can name the plan by file."""
    shipped = dr.examples.project_texas_as_designed()
    assert shipped.variant_of == str(dr.examples.path("project_texas"))
    assert [c.to_dict() | {"note": None} for c in shipped.changes] == [
        c.to_dict() | {"note": None} for c in story_plan()
    ]
    story = model.apply(story_plan())
    for at in (JUNE_2022, AFTER_ROUTING, TEXAS_DONE):
        want = dr.analyze(story, at=at, method="exact").exposure
        pd.testing.assert_frame_equal(dr.analyze(shipped, at=at, method="exact").exposure, want)


@pytest.mark.parametrize("method", METHODS)
def test_project_texas_as_designed_lowers_phone_numbers(model, method):
    comparison = compare(model, story_plan(), AFTER_ROUTING, method)
    table = comparison.table.set_index("class")
    for cls in PROTECTED:
        assert table.at[cls, "probability_difference_ci_high"] < 0, cls
        assert table.at[cls, "probability_difference"] < 0, cls
    assert table.at["phone_numbers", "base_probability"] >= 0.5
    assert table.at["phone_numbers", "probability"] <= table.at["phone_numbers", "base_probability"] / 5
    # What remains exposed: public data by design, IP addresses through Lark.
    assert table.at["public_videos", "probability"] >= 0.5
    assert table.at["ip_addresses", "probability"] >= 0.5
    assert comparison.total_risk.at[0, "total_risk_difference"] < 0


def test_monte_carlo_and_exact_agree_on_the_plan(model):
    exact = compare(model, story_plan(), AFTER_ROUTING, "exact").table.set_index("class")
    sampled = compare(model, story_plan(), AFTER_ROUTING, "monte_carlo").table.set_index("class")
    for cls in exact.index:
        assert abs(sampled.at[cls, "probability_difference"] - exact.at[cls, "probability_difference"]) <= 0.01, cls
        assert abs(sampled.at[cls, "probability"] - exact.at[cls, "probability"]) <= 0.01, cls
