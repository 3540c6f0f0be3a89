"""The embedded Project Texas example checked by the independent oracle.

The YAML is read with ``yaml.safe_load``, not through datareach, and every number comes from
``oracle.py`` (brute force over all worlds, or plain Monte Carlo when there are too many):
this is the independent check of the claims of docs/design.md §7, of the reasons behind
them, and of the example's provenance scheme (explained at the top of the YAML file).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

import oracle

EXAMPLE = Path(__file__).resolve().parents[2] / "python" / "datareach" / "examples" / "project_texas.yaml"

AUTUMN_2021 = "2021-10-01"
JUNE_2022 = "2022-07-01"
TEXAS_DONE = "2024-01-01"

US_USERS = 150_000_000  # CEO, 21 March 2023

# Window bounds that reports give (see the header of the YAML file).
REPORTED_DATES = {
    dt.date(2021, 9, 1): "buzzfeed-2022-06-17",  # "from at least September 2021 ..."
    dt.date(2022, 2, 1): "buzzfeed-2022-06-17",  # "... to January 2022"
    dt.date(2022, 6, 17): "tiktok-blog-2022-06-17",
    dt.date(2022, 10, 1): "ceo-testimony-2023-03-23",
}

REQUIRED = {
    "jurisdiction": {"CN", "US"},
    "organization": {"bytedance", "tiktok", "oracle"},
    "role": {"beijing_master_admin", "china_engineers", "us_trust_safety", "usds_staff", "oracle_operators"},
    "store": {"oracle_texas", "tiktok_virginia", "singapore_backup", "lark"},
    "gateway": {"usds_gateway"},
}
REQUIRED_CLASSES = {
    "phone_numbers",
    "birthdays",
    "private_videos",
    "public_videos",
    "comments",
    "business_metrics",
    "creator_tax_data",
}
SECTIONS = ("events", "nodes", "classes", "placements", "flows", "access")
ASSUMED_NOTE = re.compile(r"^ASSUMPTION\(([a-z_.]+(?:, [a-z_.]+)*)\): \S")


@pytest.fixture(scope="module")
def raw():
    return EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model(raw):
    return yaml.safe_load(raw)


_cache: dict = {}


def exposure(model, adversary, at):
    """Exact when the worlds can be enumerated, plain Monte Carlo otherwise."""
    key = (id(model), adversary, at)
    if key not in _cache:
        if len(oracle.random_variables(model, adversary, at)) <= oracle.MAX_ENUMERATED_VARIABLES:
            _cache[key] = oracle.enumerate_exposure(model, adversary, at)
        else:  # pragma: no cover - the example enumerates today
            _cache[key] = oracle.sample_exposure(model, adversary, at, samples=20_000, seed=7)
    return _cache[key]


def p(model, cls, at, adversary="CN"):
    return exposure(model, adversary, at)[cls]["probability"]


# ---------------------------------------------------------------------- the claims


def test_claim_public_videos_exposed_to_china_in_autumn_2021(model):
    assert p(model, "public_videos", AUTUMN_2021) >= 0.5


def test_claim_public_videos_not_lower_after_routing_to_oracle(model):
    assert p(model, "public_videos", JUNE_2022) >= 0.9 * p(model, "public_videos", AUTUMN_2021)


def test_claim_phone_numbers_still_exposed_in_june_2022(model):
    assert p(model, "phone_numbers", JUNE_2022) >= 0.5


def test_claim_project_texas_cuts_phone_numbers_but_not_public_videos(model):
    assert p(model, "phone_numbers", TEXAS_DONE) <= p(model, "phone_numbers", AUTUMN_2021) / 5
    assert p(model, "public_videos", TEXAS_DONE) >= 0.5


# ---------------------------------------------------------------------- the reasons


def test_june_2022_protected_data_moved_to_texas_but_legacy_copies_remain(model):
    shares = oracle.presence_shares(model, JUNE_2022)
    for cls in ("phone_numbers", "birthdays", "private_videos"):
        assert set(shares[cls]) == {"oracle_texas", "tiktok_virginia", "singapore_backup"}
    assert set(oracle.presence_shares(model, AUTUMN_2021)["phone_numbers"]) == {"tiktok_virginia", "singapore_backup"}
    assert set(oracle.presence_shares(model, TEXAS_DONE)["phone_numbers"]) == {"oracle_texas"}
    # The legacy copies alone keep phone numbers exposed: each store on its own >= 0.5.
    by_store = exposure(model, "CN", JUNE_2022)["phone_numbers"]["by_store"]
    assert by_store["tiktok_virginia"] >= 0.5 and by_store["singapore_backup"] >= 0.5


def test_public_videos_never_moved_so_exposure_follows_access_not_location(model):
    for at in (AUTUMN_2021, JUNE_2022, TEXAS_DONE):
        assert set(oracle.presence_shares(model, at)["public_videos"]) <= {"tiktok_virginia", "singapore_backup"}
        by_store = exposure(model, "CN", at)["public_videos"]["by_store"]
        assert by_store["tiktok_virginia"] >= 0.5
        # A store in the US, reached from China.
        assert exposure(model, "CN", at)["public_videos"]["by_region"]["US"] >= 0.5


def test_the_drop_comes_from_deletion_and_the_gateway(model):
    # Had the legacy copies not been deleted, phone numbers would stay exposed in 2024
    # (through TikTok's own servers): the deletion is what does the work.
    kept = copy.deepcopy(model)
    for pl in kept["placements"]:
        if pl["store"] in ("tiktok_virginia", "singapore_backup"):
            pl.pop("window", None)
    assert oracle.enumerate_exposure(kept, "CN", TEXAS_DONE)["phone_numbers"]["probability"] >= 0.5
    # Had China-based access to Texas not moved behind the gateway, the Texas copy would be
    # exposed after the deletion: keep the approval arcs open-ended.
    ungated = copy.deepcopy(model)
    for a in ungated["access"]:
        if a["from"] == "china_engineers" and a["to"] == "oracle_texas":
            a["window"] = [a["window"][0], None]
    assert oracle.enumerate_exposure(ungated, "CN", TEXAS_DONE)["phone_numbers"]["probability"] >= 0.5
    # What remains in 2024 goes only through the stated exceptions: the gateway's emergency
    # exception and the reviewed code path.
    r = exposure(model, "CN", TEXAS_DONE)
    assert r["phone_numbers"]["by_store"] == pytest.approx({"oracle_texas": r["phone_numbers"]["probability"]})
    assert 0 < r["phone_numbers"]["probability"] < 0.2


def test_what_stays_exposed_after_project_texas(model):
    r = exposure(model, "CN", TEXAS_DONE)
    assert r["ip_addresses"]["by_store"]["lark"] >= 0.5  # Lark, reachable from China
    assert r["creator_tax_data"]["by_store"]["bytedance_china_dc"] >= 0.5
    assert r["business_metrics"]["by_store"]["oracle_texas"] >= 0.5  # a stated exception
    assert r["user_profile"]["probability"] == pytest.approx(r["phone_numbers"]["probability"])


def test_us_reaches_through_the_cloud_act_but_not_into_china(model):
    r = exposure(model, "US", TEXAS_DONE)
    assert r["phone_numbers"]["probability"] >= 0.5
    assert r["creator_tax_data"]["probability"] == 0.0
    assert exposure(model, "US", JUNE_2022)["phone_numbers"]["by_store"]["singapore_backup"] >= 0.5


def test_deterministic_views(model):
    assert oracle.certain_reach(model, "CN", AUTUMN_2021)["public_videos"] == set()
    assert "tiktok_virginia" in oracle.possible_reach(model, "CN", TEXAS_DONE)["public_videos"]
    assert oracle.possible_reach(model, "CN", TEXAS_DONE)["phone_numbers"] == {"oracle_texas"}


def test_monte_carlo_agrees_on_the_example(model):
    mc = oracle.sample_exposure(model, "CN", JUNE_2022, samples=3000, seed=3, z=4.0)
    exact = exposure(model, "CN", JUNE_2022)
    for cls, row in exact.items():
        assert mc[cls]["ci_low"] <= row["probability"] <= mc[cls]["ci_high"]


# ---------------------------------------------------------------------- required ids


def test_required_ids_exist(model):
    kinds = {n["id"]: n["kind"] for n in model["nodes"]}
    for kind, ids in REQUIRED.items():
        for i in ids:
            assert kinds.get(i) == kind, i
    classes = {c["id"]: c for c in model["classes"]}
    assert set(classes) >= REQUIRED_CLASSES
    assert classes["user_profile"]["components"]
    assert model["adversaries"] == ["CN", "US"]
    assert model["format"] == "datareach/1"
    cn = next(n for n in model["nodes"] if n["id"] == "CN")
    us = next(n for n in model["nodes"] if n["id"] == "US")
    assert cn["territory"] == "CN" and 0 < cn["compels"] <= 1
    assert us["territory"] == "US" and 0 < us["compels"] <= 1


def test_records_are_the_reported_us_users(model):
    for c in model["classes"]:
        if c["records"] != US_USERS:
            assert "records" in assumed_fields(c), c["id"]


# ---------------------------------------------------------------------- provenance


def entries(model):
    for section in SECTIONS:
        for i, e in enumerate(model.get(section) or []):
            yield f"{section}[{i}]", section, e


def assumed_fields(entry):
    note = entry.get("note") or ""
    m = ASSUMED_NOTE.match(note)
    return set(m.group(1).split(", ")) if m else set()


def test_every_entry_cites_a_known_source(model):
    sources = model["sources"]
    for where, _section, e in entries(model):
        assert e.get("source") in sources, f"{where}: source {e.get('source')!r}"
        for also in (e.get("attrs") or {}).get("see_also", []):
            assert also in sources, f"{where}: see_also {also!r}"
        for named in re.findall(r"\b[a-z]+(?:-[a-z]+)*-\d{4}(?:-\d{2}){0,2}\b", e.get("note") or ""):
            assert named in sources, f"{where}: note names {named!r}"
    for sid, s in sources.items():
        assert s.get("title"), sid


def test_inferred_entries_say_what_from(model):
    for where, _section, e in entries(model):
        if e.get("source") == "assumption":
            assert "inferred from" in e.get("note", ""), where


def test_assumed_numbers_are_marked_for_programs(model):
    assumed_dates = set(model["sources"]["assumption"]["dates"].values())
    assert not assumed_dates & set(REPORTED_DATES)
    for where, section, e in entries(model):
        fields = assumed_fields(e)
        if (e.get("note") or "").startswith("ASSUMPTION"):
            assert fields, f"{where}: malformed ASSUMPTION note"
        if section == "events":
            assert "p" in fields, where
        if section == "nodes" and e.get("compels") is not None:
            assert "compels" in fields, where
        if section == "classes" and "sensitivity" in e:
            assert "sensitivity" in fields, where
        if section in ("placements", "flows") and "share" in e:
            assert "share" in fields, where
        if section == "access":
            assert e["p"] == 1, f"{where}: arcs state reported access; odds live in events"
        window = e.get("window")
        if window is not None:
            for side, bound in zip(("start", "end"), window):
                if bound is None:
                    assert f"window.{side}" not in fields, where
                elif bound in assumed_dates:
                    assert f"window.{side}" in fields, f"{where}: window.{side}"
                else:
                    assert bound in REPORTED_DATES, f"{where}: window.{side} {bound} neither reported nor assumed"
                    assert f"window.{side}" not in fields, where
        for f in fields:
            assert f.split(".")[0] in e, f"{where}: marks {f} which it does not have"


def test_assumed_numbers_are_marked_for_people(raw):
    # Each list entry (a chunk starting with "  - ") with an ASSUMPTION note also carries an
    # "# ASSUMPTION" comment, and no entry has the comment without the note.
    chunks, current = [], []
    for line in raw.splitlines():
        if line.startswith("  - ") and current:
            chunks.append("\n".join(current))
            current = []
        if line.startswith("  - ") or current:
            current.append(line)
        if line and not line.startswith(" ") and current:
            chunks.append("\n".join(current[:-1]))
            current = []
    chunks.append("\n".join(current))
    marked = 0
    for chunk in chunks:
        has_note = 'note: "ASSUMPTION(' in chunk
        has_comment = "# ASSUMPTION" in chunk
        assert has_note == has_comment, chunk
        marked += has_note
    assert marked >= 20
