"""What-if changes (docs/design.md §5): every op's effect on the tables, effective dating,
validation that names ``changes[i].field``, round trips, and monotonicity properties."""

from __future__ import annotations

import datetime
import json
import math
import pickle
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datareach as dr

C = dr.changes


def small() -> dr.Model:
    """Two jurisdictions, a role in CN, stores in the US and SG, one event."""
    m = dr.Model("small")
    m.add_event("insider", 0.5)
    m.add_node("CN", "jurisdiction", territory="CN", compels=0.9)
    m.add_node("US", "jurisdiction", territory="US", compels=0.8)
    m.add_node("admin", "role", region="CN/Beijing")
    m.add_node("staff", "role", region="US")
    m.add_node("virginia", "store", region="US/VA")
    m.add_node("texas", "store", region="US/TX")
    m.add_node("singapore", "store", region="SG")
    m.add_class("videos", 1, 100)
    m.add_class("phones", 3, 100)
    m.add_class("profile", 5, 100, components=["videos", "phones"])
    m.place("videos", "virginia")
    m.place("phones", "virginia", 0.5, window=("2021-01-01", "2023-06-01"))
    m.add_flow("virginia", "singapore", classes=["phones"], share=0.5, kind="backup")
    m.add_access("admin", "virginia", 0.9, requires=["insider"], kind="admin", source=None)
    m.add_access("admin", "singapore", 0.7, kind="admin")
    m.add_access("staff", "virginia", 1.0, kind="read")
    m.add_access("staff", "texas", 1.0, kind="read")
    m.adversaries = ["CN"]
    return m


def exposure(model: dr.Model, adversary: str = "CN", at: Any = None) -> pd.Series:
    table = dr.analyze(model, [adversary], method="exact", at=at).exposure
    return table.set_index("class")["probability"]


def stores(model: dr.Model, adversary: str, data_class: str, at: Any = None) -> list[str]:
    table = dr.reach(model, adversary, at=at).table
    return sorted(table.loc[table["class"] == data_class, "possible_stores"].iloc[0])


def rows(frame: pd.DataFrame, **match: Any) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in match.items():
        mask &= (frame[column.rstrip("_")] == value).to_numpy()
    return frame[mask]


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# ------------------------------------------------------------------------------ builders


def test_builders_make_frozen_dataclasses_with_file_forms() -> None:
    change = C.migrate("videos", "virginia", "texas", effective="2023-01-01")
    assert isinstance(change, C.Migrate)
    assert change.effective == datetime.date(2023, 1, 1)
    assert change.to_dict() == {
        "op": "migrate",
        "class": "videos",
        "from": "virginia",
        "to": "texas",
        "effective": "2023-01-01",
    }
    with pytest.raises(dataclasses_frozen_error()):
        change.to = "singapore"  # type: ignore[misc]
    gateway = C.add_gateway("gw", ["admin"], ["virginia"], 1, classes=["videos"], region="US/TX")
    assert gateway.sources == ("admin",) and gateway.classes == ("videos",)
    assert gateway.p == 1.0 and isinstance(gateway.p, float)
    assert gateway.to_dict() == {
        "op": "add_gateway",
        "id": "gw",
        "sources": ["admin"],
        "targets": ["virginia"],
        "p": 1,
        "classes": ["videos"],
        "region": "US/TX",
    }
    assert C.copy("videos", "texas").to_dict() == {"op": "copy", "class": "videos", "to": "texas"}
    assert C.copy("videos", "texas", 0.5).to_dict()["share"] == 0.5
    # equal and hashable: changes are values
    assert C.revoke("a", "b") == C.Revoke("a", "b")
    assert len({C.revoke("a", "b"), C.revoke("a", "b", effective=datetime.date(2022, 1, 1))}) == 2
    assert "Migrate(data_class='videos'" in repr(change)


def dataclasses_frozen_error() -> type[Exception]:
    import dataclasses

    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize(
    ("build", "where", "text"),
    [
        (lambda: C.set_p("a", "b", 1.5), "set_p.p", "must lie in [0, 1]"),
        (lambda: C.copy("c", "s", 0), "copy.share", "must lie in (0, 1]"),
        (lambda: C.revoke("a", 3), "revoke.to", "must be a string"),
        (lambda: C.migrate("c", "a", "b", effective="2023-13-01"), "migrate.effective", "YYYY-MM-DD"),
        (lambda: C.add_gateway("g", "admin", ["b"], 1), "add_gateway.sources", "must be a list"),
        (lambda: C.add_gateway("g", ["a", "a"], ["b"], 1), "add_gateway.sources[1]", "twice"),
        (lambda: C.add_flow("a", "b", classes=[]), "add_flow.classes", "at least one class"),
        (lambda: C.relocate("n", "US//VA"), "relocate.region", "path of names"),
        (lambda: C.disable(None), "disable.node", "is required"),  # type: ignore[arg-type]
        (lambda: C.set_p("a", "b", True), "set_p.p", "must be a number"),
        (lambda: C.set_p(event="e", p=2), "set_p.p", "must lie in [0, 1]"),
        (lambda: C.set_p(event="e"), "set_p.p", "is required"),
        (lambda: C.set_p("a", p=0.5), "set_p.to", "is required for set_p with from"),
        (lambda: C.set_p(to="b", p=0.5), "set_p.from", "is required for set_p with to"),
        (lambda: C.set_p(p=0.5), "set_p.from", "or give event (an event's p)"),
        (lambda: C.set_p("a", "b", 0.5, event="e"), "set_p.event", "not both"),
        (lambda: C.set_p(event=3, p=0.5), "set_p.event", "must be a string"),  # type: ignore[arg-type]
        (lambda: C.set_compels("CN", -0.1), "set_compels.p", "must lie in [0, 1]"),
        (lambda: C.set_compels(None, 0.5), "set_compels.node", "is required"),  # type: ignore[arg-type]
    ],
)
def test_builders_check_values(build: Any, where: str, text: str) -> None:
    with pytest.raises(dr.ModelError) as info:
        build()
    assert info.value.where == where
    assert text in str(info.value)


# ------------------------------------------------------------------------------ each op


def test_apply_never_mutates_the_base_and_bumps_revision() -> None:
    base = small()
    before = base.to_dict()
    revision = base.revision
    everything = [
        C.migrate("videos", "virginia", "texas", effective="2022-01-01"),
        C.copy("phones", "texas", 0.25),
        C.delete("phones", "virginia", effective="2022-06-01"),
        C.revoke("admin", "singapore"),
        C.set_p("staff", "texas", 0.5, effective="2022-01-01"),
        C.add_gateway("gw", ["admin"], ["virginia"], 0.1, region="US/TX", effective="2022-03-01"),
        C.relocate("staff", "SG", effective="2022-02-01"),
        C.add_flow("texas", "singapore", ["videos"], 0.5),
        C.remove_flow("virginia", "singapore", effective="2022-09-01"),
        C.disable("US", effective="2022-04-01"),
    ]
    changed = base.apply(everything)
    assert base.to_dict() == before
    assert base.revision == revision
    assert changed.revision == revision + 1
    assert changed != base
    assert changed.changes == tuple(everything)
    assert base.changes == ()
    # the result is an ordinary model: it round-trips through its file form
    assert dr.Model.from_dict(changed.to_dict()) == changed
    assert pickle.loads(pickle.dumps(changed)) == changed
    assert pickle.loads(pickle.dumps(changed)).changes == tuple(everything)
    # an empty change list gives an equal, separate model
    same = base.apply([])
    assert same == base and same is not base


def test_migrate_moves_every_placement_keeping_share_and_window() -> None:
    m = small().apply([C.migrate("phones", "virginia", "texas")])
    placed = rows(m.placements, class_="phones")
    assert placed["store"].tolist() == ["texas"]
    assert placed["share"].tolist() == [0.5]
    assert placed["window_start"].tolist() == [day("2021-01-01")]
    assert placed["window_end"].tolist() == [day("2023-06-01")]
    assert len(m.placements) == len(small().placements)


def test_copy_adds_a_placement() -> None:
    m = small().apply([C.copy("videos", "singapore", 0.3, effective="2022-01-01", note="mirror")])
    added = m.placements.iloc[-1]
    assert (added["class"], added["store"], added["share"]) == ("videos", "singapore", 0.3)
    assert added["window_start"] == day("2022-01-01") and pd.isna(added["window_end"])
    assert added["note"] == "mirror"
    assert stores(m, "CN", "videos", at="2022-01-01") == ["singapore", "virginia"]
    assert stores(m, "CN", "videos", at="2021-12-31") == ["virginia"]


def test_delete_removes_the_placement_but_not_what_flows_bring() -> None:
    base = small()
    m = base.apply([C.delete("phones", "virginia")])
    assert rows(m.placements, class_="phones").empty
    assert stores(m, "CN", "phones") == []
    # a flow brings data without a placement: deleting the source's placement stops it,
    # the flow itself does not count as a placement to delete
    flowed = base.apply([C.add_flow("virginia", "texas")])
    assert "texas" in stores(flowed, "US", "videos")
    with pytest.raises(dr.ModelError, match="remove_flow stops it"):
        flowed.apply([C.delete("videos", "texas")])


def test_revoke_removes_every_arc_between_the_two_nodes() -> None:
    doubled = small().add_access("admin", "singapore", 0.2, kind="read")
    assert len(rows(doubled.access, from_="admin", to="singapore")) == 2
    m = doubled.apply([C.revoke("admin", "singapore")])
    assert rows(m.access, from_="admin", to="singapore").empty
    assert len(m.access) == len(doubled.access) - 2
    assert stores(m, "CN", "phones") == ["virginia"]


def test_set_p_sets_every_arc_and_keeps_the_rest() -> None:
    base = small()
    m = base.apply([C.set_p("admin", "virginia", 0.25)])
    arc = rows(m.access, from_="admin", to="virginia").iloc[0]
    assert arc["p"] == 0.25
    assert arc["requires"] == ("insider",) and arc["kind"] == "admin"
    assert exposure(m)["videos"] < exposure(base)["videos"]


def test_add_gateway_reroutes_arcs_through_one_gateway_arc_per_target() -> None:
    base = small()
    m = base.apply(
        [C.add_gateway("gw", ["admin", "staff"], ["virginia", "singapore"], 0.1, classes=["videos"], region="US/TX")]
    )
    node = rows(m.nodes, id="gw").iloc[0]
    assert (node["kind"], node["region"]) == ("gateway", "US/TX")
    access = m.access
    # admin → virginia (with its event and kind), admin → singapore, staff → virginia
    into = rows(access, to="gw")
    assert sorted(into["from"]) == ["admin", "admin", "staff"]
    kept = rows(into, from_="admin", kind="admin")
    assert sorted(kept["p"]) == [0.7, 0.9]
    assert ("insider",) in kept["requires"].tolist()
    out = rows(access, from_="gw")
    assert sorted(out["to"]) == ["singapore", "virginia"]
    assert out["p"].tolist() == [0.1, 0.1]
    assert all(c == ("videos",) for c in out["classes"])
    assert set(out["kind"]) == {"gateway"}
    # untouched: staff → texas
    assert len(rows(access, from_="staff", to="texas")) == 1
    assert rows(access, from_="admin", to="virginia").empty
    # paths now go through the gateway
    path = dr.most_likely_path(m, "CN", "videos")
    assert path is not None and "gw" in path.nodes
    assert path.nodes.index("gw") == path.nodes.index("virginia") - 1
    # the gateway's filter stops phones on every rerouted route
    assert stores(m, "CN", "phones") == []
    assert stores(base, "CN", "phones") == ["singapore", "virginia"]


def test_add_gateway_then_revoke_sees_the_new_arcs() -> None:
    m = small().apply(
        [
            C.add_gateway("gw", ["admin"], ["virginia", "singapore"], 1.0),
            C.revoke("gw", "singapore"),
        ]
    )
    assert sorted(rows(m.access, from_="gw")["to"]) == ["virginia"]
    assert stores(m, "CN", "videos") == ["virginia"]


def test_add_gateway_adds_no_arc_to_a_target_no_source_reached() -> None:
    m = small().apply([C.add_gateway("gw", ["admin"], ["virginia", "texas"], 1.0)])
    assert sorted(rows(m.access, from_="gw")["to"]) == ["virginia"]


def test_gateway_arc_spans_the_windows_of_the_arcs_it_replaces() -> None:
    base = small().apply([C.set_p("admin", "singapore", 1.0)])
    data = base.to_dict()
    for arc in data["access"]:
        if arc["from"] == "admin":
            arc["window"] = ["2021-01-01", "2022-01-01"] if arc["to"] == "virginia" else ["2021-06-01", None]
    m = dr.Model.from_dict(data).apply([C.add_gateway("gw", ["admin"], ["virginia", "singapore"], 1.0)])
    out = rows(m.access, from_="gw").set_index("to")
    assert out.loc["virginia", "window_start"] == day("2021-01-01")
    assert out.loc["virginia", "window_end"] == day("2022-01-01")
    assert out.loc["singapore", "window_start"] == day("2021-06-01")
    assert pd.isna(out.loc["singapore", "window_end"])
    # in 2023 the admin reaches the gateway (singapore arc) but not virginia through it
    assert "virginia" not in stores(m, "CN", "videos", at="2023-01-01")


def test_relocate_moves_the_node_and_the_rules_follow() -> None:
    base = small()
    assert "virginia" in stores(base, "CN", "videos")  # through the admin
    out_of_china = base.apply([C.relocate("admin", "SG")])
    assert rows(out_of_china.nodes, id="admin")["region"].tolist() == ["SG"]
    assert stores(out_of_china, "CN", "videos") == []
    into_china = base.apply([C.relocate("virginia", "CN/Shanghai")])
    path = dr.most_likely_path(into_china, "CN", "videos")
    assert path is not None and path.nodes == ("CN", "virginia")
    assert path.probability == pytest.approx(0.9)


def test_add_flow_and_remove_flow() -> None:
    base = small()
    m = base.apply([C.add_flow("virginia", "texas", ["videos"], 0.5, note="replica")])
    flow = m.flows.iloc[-1]
    assert (flow["from"], flow["to"], flow["classes"], flow["share"], flow["note"]) == (
        "virginia",
        "texas",
        ("videos",),
        0.5,
        "replica",
    )
    assert "texas" in stores(m, "US", "videos")
    gone = base.apply([C.remove_flow("virginia", "singapore")])
    assert gone.flows.empty
    assert stores(gone, "CN", "phones") == ["virginia"]


def test_disable_removes_explicit_arcs_and_clears_a_jurisdictions_rule() -> None:
    base = small()
    m = base.apply([C.disable("virginia")])
    assert rows(m.access, to="virginia").empty and rows(m.access, from_="virginia").empty
    assert rows(m.nodes, id="virginia")["rule_exempt"].tolist() == [True]
    assert len(m.flows) == 1 and len(m.placements) == len(base.placements)  # data stays
    no_china = base.apply([C.disable("CN")])
    node = rows(no_china.nodes, id="CN").iloc[0]
    assert math.isnan(node["compels"]) and node["territory"] is None
    assert stores(no_china, "CN", "videos") == []
    # the flag is a node field that files write back
    assert {"id": "virginia", "kind": "store", "region": "US/VA", "rule_exempt": True} in m.to_dict()["nodes"]


def test_disable_stops_the_rule_arcs_into_the_node() -> None:
    base = small()
    assert "virginia" in stores(base, "US", "videos")  # the US rule reaches virginia
    m = base.apply([C.disable("virginia")])
    assert "virginia" not in stores(m, "US", "videos")
    assert "texas" not in stores(m, "US", "videos")  # no placement there: still nothing
    dated = base.apply([C.disable("virginia", effective="2022-01-01")])
    assert "virginia" in stores(dated, "US", "videos", at="2021-12-31")
    assert "virginia" not in stores(dated, "US", "videos", at="2022-01-01")


def test_changes_may_be_given_as_file_mappings() -> None:
    base = small()
    by_dict = base.apply([{"op": "revoke", "from": "admin", "to": "singapore"}])
    by_object = base.apply(C.revoke("admin", "singapore"))
    assert by_dict == by_object
    assert by_dict.changes == (C.revoke("admin", "singapore"),)


# ------------------------------------------------------------------------------ dating


def test_migrate_effective_on_project_texas() -> None:
    m = dr.examples.project_texas()
    before = m.to_dict()
    moved = m.apply([C.migrate("public_videos", "tiktok_virginia", "oracle_texas", effective="2023-01-01")])
    assert m.to_dict() == before
    assert stores(moved, "CN", "public_videos", at="2022-12-31") == ["tiktok_virginia"]
    assert stores(moved, "CN", "public_videos", at="2023-01-02") == ["oracle_texas"]
    reached = dr.reach(moved, "CN", at="2022-12-31").table
    assert reached.loc[reached["class"] == "public_videos", "possible_regions"].iloc[0] == ["US/VA"]
    reached = dr.reach(moved, "CN", at="2023-01-02").table
    assert reached.loc[reached["class"] == "public_videos", "possible_regions"].iloc[0] == ["US/TX"]
    placed = rows(moved.placements, class_="public_videos")
    assert placed["store"].tolist() == ["tiktok_virginia", "oracle_texas"]
    assert placed["window_end"].iloc[0] == day("2023-01-01")
    assert placed["window_start"].iloc[1] == day("2023-01-01")


def test_dated_migrate_intersects_the_original_window() -> None:
    m = small().apply([C.migrate("phones", "virginia", "texas", effective="2022-01-01")])
    placed = rows(m.placements, class_="phones")
    assert placed["store"].tolist() == ["virginia", "texas"]
    assert placed["window_start"].tolist() == [day("2021-01-01"), day("2022-01-01")]
    assert placed["window_end"].tolist() == [day("2022-01-01"), day("2023-06-01")]
    # effective before the window starts: the placement moves whole
    early = small().apply([C.migrate("phones", "virginia", "texas", effective="2020-01-01")])
    assert rows(early.placements, class_="phones")["store"].tolist() == ["texas"]


def test_dated_revoke_cuts_the_window() -> None:
    m = small().apply([C.revoke("admin", "singapore", effective="2022-01-01")])
    arc = rows(m.access, from_="admin", to="singapore").iloc[0]
    assert pd.isna(arc["window_start"]) and arc["window_end"] == day("2022-01-01")
    assert stores(m, "CN", "phones", at="2021-12-31") == ["singapore", "virginia"]
    assert stores(m, "CN", "phones", at="2022-01-01") == ["virginia"]


def test_dated_set_p_splits_the_arc_and_keeps_the_later_part_in_place() -> None:
    base = small()
    m = base.apply([C.set_p("admin", "virginia", 0.1, effective="2022-01-01")])
    arcs = rows(m.access, from_="admin", to="virginia")
    assert arcs["p"].tolist() == [0.1, 0.9]  # the arc's own row holds the new p
    assert arcs.index.tolist()[0] == rows(base.access, from_="admin", to="virginia").index[0]
    assert arcs["window_start"].iloc[0] == day("2022-01-01") and pd.isna(arcs["window_end"].iloc[0])
    assert pd.isna(arcs["window_start"].iloc[1]) and arcs["window_end"].iloc[1] == day("2022-01-01")
    assert arcs["requires"].tolist() == [("insider",), ("insider",)]
    assert exposure(m, at="2021-06-01")["videos"] == pytest.approx(exposure(base, at="2021-06-01")["videos"])
    assert exposure(m, at="2022-06-01")["videos"] < exposure(base, at="2022-06-01")["videos"]


def test_dated_add_gateway_ends_old_arcs_and_starts_new_ones() -> None:
    m = small().apply([C.add_gateway("gw", ["admin"], ["virginia"], 0.5, effective="2022-01-01")])
    old = rows(m.access, from_="admin", to="virginia").iloc[0]
    assert old["window_end"] == day("2022-01-01")
    new = rows(m.access, from_="admin", to="gw").iloc[0]
    assert new["window_start"] == day("2022-01-01") and new["requires"] == ("insider",)
    out = rows(m.access, from_="gw").iloc[0]
    assert out["window_start"] == day("2022-01-01") and out["p"] == 0.5
    before = dr.most_likely_path(m, "CN", "videos", at="2021-12-31")
    after = dr.most_likely_path(m, "CN", "videos", at="2022-01-01")
    assert before is not None and "gw" not in before.nodes
    assert after is not None and after.nodes == ("CN", "admin", "gw", "virginia")


def test_dated_relocate_keeps_the_shared_region_and_dates_the_rules() -> None:
    base = small()
    m = base.apply([C.relocate("admin", "US", effective="2022-01-01")])
    node = rows(m.nodes, id="admin").iloc[0]
    assert node["region"] is None  # CN/Beijing and US share nothing
    assert "relocated from CN/Beijing to US on 2022-01-01" in node["note"]
    rules = rows(m.access, to="admin", kind="compels").set_index("from")
    assert rules.loc["CN", "p"] == 0.9 and rules.loc["CN", "window_end"] == day("2022-01-01")
    assert rules.loc["US", "p"] == 0.8 and rules.loc["US", "window_start"] == day("2022-01-01")
    assert "virginia" in stores(m, "CN", "videos", at="2021-12-31")
    assert stores(m, "CN", "videos", at="2022-01-01") == []
    for at in ("2021-12-31", "2022-01-01"):
        undated = base if at < "2022-01-01" else base.apply([C.relocate("admin", "US")])
        pd.testing.assert_series_equal(exposure(m, "US", at=at), exposure(undated, "US", at=at))
    nearby = base.apply([C.relocate("virginia", "US/TX", effective="2022-01-01")])
    assert rows(nearby.nodes, id="virginia")["region"].tolist() == ["US"]
    assert rows(nearby.access, kind="compels").empty  # the US rule covers both


def test_dated_changes_add_from_the_date() -> None:
    m = small().apply(
        [
            C.add_flow("virginia", "texas", effective="2022-01-01"),
            C.copy("videos", "singapore", effective="2022-01-01"),
        ]
    )
    assert m.flows.iloc[-1]["window_start"] == day("2022-01-01")
    assert stores(m, "US", "videos", at="2021-12-31") == ["virginia"]
    assert stores(m, "US", "videos", at="2022-01-01") == ["texas", "virginia"]


def test_dated_delete_and_remove_flow_end_at_the_date() -> None:
    m = small().apply(
        [
            C.delete("phones", "virginia", effective="2022-01-01"),
            C.remove_flow("virginia", "singapore", effective="2022-01-01"),
        ]
    )
    assert rows(m.placements, class_="phones")["window_end"].tolist() == [day("2022-01-01")]
    assert m.flows.iloc[0]["window_end"] == day("2022-01-01")
    assert stores(m, "CN", "phones", at="2021-12-31") == ["singapore", "virginia"]
    assert stores(m, "CN", "phones", at="2022-01-01") == []


def test_dated_disable_of_a_jurisdiction_keeps_its_rule_until_the_date() -> None:
    base = small()
    m = base.apply([C.disable("CN", effective="2022-01-01")])
    node = rows(m.nodes, id="CN").iloc[0]
    assert math.isnan(node["compels"])
    rules = rows(m.access, from_="CN")
    assert rules["to"].tolist() == ["admin"] and rules["window_end"].tolist() == [day("2022-01-01")]
    pd.testing.assert_series_equal(exposure(m, at="2021-12-31"), exposure(base, at="2021-12-31"))
    assert exposure(m, at="2022-01-01").max() == 0


# ------------------------------------------------------------------------------ bad changes

BAD = [
    # (changes, where, text)
    (
        [{"op": "migrte", "class": "videos", "from": "virginia", "to": "texas"}],
        "changes[0].op",
        "did you mean 'migrate'?",
    ),
    ([{"class": "videos"}], "changes[0].op", "missing"),
    (["revoke admin virginia"], "changes[0]", "must be a change"),
    ([{"op": "revoke", "from": "admin", "to": "virginia", "form": "x"}], "changes[0].form", "did you mean 'from'?"),
    ([{"op": "revoke", "from": "admin"}], "changes[0].to", "is required for revoke"),
    ([{"op": "set_p", "from": "admin", "to": "virginia", "p": 1.2}], "changes[0].p", "must lie in [0, 1]"),
    ([{"op": "set_p", "from": "admin", "to": "virginia", "p": "high"}], "changes[0].p", "must be a number"),
    ([{"op": "copy", "class": "videos", "to": "texas", "share": 0}], "changes[0].share", "must lie in (0, 1]"),
    ([{"op": "disable", "node": "admin", "effective": "2022-02-30"}], "changes[0].effective", "YYYY-MM-DD"),
    (
        [{"op": "add_gateway", "id": "g", "sources": "admin", "targets": ["virginia"], "p": 1}],
        "changes[0].sources",
        "must be a list",
    ),
    (
        [C.revoke("admin", "virginia"), C.migrate("videos", "virginia", "texsa")],
        "changes[1].to",
        "unknown node 'texsa' (did you mean 'texas'?)",
    ),
    ([C.migrate("phones", "texas", "singapore")], "changes[0].from", "no placement of class 'phones' in store 'texas'"),
    ([C.migrate("profile", "virginia", "texas")], "changes[0].class", "composite class"),
    ([C.migrate("videos", "virginia", "staff")], "changes[0].to", "'staff' is a role, not a store"),
    ([C.migrate("videos", "virginia", "virginia")], "changes[0].to", "another store"),
    ([C.copy("vidoes", "texas")], "changes[0].class", "unknown class 'vidoes' (did you mean 'videos'?)"),
    ([C.delete("videos", "singapore")], "changes[0].store", "no placement of class 'videos'"),
    ([C.delete("phones", "singapore")], "changes[0].store", "remove_flow stops it"),
    ([C.revoke("staff", "singapore")], "changes[0].to", "no arc from 'staff' to 'singapore'"),
    ([C.revoke("CN", "admin")], "changes[0].to", "only the rule of jurisdiction 'CN'"),
    ([C.revoke("virginia", "admin")], "changes[0].to", "there are arcs from 'admin' to 'virginia'"),
    ([C.revoke("admin", "singapore"), C.revoke("admin", "singapore")], "changes[1].to", "no arc"),
    (
        [
            C.revoke("admin", "singapore", effective="2020-01-01"),
            C.set_p("admin", "singapore", 0.5, effective="2021-01-01"),
        ],
        "changes[1].to",
        "in force on or after 2021-01-01 (they end before)",
    ),
    ([C.add_gateway("admin", ["staff"], ["texas"], 1)], "changes[0].id", "already exists"),
    ([C.add_gateway("gw", ["staff"], ["singapore"], 1)], "changes[0].targets", "nothing to route"),
    ([C.add_gateway("gw", ["staff"], ["virgina"], 1)], "changes[0].targets[0]", "did you mean 'virginia'?"),
    (
        [C.add_gateway("gw", ["staff"], ["texas"], 1, classes=["video"])],
        "changes[0].classes[0]",
        "unknown class 'video'",
    ),
    ([C.relocate("admin", "CN/Beijing")], "changes[0].region", "already"),
    ([C.relocate("admn", "US")], "changes[0].node", "did you mean 'admin'?"),
    ([C.add_flow("virginia", "virginia")], "changes[0].to", "another store"),
    ([C.add_flow("virginia", "staff")], "changes[0].to", "not a store"),
    ([C.remove_flow("virginia", "texas")], "changes[0].to", "no flow from 'virginia' to 'texas'"),
    ([C.disable("nobody")], "changes[0].node", "unknown node 'nobody'"),
    ([{"op": "set_p", "p": 0.5}], "changes[0].from", "or give event (an event's p)"),
    ([{"op": "set_p", "from": "admin", "p": 0.5}], "changes[0].to", "is required for set_p with from"),
    (
        [{"op": "set_p", "from": "admin", "to": "virginia", "event": "insider", "p": 0.5}],
        "changes[0].event",
        "either from and to (the arcs between two nodes) or event (an event), not both",
    ),
    ([{"op": "set_p", "event": "insider"}], "changes[0].p", "is required for set_p"),
    ([{"op": "set_p", "event": "insider", "p": 1.5}], "changes[0].p", "must lie in [0, 1]"),
    ([C.set_p(event="insidr", p=0.1)], "changes[0].event", "unknown event 'insidr' (did you mean 'insider'?)"),
    ([{"op": "set_compels", "node": "CN"}], "changes[0].p", "is required for set_compels"),
    ([{"op": "set_compels", "node": "CN", "p": 0.5, "to": "x"}], "changes[0].to", "its fields are node, p"),
    ([C.set_compels("CNN", 0.5)], "changes[0].node", "unknown node 'CNN' (did you mean 'CN'?)"),
    ([C.set_compels("admin", 0.5)], "changes[0].node", "'admin' is a role; only a jurisdiction has a rule"),
    ([C.disable("CN"), C.set_compels("CN", 0.5)], "changes[1].node", "jurisdiction 'CN' has no rule"),
]


@pytest.mark.parametrize(("changes", "where", "text"), BAD, ids=[f"{b[1]}:{b[2][:24]}" for b in BAD])
def test_bad_changes_name_the_change_and_field(changes: list[Any], where: str, text: str) -> None:
    base = small()
    before = base.to_dict()
    with pytest.raises(dr.ModelError) as info:
        base.apply(changes)
    assert info.value.where == where, str(info.value)
    assert text in str(info.value)
    assert str(info.value).startswith(f"{where}: ")
    assert base.to_dict() == before


def test_apply_refuses_what_is_not_a_change_list() -> None:
    with pytest.raises(dr.ModelError, match="must be a change or a list of changes"):
        small().apply("revoke")
    with pytest.raises(dr.ModelError, match="must be a change or a list of changes"):
        small().apply(3)


# ------------------------------------------------------------------------------ round trips


def every_op() -> list[C.Change]:
    return [
        C.migrate("videos", "virginia", "texas", effective="2023-01-01"),
        C.copy("videos", "texas", 0.5, note="a mirror"),
        C.delete("phones", "virginia"),
        C.revoke("admin", "virginia", effective=datetime.date(2022, 7, 1)),
        C.set_p("staff", "texas", 0.25),
        C.set_p(event="insider", p=0.25, effective="2022-01-01"),
        C.set_compels("CN", 0.5, note="a new law"),
        C.add_gateway("gw", ["admin"], ["virginia", "singapore"], 0.05, classes=["videos"], region="US/TX"),
        C.relocate("staff", "US/TX"),
        C.add_flow("texas", "singapore", ["videos", "phones"], 0.5),
        C.remove_flow("virginia", "singapore"),
        C.disable("staff", effective="2024-01-01"),
    ]


def test_every_op_round_trips_through_dicts_yaml_and_json() -> None:
    changes = every_op()
    assert {type(c) for c in changes} == set(C.OPS.values())
    dicts = C.to_dicts(changes)
    assert C.from_dicts(dicts) == changes
    assert C.from_dicts(json.loads(json.dumps(dicts))) == changes
    assert C.from_dicts(yaml.safe_load(yaml.safe_dump(dicts))) == changes
    for fmt in ("yaml", "json"):
        text = C.dumps(changes, fmt)
        assert C.loads(text, fmt) == changes
    yaml_text = C.dumps(changes)
    assert "effective: 2023-01-01" in yaml_text  # dates unquoted, one change per line
    assert len(yaml_text.strip().splitlines()) == len(changes)


def test_changes_are_picklable_values() -> None:
    changes = every_op()
    assert pickle.loads(pickle.dumps(changes)) == changes


# ------------------------------------------------------------------------------ the story


def test_project_texas_as_designed_applies() -> None:
    m = dr.examples.project_texas()
    texas = C.loads(
        """
- {op: revoke, from: beijing_master_admin, to: tiktok_virginia, effective: 2022-07-01}
- {op: revoke, from: beijing_master_admin, to: singapore_backup, effective: 2022-07-01}
- {op: add_gateway, id: texas_gateway, sources: [china_engineers],
   targets: [tiktok_virginia, oracle_texas], p: 1,
   classes: [public_videos, comments, business_metrics], region: US/TX, effective: 2022-07-01}
- {op: disable, node: us_tech_services, effective: 2022-07-01}
- {op: delete, class: phone_numbers, store: tiktok_virginia, effective: 2022-07-01}
- {op: delete, class: birthdays, store: tiktok_virginia, effective: 2022-07-01}
- {op: delete, class: private_videos, store: tiktok_virginia, effective: 2022-07-01}
- {op: delete, class: phone_numbers, store: singapore_backup, effective: 2022-07-01}
- {op: delete, class: birthdays, store: singapore_backup, effective: 2022-07-01}
- {op: delete, class: private_videos, store: singapore_backup, effective: 2022-07-01}
"""
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        variant = m.apply(texas)
    base = dr.analyze(m, ["CN"], method="exact", at="2022-09-01").exposure.set_index("class")
    after = dr.analyze(variant, ["CN"], method="exact", at="2022-09-01").exposure.set_index("class")
    # the story's oracle reference numbers (notebooks/project_texas_story.md)
    assert base.loc["phone_numbers", "probability"] == pytest.approx(0.9963, abs=1e-4)
    assert after.loc["phone_numbers", "probability"] == pytest.approx(0.045, abs=1e-4)
    assert after.loc["public_videos", "probability"] == pytest.approx(0.99, abs=1e-4)
    assert after["risk"].sum() == pytest.approx(7.60e8, rel=1e-2)
    # before the changes take effect nothing differs
    pd.testing.assert_frame_equal(
        dr.analyze(m, ["CN"], method="exact", at="2022-06-20").exposure,
        dr.analyze(variant, ["CN"], method="exact", at="2022-06-20").exposure,
    )


# ------------------------------------------------------------------------------ properties

DATES = [None, "2021-01-01", "2022-01-01", "2023-01-01"]
REGIONS = ["A", "A/x", "A/y", "B", None]


@st.composite
def random_models(draw: st.DrawFn) -> dr.Model:
    m = dr.Model("random")
    m.add_event("e", draw(st.sampled_from([0.3, 0.5, 1.0])))
    m.add_node(
        "J",
        "jurisdiction",
        territory=draw(st.sampled_from(["A", "A/x", "B"])),
        compels=draw(st.sampled_from([0.4, 0.9])),
    )
    n_roles = draw(st.integers(1, 3))
    n_stores = draw(st.integers(1, 3))
    roles = [f"r{i}" for i in range(n_roles)]
    stores_ = [f"s{i}" for i in range(n_stores)]
    for node in roles:
        m.add_node(node, "role", region=draw(st.sampled_from(REGIONS)))
    for node in stores_:
        m.add_node(node, "store", region=draw(st.sampled_from(REGIONS)))
    m.add_class("c0")
    m.add_class("c1")
    m.add_class("both", components=["c0", "c1"])
    nodes = ["J", *roles, *stores_]

    def window() -> tuple[Any, Any] | None:
        start, end = draw(
            st.sampled_from([(None, None), (None, "2022-01-01"), ("2021-01-01", "2023-01-01"), ("2022-01-01", None)])
        )
        return None if start is None and end is None else (start, end)

    for _ in range(draw(st.integers(1, 3))):
        m.place(
            draw(st.sampled_from(["c0", "c1"])),
            draw(st.sampled_from(stores_)),
            draw(st.sampled_from([0.5, 1.0])),
            window=window(),
        )
    if n_stores > 1 and draw(st.booleans()):
        m.add_flow(stores_[0], stores_[1], share=0.5, window=window())
    for _ in range(draw(st.integers(1, 7))):
        source = draw(st.sampled_from(nodes))
        target = draw(st.sampled_from([n for n in nodes if n != source]))
        m.add_access(
            source,
            target,
            draw(st.sampled_from([0.2, 0.5, 1.0])),
            classes=draw(st.sampled_from([None, ["c0"], ["c1"]])),
            requires=draw(st.sampled_from([None, ["e"]])),
            window=window(),
        )
    m.adversaries = ["J"]
    return m


def scores(model: dr.Model, at: Any) -> pd.Series:
    table = dr.analyze(model, ["J"], method="exact", at=at).exposure
    return table.set_index("class")["probability"]


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(random_models(), st.data())
def test_revoking_an_arc_never_raises_exposure(model: dr.Model, data: st.DataObject) -> None:
    access = model.access
    row = data.draw(st.integers(0, len(access) - 1))
    source, target = access["from"].iloc[row], access["to"].iloc[row]
    effective = data.draw(st.sampled_from(DATES))
    at = data.draw(st.sampled_from(DATES))
    revoked = (
        model.apply([C.revoke(source, target, effective=effective)]) if _in_force(access, row, effective) else model
    )
    before, after = scores(model, at), scores(revoked, at)
    assert (after <= before + 1e-12).all(), (before, after)


@PROPERTY
@given(random_models(), st.data())
def test_deleting_a_placement_never_raises_exposure(model: dr.Model, data: st.DataObject) -> None:
    placements = model.placements
    row = data.draw(st.integers(0, len(placements) - 1))
    change = C.delete(placements["class"].iloc[row], placements["store"].iloc[row])
    at = data.draw(st.sampled_from(DATES))
    before, after = scores(model, at), scores(model.apply([change]), at)
    assert (after <= before + 1e-12).all(), (before, after)


@PROPERTY
@given(random_models(), st.data())
def test_a_dated_change_is_the_base_before_and_the_change_after(model: dr.Model, data: st.DataObject) -> None:
    """For every op: as of a date before ``effective`` the changed model scores like the
    base; on or after it like the same change without a date."""
    effective = data.draw(st.sampled_from(["2021-06-01", "2022-01-01", "2022-06-01"]))
    change = data.draw(_changes_for(model))
    if change is None:
        return
    try:
        dated = model.apply([_dated(change, effective)])
    except dr.ModelError as error:  # nothing in force on or after the date, or nothing to change
        assert "in force on or after" in str(error) or "changes nothing" in str(error)
        return
    undated = model.apply([change])
    for at in ("2021-01-01", "2021-12-31", "2022-01-01", "2022-03-01", "2022-06-01", "2023-06-01"):
        expected = scores(model if at < effective else undated, at)
        pd.testing.assert_series_equal(scores(dated, at), expected, atol=1e-12, rtol=0)


def _in_force(access: pd.DataFrame, row: int, effective: Any) -> bool:
    """Whether some arc between the row's two nodes is in force on or after ``effective``."""
    if effective is None:
        return True
    same = access[(access["from"] == access["from"].iloc[row]) & (access["to"] == access["to"].iloc[row])]
    ends = same["window_end"]
    return bool((ends.isna() | (ends > pd.Timestamp(effective))).any())


def _dated(change: C.Change, effective: str) -> C.Change:
    import dataclasses

    return dataclasses.replace(change, effective=datetime.date.fromisoformat(effective))


def _changes_for(model: dr.Model) -> st.SearchStrategy[C.Change | None]:
    access, placements = model.access, model.placements
    stores_ = [n for n, k in zip(model.nodes["id"], model.nodes["kind"]) if k == "store"]
    options: list[st.SearchStrategy[C.Change | None]] = []
    pairs = sorted(set(zip(access["from"], access["to"])))
    options.append(st.sampled_from([C.revoke(a, b) for a, b in pairs]))
    options.append(st.sampled_from([C.set_p(a, b, 0.1) for a, b in pairs]))
    held = sorted(set(zip(placements["class"], placements["store"])))
    options.append(st.sampled_from([C.delete(c, s) for c, s in held]))
    moves = [C.migrate(c, s, t) for c, s in held for t in stores_ if t != s]
    if moves:
        options.append(st.sampled_from(moves))
    options.append(st.sampled_from([C.copy(c, s, 0.5) for c in ("c0", "c1") for s in stores_]))
    if len(stores_) > 1:
        options.append(st.just(C.add_flow(stores_[-1], stores_[0], ["c1"])))
    if len(model.flows):
        options.append(st.just(C.remove_flow(model.flows["from"].iloc[0], model.flows["to"].iloc[0])))
    regions = dict(zip(model.nodes["id"], model.nodes["region"]))
    moves_to = [C.relocate(n, r) for n in model.node_ids for r in ("A/x", "B", "A/y/z") if regions[n] != r]
    options.append(st.sampled_from(moves_to))
    options.append(st.just(C.set_p(event="e", p=0.1)))
    options.append(st.just(C.set_compels("J", 0.2)))
    options.append(st.just(C.disable("J")))
    options.append(st.sampled_from([C.disable(n) for n in model.node_ids if n != "J"]))
    return st.one_of(options)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models(), st.data())
def test_monte_carlo_with_one_seed_never_rises_when_an_arc_is_revoked(model: dr.Model, data: st.DataObject) -> None:
    """Common random numbers: every arc that stays keeps its coin in every world (keys
    come from ids, not rows), so revoking can only remove live worlds."""
    access = model.access
    row = data.draw(st.integers(0, len(access) - 1))
    revoked = model.apply([C.revoke(access["from"].iloc[row], access["to"].iloc[row])])
    at = data.draw(st.sampled_from(DATES))

    def estimate(m: dr.Model) -> pd.Series:
        table = dr.analyze(m, ["J"], method="monte_carlo", samples=4096, seed=7, at=at).exposure
        return table.set_index("class")["probability"]

    before, after = estimate(model), estimate(revoked)
    assert (after <= before).all(), (before, after)


def test_set_p_of_an_event_sets_only_the_event() -> None:
    base = small()
    m = base.apply([C.set_p(event="insider", p=0.25)])
    assert m.events["p"].tolist() == [0.25]
    pd.testing.assert_frame_equal(m.access, base.access)
    assert m.changes == (C.set_p(event="insider", p=0.25),)
    assert C.set_p(event="insider", p=0.25).to_dict() == {"op": "set_p", "event": "insider", "p": 0.25}
    assert repr(C.set_p(event="insider", p=0.25)) == "SetP(event='insider', p=0.25)"
    assert C.set_p("a", "b", 0.5) == C.SetP("a", "b", 0.5)  # the arc form is unchanged


def test_dated_set_p_of_an_event_keeps_its_coin_from_the_date() -> None:
    """From ``effective`` on the arcs keep their rows and require the event itself (its
    coin, with the new p); before it they require a new event holding the old p."""
    base = small()
    m = base.apply([C.set_p(event="insider", p=0.1, effective="2022-01-01")])
    assert m.event_ids == ["insider", "insider before 2022-01-01"]
    assert m.events["p"].tolist() == [0.1, 0.5]
    access = m.access
    first = access.iloc[0]
    assert first.requires == ("insider",) and first.window_start == day("2022-01-01")
    earlier = access.iloc[-1]
    assert earlier.requires == ("insider before 2022-01-01",) and earlier.window_end == day("2022-01-01")
    assert len(access) == len(base.access) + 1
    before = exposure(base, at="2021-06-01")
    pd.testing.assert_series_equal(exposure(m, at="2021-06-01"), before)
    pd.testing.assert_series_equal(
        exposure(m, at="2022-06-01"), exposure(base.apply([C.set_p(event="insider", p=0.1)]), at="2022-06-01")
    )
    # the same change again splits nothing more: every arc requiring it starts at the date
    again = m.apply([C.set_p(event="insider", p=0.3, effective="2022-01-01")])
    assert again.event_ids == m.event_ids and again.events["p"].tolist() == [0.3, 0.5]
    # an id already taken gets a number
    taken = small()
    taken.add_event("insider before 2022-01-01", 0.3)
    numbered = taken.apply([C.set_p(event="insider", p=0.1, effective="2022-01-01")])
    assert numbered.event_ids[-1] == "insider before 2022-01-01 (2)"


def test_set_compels_sets_the_rule_and_dated_writes_it_out() -> None:
    base = small()
    m = base.apply([C.set_compels("CN", 0.3)])
    assert m.nodes.set_index("id").loc["CN", "compels"] == 0.3
    pd.testing.assert_frame_equal(m.access, base.access)
    dated = base.apply([C.set_compels("CN", 0.3, effective="2022-01-01")])
    cn = dated.nodes.set_index("id").loc["CN"]
    assert cn.territory is None and np.isnan(cn.compels)
    rule_arcs = rows(dated.access, from_="CN")
    assert rule_arcs[["to", "p"]].values.tolist() == [["admin", 0.9], ["admin", 0.3]]
    pd.testing.assert_series_equal(exposure(dated, at="2021-06-01"), exposure(base, at="2021-06-01"))
    pd.testing.assert_series_equal(exposure(dated, at="2022-06-01"), exposure(m, at="2022-06-01"))


def test_set_p_of_an_event_and_set_compels_equal_the_oracle() -> None:
    """On random models: the exact exposure after the change equals the brute force on the
    file with the value replaced; a change that changes nothing is refused."""
    import copy
    import random

    from oracle import enumerate_exposure, random_variables
    from random_models import AT_DATES, random_scenario

    rng = random.Random(77)
    checked = {"set_p": 0, "set_compels": 0, "refused": 0}
    while min(checked["set_p"], checked["set_compels"]) < 60:
        scenario = random_scenario(rng)
        at = rng.choice(AT_DATES)
        adversary = rng.choice([n["id"] for n in scenario["nodes"]])
        p = rng.choice([0.0, 1.0, round(rng.random(), 2)])
        targets = [("events", i, "p") for i, _ in enumerate(scenario.get("events", []))]
        targets += [("nodes", i, "compels") for i, n in enumerate(scenario["nodes"]) if n.get("compels") is not None]
        if not targets:
            continue
        section, row, field = rng.choice(targets)
        entry = scenario[section][row]
        change = C.set_p(event=entry["id"], p=p) if section == "events" else C.set_compels(entry["id"], p)
        expected = copy.deepcopy(scenario)
        expected[section][row][field] = p
        if len(random_variables(expected, adversary, at)) > 12 or len(random_variables(scenario, adversary, at)) > 12:
            continue
        try:
            changed = dr.Model.from_dict(scenario).apply([change])
        except dr.ModelError as error:
            assert "changes nothing" in str(error), str(error)
            checked["refused"] += 1
            continue
        got = dr.analyze(changed, [adversary], method="exact", at=at).table.set_index("class")["probability"]
        want = enumerate_exposure(expected, adversary, at)
        for data_class, probability in got.items():
            assert probability == pytest.approx(want[data_class]["probability"], abs=1e-9), (scenario, change, at)
        checked[change.op] += 1
    assert checked["refused"] > 0


def test_rule_exempt_is_lowered_only_when_some_node_has_it() -> None:
    from datareach.model.lowering import lower

    base = small()
    assert "node_rule_exempt" not in lower(base)
    disabled = base.apply([C.disable("texas")])
    exempt = lower(disabled)["node_rule_exempt"]
    assert exempt.dtype == np.uint8
    assert exempt.tolist() == [1 if n == "texas" else 0 for n in disabled.node_ids]
    # a node field like any other: builder, bulk frames and files agree
    built = dr.Model().add_node("s", "store", region="US", rule_exempt=True)
    assert built.nodes["rule_exempt"].tolist() == [True]
    assert dr.Model.from_dict(built.to_dict()) == built
    with pytest.raises(dr.ModelError, match=r"nodes\[0\]\.rule_exempt: must be true or false"):
        dr.Model.from_dict({"format": "datareach/1", "nodes": [{"id": "s", "kind": "store", "rule_exempt": "yes"}]})
