"""Sensitivity ranges in the model (docs/design.md §1, §3, §8): ``p_range`` on arcs and
events, ``compels_range`` on jurisdictions — kept exactly through files, mappings, pickles
and bulk frames, checked by the one validator, and what the what-if changes do to them."""

from __future__ import annotations

import copy
import pickle
import random
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datareach as dr
from datareach import changes as C
from random_models import add_ranges, random_scenario

# --------------------------------------------------------------------------- round trips


@st.composite
def scenarios_with_ranges(draw: st.DrawFn) -> dict:
    """A random scenario whose values get ranges with arbitrary float ends around them."""
    scenario = random_scenario(draw(st.randoms(use_true_random=False)))
    unit = st.floats(0, 1, allow_nan=False)

    def around(p: float) -> list[float] | None:
        if not draw(st.booleans()):
            return None
        low = draw(st.floats(0, p, allow_nan=False) | st.sampled_from([0, p]))
        high = draw(st.floats(p, 1, allow_nan=False) | st.sampled_from([1, p]))
        return [low, high]

    for section in ("events", "access"):
        for entry in scenario.get(section, []):
            if draw(st.booleans()):
                entry["p"] = draw(unit)
            span = around(entry["p"])
            if span is not None:
                entry["p_range"] = span
    for node in scenario["nodes"]:
        if node.get("compels") is not None:
            span = around(node["compels"])
            if span is not None:
                node["compels_range"] = span
    return scenario


ROUND_TRIPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIPS
@given(scenarios_with_ranges())
def test_ranges_round_trip_exactly_through_dict_yaml_json_and_pickle(scenario: dict) -> None:
    model = dr.Model.from_dict(scenario)
    data = model.to_dict()
    for section, field in (("events", "p_range"), ("access", "p_range"), ("nodes", "compels_range")):
        for given_entry, written in zip(scenario.get(section, []), data.get(section, [])):
            if field in given_entry:
                assert written[field] == given_entry[field]  # the same numbers, exactly
                assert all(type(v) in (int, float) for v in written[field])
            else:
                assert field not in written
    assert dr.Model.from_dict(data) == model
    for fmt in ("yaml", "json"):
        again = dr.io.loads(dr.io.dumps(model, fmt), fmt)
        assert again == model
        assert again.to_dict() == data
    assert pickle.loads(pickle.dumps(model)) == model
    columns = [c for c in model.access.columns if c.startswith("p_range")]
    assert columns == ["p_range_low", "p_range_high"]


def test_a_file_writes_a_range_on_its_entrys_line() -> None:
    model = ranged()
    text = dr.io.dumps(model)
    assert "- {id: e, p: 0.5, p_range: [0.2, 0.9]}" in text
    assert "compels: 0.9, compels_range: [0.5, 1]" in text
    assert "- {from: a, to: s, p: 0.3, p_range: [0.1, 0.5]}" in text
    assert '{"from": "a", "to": "s", "p": 0.3, "p_range": [0.1, 0.5]}' in dr.io.dumps(model, "json")


def ranged() -> dr.Model:
    m = dr.Model("ranged")
    m.add_event("e", 0.5, p_range=(0.2, 0.9))
    m.add_node("CN", "jurisdiction", territory="CN", compels=0.9, compels_range=[0.5, 1])
    m.add_node("a", "role", region="CN")
    m.add_node("s", "store", region="US")
    m.add_class("c")
    m.place("c", "s")
    m.add_access("a", "s", 0.3, p_range=(0.1, 0.5))
    return m


def test_builders_and_tables_carry_ranges() -> None:
    m = ranged()
    assert m.events[["p_range_low", "p_range_high"]].iloc[0].tolist() == [0.2, 0.9]
    assert m.nodes[["compels_range_low", "compels_range_high"]].iloc[0].tolist() == [0.5, 1.0]
    assert np.isnan(m.nodes["compels_range_low"].iloc[1])  # left out: NaN, like compels
    assert m.access["p_range_low"].dtype == np.float64
    assert m.to_dict()["access"] == [{"from": "a", "to": "s", "p": 0.3, "p_range": [0.1, 0.5]}]


def test_bulk_frames_give_ranges_as_two_columns() -> None:
    m = dr.Model("bulk").add_node("a", "role").add_node("s", "store")
    m.add_events(
        pd.DataFrame({"id": ["e", "f"], "p": [0.5, 0.2], "p_range_low": [0.1, np.nan]}).assign(
            p_range_high=[0.9, np.nan]
        )
    )
    n = 10_000
    m.add_arcs(
        {
            "from": np.full(n, "a", dtype=object),
            "to": np.full(n, "s", dtype=object),
            "p": np.full(n, 0.5),
            "p_range_low": np.where(np.arange(n) % 2 == 0, 0.25, np.nan),
            "p_range_high": np.where(np.arange(n) % 2 == 0, 0.75, np.nan),
        }
    )
    data = m.to_dict()
    assert data["events"] == [{"id": "e", "p": 0.5, "p_range": [0.1, 0.9]}, {"id": "f", "p": 0.2}]
    assert data["access"][0]["p_range"] == [0.25, 0.75] and "p_range" not in data["access"][1]
    assert dr.Model.from_dict(data) == m
    with pytest.raises(dr.ModelError) as error:
        m.add_arcs({"from": ["a"], "to": ["s"], "p": [0.5], "p_range_low": [0.2]})
    assert str(error.value) == f"access[{n}].p_range: must give both ends [low, high]; the high end is missing"
    with pytest.raises(dr.ModelError) as error:
        m.add_arcs(
            {
                "from": ["a", "a"],
                "to": ["s", "s"],
                "p": [0.5, 0.5],
                "p_range_low": [0.2, 0.6],
                "p_range_high": [0.8, 0.9],
            }
        )
    assert error.value.where == f"access[{n + 1}].p_range" and "outside [0.6, 0.9]" in str(error.value)


# --------------------------------------------------------------------------- validation


def _arc(**fields: Any) -> dict:
    return {
        "format": "datareach/1",
        "events": [{"id": "e", "p": 0.5}],
        "nodes": [
            {"id": "J", "kind": "jurisdiction", "territory": "X", "compels": 0.5},
            {"id": "a", "kind": "role"},
            {"id": "s", "kind": "store"},
        ],
        "access": [{"from": "a", "to": "s", "p": 0.3}, {"from": "a", "to": "s", "p": 0.3, **fields}],
    }


def _event(**fields: Any) -> dict:
    data = _arc()
    data["events"].append({"id": "f", "p": 0.5, **fields})
    return data


def _node(**fields: Any) -> dict:
    data = _arc()
    data["nodes"].append({"id": "n", **fields})
    return data


BAD = [
    (_arc(p_range=0.5), "access[1].p_range", "must be [low, high], a list of two numbers, got 0.5"),
    (_arc(p_range=[0.1]), "access[1].p_range", "must be [low, high], a list of two numbers, got a list of 1 item"),
    (_arc(p_range=[0.1, 0.2, 0.3]), "access[1].p_range", "got a list of 3 items"),
    (_arc(p_range="0.1-0.5"), "access[1].p_range", "got '0.1-0.5'"),
    (_arc(p_range={"low": 0.1}), "access[1].p_range", "got a mapping of 1 key"),
    (_arc(p_range=["a", 0.5]), "access[1].p_range", "the low end must be a number, got 'a'"),
    (_arc(p_range=[0.1, True]), "access[1].p_range", "the high end must be a number, got true"),
    (_arc(p_range=[float("nan"), 0.5]), "access[1].p_range", "the low end must be a finite number, got nan"),
    (_arc(p_range=[0.1, float("inf")]), "access[1].p_range", "the high end must be a finite number, got inf"),
    (_arc(p_range=[-0.1, 0.5]), "access[1].p_range", "the low end must lie in [0, 1], got -0.1"),
    (_arc(p_range=[0.1, 1.5]), "access[1].p_range", "the high end must lie in [0, 1], got 1.5"),
    (_arc(p_range=[0.1, 10**400]), "access[1].p_range", "the high end is too large a number"),
    (_arc(p_range=[0.5, 0.2]), "access[1].p_range", "the low end 0.5 is above the high end 0.2"),
    (_arc(p_range=[0.4, 0.5]), "access[1].p_range", "p 0.3 lies outside [0.4, 0.5]: the point value must lie within"),
    (_arc(p_range=[0.1, 0.2]), "access[1].p_range", "p 0.3 lies outside [0.1, 0.2]"),
    (_arc(p_range=[None, 0.5]), "access[1].p_range", "must give both ends [low, high]; the low end is missing"),
    (_arc(p_range=["2022-01-01", 0.5]), "access[1].p_range", "the low end must be a number"),
    (_arc(p_rang=[0.1, 0.5]), "access[1].p_rang", "unknown field (did you mean 'p_range'?)"),
    (_event(p_range=[0.6, 0.9]), "events[1].p_range", "p 0.5 lies outside [0.6, 0.9]"),
    (_event(p_range=[0.1]), "events[1].p_range", "must be [low, high]"),
    (_event(compels_range=[0.1, 0.9]), "events[1].compels_range", "unknown field (did you mean 'p_range'?)"),
    (
        _node(kind="role", compels_range=[0, 1]),
        "nodes[3].compels_range",
        "only a jurisdiction with a rule has compels_range; this node is a role",
    ),
    (
        _node(kind="jurisdiction", compels_range=[0, 1]),
        "nodes[3].compels_range",
        "a range needs its point value: give territory and compels too",
    ),
    (
        _node(kind="jurisdiction", territory="Y", compels=0.5, compels_range=[0.6, 1]),
        "nodes[3].compels_range",
        "compels 0.5 lies outside [0.6, 1]",
    ),
    (_node(kind="store", p_range=[0, 1]), "nodes[3].p_range", "unknown field (did you mean 'compels_range'?)"),
]


@pytest.mark.parametrize(("data", "where", "text"), BAD, ids=[f"{b[1]}: {b[2][:30]}" for b in BAD])
def test_every_bad_range_is_a_model_error_naming_entry_and_field(data: dict, where: str, text: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.Model.from_dict(data)
    assert error.value.where == where, str(error.value)
    assert text in str(error.value)


def test_builders_check_ranges_like_files() -> None:
    m = dr.Model().add_node("a", "role").add_node("s", "store")
    with pytest.raises(dr.ModelError, match=r"^access\[0\]\.p_range: p 0.9 lies outside \[0.1, 0.5\]"):
        m.add_access("a", "s", 0.9, p_range=(0.1, 0.5))
    with pytest.raises(dr.ModelError, match=r"^events\[0\]\.p_range: the low end 0.9 is above"):
        m.add_event("e", 0.5, p_range=(0.9, 0.1))
    with pytest.raises(dr.ModelError, match=r"^nodes\[2\]\.compels_range: only a jurisdiction"):
        m.add_node("x", "store", compels_range=(0, 1))
    assert len(m.access) == 0 and len(m.events) == 0  # a refused row is not added


def test_a_range_error_from_a_file_gives_the_line(tmp_path: Any) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "format: datareach/1\nnodes:\n  - {id: a, kind: role}\n  - {id: s, kind: store}\n"
        "access:\n  - {from: a, to: s, p: 0.3,\n     p_range: [0.5, 0.9]}\n"
    )
    with pytest.raises(dr.ModelError) as error:
        dr.load(path)
    assert str(error.value).startswith("access[0] (line 6).p_range: p 0.3 lies outside [0.5, 0.9]")
    assert error.value.where == "access[0].p_range"


def test_a_forged_pickle_with_a_bad_range_is_refused() -> None:
    state = ranged().__getstate__()
    state["tables"]["access"]["p_range_low"] = ("<f8", np.array([0.4]).tobytes())  # above p 0.3
    model = dr.Model.__new__(dr.Model)
    with pytest.raises(dr.ModelError, match=r"^access\[0\]\.p_range: p 0.3 lies outside \[0.4, 0.5\]"):
        model.__setstate__(state)
    state = ranged().__getstate__()
    state["tables"]["nodes"]["compels_range_high"] = ("<i8", np.array([1]).tobytes())
    with pytest.raises(dr.ModelError, match="must be bytes of <f8"):
        dr.Model.__new__(dr.Model).__setstate__(state)


def test_ranges_are_invisible_to_the_engines() -> None:
    """Ranges are metadata: the same model without them lowers and analyses identically."""
    from datareach.model.lowering import lower

    rng = random.Random(7)
    for _ in range(30):
        plain = random_scenario(rng)
        with_ranges = add_ranges(plain, rng, chance=1.0)
        a, b = dr.Model.from_dict(plain), dr.Model.from_dict(with_ranges)
        la, lb = lower(a), lower(b)
        assert la.keys() == lb.keys()
        for key in la:
            np.testing.assert_array_equal(np.asarray(la[key]), np.asarray(lb[key]))
        adversary = a.node_ids[0]
        pd.testing.assert_frame_equal(
            dr.analyze(a, [adversary], method="exact").table, dr.analyze(b, [adversary], method="exact").table
        )


# --------------------------------------------------------------------------- changes and ranges


def test_set_p_drops_the_range_of_the_arcs_it_sets() -> None:
    m = ranged()
    changed = m.apply([C.set_p("a", "s", 0.45)])  # inside the old range: dropped all the same
    assert changed.to_dict()["access"] == [{"from": "a", "to": "s", "p": 0.45}]
    dated = m.apply([C.set_p("a", "s", 0.8, effective="2022-01-01")])
    arcs = dated.to_dict()["access"]
    assert arcs[0] == {"from": "a", "to": "s", "p": 0.8, "window": ["2022-01-01", None]}
    assert arcs[1] == {"from": "a", "to": "s", "p": 0.3, "p_range": [0.1, 0.5], "window": [None, "2022-01-01"]}
    assert dr.Model.from_dict(dated.to_dict()) == dated  # still a valid model


def test_set_p_of_an_event_drops_its_range_and_dated_keeps_it_before() -> None:
    m = ranged()
    m.add_access("CN", "s", 1, requires=["e"])
    changed = m.apply([C.set_p(event="e", p=0.95)])
    assert changed.to_dict()["events"] == [{"id": "e", "p": 0.95}]
    dated = m.apply([C.set_p(event="e", p=0.95, effective="2022-01-01")])
    events = dated.to_dict()["events"]
    assert events[0] == {"id": "e", "p": 0.95}
    assert events[1] == {
        "id": "e before 2022-01-01",
        "p": 0.5,
        "p_range": [0.2, 0.9],
        "note": "the p of event e before 2022-01-01",
    }
    assert dr.Model.from_dict(dated.to_dict()) == dated


def test_set_compels_drops_the_range_and_dated_writes_the_rule_out() -> None:
    m = ranged()
    changed = m.apply([C.set_compels("CN", 0.4)])
    assert changed.to_dict()["nodes"][0] == {"id": "CN", "kind": "jurisdiction", "territory": "CN", "compels": 0.4}
    dated = m.apply([C.set_compels("CN", 0.4, effective="2022-01-01")])
    node = dated.to_dict()["nodes"][0]
    assert node == {"id": "CN", "kind": "jurisdiction"}  # the rule is written out as arcs
    rule_arcs = [a for a in dated.to_dict()["access"] if a.get("kind") == "compels"]
    assert rule_arcs == [
        {
            "from": "CN",
            "to": "a",
            "p": 0.9,
            "p_range": [0.5, 1],
            "kind": "compels",
            "window": [None, "2022-01-01"],
            "note": "the rule of jurisdiction CN",
        },
        {
            "from": "CN",
            "to": "a",
            "p": 0.4,
            "kind": "compels",
            "window": ["2022-01-01", None],
            "note": "the rule of jurisdiction CN",
        },
    ]
    assert dr.Model.from_dict(dated.to_dict()) == dated


def test_disable_clears_a_jurisdictions_range_and_dated_carries_it_onto_the_arcs() -> None:
    m = ranged()
    undated = m.apply([C.disable("CN")])
    assert "compels_range" not in undated.to_dict()["nodes"][0]
    assert dr.Model.from_dict(undated.to_dict()) == undated
    dated = m.apply([C.disable("CN", effective="2022-01-01")])
    (rule_arc,) = [a for a in dated.to_dict()["access"] if a.get("kind") == "compels"]
    assert rule_arc["p"] == 0.9 and rule_arc["p_range"] == [0.5, 1]
    assert dr.Model.from_dict(dated.to_dict()) == dated
    # a dated relocate out of the territory writes the rule's arc out with its range too
    moved = m.apply([C.relocate("a", "US", effective="2022-01-01")])
    (rule_arc,) = [a for a in moved.to_dict()["access"] if a.get("kind") == "compels"]
    assert rule_arc["p_range"] == [0.5, 1] and rule_arc["window"] == [None, "2022-01-01"]


def test_other_changes_keep_ranges() -> None:
    m = ranged()
    gated = m.apply([C.add_gateway("gw", ["a"], ["s"], 0.5), C.revoke("gw", "s", effective="2023-01-01")])
    arcs = gated.to_dict()["access"]
    assert arcs[0] == {"from": "a", "to": "gw", "p": 0.3, "p_range": [0.1, 0.5]}
    assert "p_range" not in arcs[1]  # the gateway's own arc: a new value, no range
    assert gated.to_dict()["events"] == m.to_dict()["events"]
    assert gated.to_dict()["nodes"][0] == m.to_dict()["nodes"][0]


def test_changed_models_keep_the_range_invariants_on_random_models() -> None:
    """Whatever changes apply, the result is a model that the validator accepts as is."""
    rng = random.Random(11)
    checked = 0
    for _ in range(150):
        scenario = add_ranges(random_scenario(rng), rng, chance=0.8)
        model = dr.Model.from_dict(scenario)
        changes = _some_changes(scenario, rng)
        effective = rng.choice([None, "2021-06-01", "2022-01-01"])
        for change in changes:
            change = dr.changes.change_from_dict(
                {**change.to_dict(), **({"effective": effective} if effective else {})}
            )
            try:
                model = model.apply([change])
            except dr.ModelError:
                continue
            checked += 1
        assert dr.Model.from_dict(copy.deepcopy(model.to_dict())) == model
        assert pickle.loads(pickle.dumps(model)) == model
    assert checked > 100


def _some_changes(scenario: dict, rng: random.Random) -> list[C.Change]:
    nodes = [n["id"] for n in scenario["nodes"]]
    out: list[C.Change] = []
    for arc in rng.sample(scenario["access"], min(2, len(scenario["access"]))):
        out.append(C.set_p(arc["from"], arc["to"], round(rng.random(), 2)))
    for event in scenario.get("events", [])[:1]:
        out.append(C.set_p(event=event["id"], p=round(rng.random(), 2)))
    for node in scenario["nodes"]:
        if node.get("compels") is not None:
            out.append(rng.choice([C.set_compels(node["id"], round(rng.random(), 2)), C.disable(node["id"])]))
    out.append(C.relocate(rng.choice(nodes), rng.choice(["US", "CN/Beijing", "SG"])))
    rng.shuffle(out)
    return out
