"""Model: builder methods, tables, equality, copies and the scalar fields."""

from __future__ import annotations

import datetime
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

import datareach as dr


def test_builder_equals_from_dict(example: dr.Model, scenario: dict[str, Any]) -> None:
    assert example == dr.Model.from_dict(scenario)


def test_builder_methods_chain() -> None:
    m = dr.Model().add_node("a", "role").add_node("s", "store").add_access("a", "s")
    assert m.node_ids == ["a", "s"]
    assert len(m.access) == 1


def test_defaults_are_explicit_and_documented() -> None:
    m = dr.Model()
    m.add_node("a", "role").add_node("s", "store").add_node("t", "store")
    m.add_class("c")
    m.place("c", "s")
    m.add_flow("s", "t")
    m.add_access("a", "s")
    cls = m.classes.iloc[0]
    assert (cls.sensitivity, cls.records, cls.components) == (1.0, 1.0, None)
    assert m.placements.iloc[0].share == 1.0
    flow = m.flows.iloc[0]
    assert (flow.share, flow.classes) == (1.0, None)  # None: every class
    arc = m.access.iloc[0]
    assert (arc.p, arc.cost, arc.classes, arc.requires, arc.kind) == (1.0, 1.0, None, None, None)
    assert pd.isna(arc.window_start) and pd.isna(arc.window_end)
    assert np.isnan(m.nodes.iloc[0].compels)


def test_tables_have_the_file_fields_as_columns(example: dr.Model) -> None:
    m = example
    assert list(m.nodes.columns) == [
        "id",
        "kind",
        "region",
        "territory",
        "compels",
        "compels_range_low",
        "compels_range_high",
        "rule_exempt",
        "attrs",
        "source",
        "note",
    ]
    assert list(m.classes.columns) == [
        "id",
        "sensitivity",
        "records",
        "category",
        "components",
        "source",
        "note",
    ]
    assert list(m.events.columns) == ["id", "p", "p_range_low", "p_range_high", "source", "note"]
    assert list(m.placements.columns) == [
        "class",
        "store",
        "share",
        "window_start",
        "window_end",
        "source",
        "note",
    ]
    assert list(m.flows.columns) == [
        "from",
        "to",
        "classes",
        "share",
        "kind",
        "window_start",
        "window_end",
        "source",
        "note",
    ]
    assert list(m.access.columns) == [
        "from",
        "to",
        "p",
        "p_range_low",
        "p_range_high",
        "classes",
        "requires",
        "cost",
        "kind",
        "window_start",
        "window_end",
        "source",
        "note",
    ]
    arc = m.access.iloc[0]
    assert arc.requires == ("insider-complies",)
    assert arc.window_start == pd.Timestamp("2021-09-01")
    assert arc.window_end == pd.Timestamp("2022-02-01")
    assert m.access["from"].dtype == object and m.access["p"].dtype == np.float64
    assert m.classes.iloc[2].components == ("public_videos", "comments")


def test_tables_are_copies(example: dr.Model) -> None:
    m = example
    table = m.access
    table.loc[0, "p"] = 0.1
    assert m.access.loc[0, "p"] == 0.95


def test_id_properties(example: dr.Model) -> None:
    m = example
    assert m.node_ids == ["CN", "beijing_master_admin", "tiktok_virginia", "singapore_backup"]
    assert m.class_ids == ["public_videos", "comments", "profile"]
    assert m.event_ids == ["insider-complies"]
    assert m.source_ids == ["buzzfeed-2022"]
    assert m.adversaries == ("CN",)
    assert m.format == "datareach/1"


def test_node_attrs_source_and_note() -> None:
    m = dr.Model().add_source("law", title="National Intelligence Law")
    m.add_node("x", "organization", region="CN", staff=7000, tags=["a"], source="law", note="n")
    node = m.nodes.iloc[0]
    assert node["attrs"] == {"staff": 7000, "tags": ["a"]}  # not .attrs: pandas metadata
    assert (node.source, node.note) == ("law", "n")
    assert m.to_dict()["nodes"] == [
        {
            "id": "x",
            "kind": "organization",
            "region": "CN",
            "attrs": {"staff": 7000, "tags": ["a"]},
            "source": "law",
            "note": "n",
        }
    ]


def test_attrs_are_copied_in() -> None:
    attrs = {"tags": ["a"]}
    m = dr.Model().add_node("x", "role", **attrs)
    attrs["tags"].append("b")
    assert m.nodes.iloc[0]["attrs"] == {"tags": ["a"]}


def test_builder_errors_name_the_new_row() -> None:
    m = dr.Model().add_node("virginia", "store").add_node("beijing", "role")
    m.add_access("beijing", "virginia")
    with pytest.raises(
        dr.ModelError,
        match=r"access\[1\]\.to: unknown node 'virgina' \(did you mean 'virginia'\?\)",
    ):
        m.add_access("beijing", "virgina")
    assert len(m.access) == 1  # a refused row is not added


def test_entries_must_follow_what_they_name() -> None:
    m = dr.Model().add_node("s", "store")
    with pytest.raises(dr.ModelError, match=r"classes\[0\]\.components: unknown class 'b'"):
        m.add_class("a", components=["b"])


def test_adversaries_setter_validates(example: dr.Model) -> None:
    m = example
    with pytest.raises(dr.ModelError, match=r"adversaries\[0\]: unknown node"):
        m.adversaries = ["XX"]
    assert m.adversaries == ("CN",)
    m.adversaries = ("CN", "beijing_master_admin")
    assert m.adversaries == ("CN", "beijing_master_admin")


def test_source_errors() -> None:
    m = dr.Model().add_source("a", title="t")
    with pytest.raises(dr.ModelError, match=r"sources\.a: duplicate source id"):
        m.add_source("a")
    with pytest.raises(dr.ModelError, match=r"sources\.b\.when: must be plain data"):
        m.add_source("b", when=object())
    with pytest.raises(dr.ModelError, match=r"name: must be a string"):
        dr.Model(name=3)  # type: ignore[arg-type]


def test_source_dates_become_iso_strings() -> None:
    m = dr.Model().add_source("a", date=datetime.date(2022, 6, 17), n=np.int64(3))
    assert m.sources == {"a": {"date": "2022-06-17", "n": 3}}


def test_equality_is_semantic_and_ordered(example: dr.Model, scenario: dict[str, Any]) -> None:
    assert example == dr.Model.from_dict(scenario)
    assert example != dr.Model()
    other = dr.Model.from_dict(scenario)
    other.add_node("extra", "role")
    assert example != other
    swapped = dr.Model().add_node("a", "role").add_node("b", "role")
    assert swapped != dr.Model().add_node("b", "role").add_node("a", "role")
    assert example != "not a model"


def test_copy_is_independent(example: dr.Model) -> None:
    m = example
    clone = m.copy()
    assert clone == m
    clone.add_node("extra", "role")
    clone.adversaries = ["extra"]
    assert m.node_ids[-1] == "singapore_backup" and m.adversaries == ("CN",)
    assert clone != m


def test_pickle_round_trip(example: dr.Model) -> None:
    m = example
    m.add_node("x", "role", staff={"n": 1})
    assert pickle.loads(pickle.dumps(m)) == m


def test_copy_and_apply_build_models_from_columns_not_from_pickle_state(
    example: dr.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: dr.Model, state: object) -> None:
        raise AssertionError("a model was built from a faked pickle state")

    monkeypatch.setattr(dr.Model, "__setstate__", refuse)
    m = example
    m.add_node("x", "role", staff={"n": 1})
    clone = m.copy()
    assert clone == m
    # Columns are shared, but the attrs mappings (the only mutable values) are the copy's own.
    assert clone.nodes["attrs"].iloc[-1] == {"staff": {"n": 1}}
    assert clone.nodes["attrs"].iloc[-1] is not m.nodes["attrs"].iloc[-1]
    changed = m.apply(dr.changes.relocate("x", "US/TX"))
    assert changed.nodes.set_index("id").loc["x", "region"] == "US/TX"
    assert changed.changes == (dr.changes.relocate("x", "US/TX"),)
    assert changed.revision == m.revision + 1 and changed != m


def test_repr_counts_entries(example: dr.Model) -> None:
    text = repr(example)
    assert text.startswith("Model('US user data, autumn 2021'")
    assert "nodes=4" in text and "access=1" in text and "adversaries=['CN']" in text


def test_model_error_is_a_value_error_with_location() -> None:
    with pytest.raises(ValueError) as error:
        dr.Model().add_node("a", "stor")
    assert isinstance(error.value, dr.ModelError)
    assert error.value.where == "nodes[0].kind"
    assert error.value.reason.startswith("unknown kind 'stor'")
    assert pickle.loads(pickle.dumps(error.value)).args == error.value.args


def test_windows_accept_every_date_form() -> None:
    m = dr.Model().add_node("a", "role").add_node("s", "store")
    forms = [
        ("2021-09-01", None),
        (datetime.date(2021, 9, 1), None),
        (np.datetime64("2021-09-01"), None),
        (pd.Timestamp("2021-09-01"), None),
        (datetime.datetime(2021, 9, 1), None),
    ]
    for window in forms:
        m.add_access("a", "s", window=window)
    starts = m.access["window_start"]
    assert (starts == pd.Timestamp("2021-09-01")).all()
    assert m.access["window_end"].isna().all()


def test_open_window_sides() -> None:
    m = dr.Model().add_node("a", "role").add_node("s", "store")
    m.add_access("a", "s", window=[None, "2022-01-01"])
    m.add_access("a", "s", window=[None, None])  # no window at all
    assert m.to_dict()["access"] == [
        {"from": "a", "to": "s", "p": 1, "window": [None, "2022-01-01"]},
        {"from": "a", "to": "s", "p": 1},
    ]


def test_empty_requires_means_none() -> None:
    m = dr.Model().add_node("a", "role").add_node("s", "store")
    m.add_access("a", "s", requires=[])
    assert m.access.iloc[0].requires is None
