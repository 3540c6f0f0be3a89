"""What-if changes: every change that changes nothing is an error naming the change
(docs/design.md §8 decision 11), numbers out of range are ModelErrors, and messages quote
values within a budget."""

from __future__ import annotations

import pytest

import datareach as dr
from datareach import changes as C
from datareach.changes.convert import as_changes


@pytest.fixture
def model() -> dr.Model:
    m = dr.Model("m")
    m.add_node("J", "jurisdiction", region="X", territory="X", compels=0.5)
    m.add_node("r", "role", region="X")
    m.add_node("s", "store", region="Y")
    m.add_node("t", "store", region="Y")
    m.add_class("c")
    m.add_class("d")
    m.place("c", "s", 0.5)
    m.place("d", "s", window=("2022-01-01", None))
    m.add_flow("s", "t", classes=["c"], share=0.5)
    m.add_access("r", "s", 0.5)
    m.add_access("r", "s", 0.25, classes=["d"])
    m.add_access("J", "t", 0.5)
    m.add_event("e", 0.5)
    m.add_event("unused", 0.25)
    m.add_access("r", "t", 1, requires=["e"], window=(None, "2023-01-01"))
    m.adversaries = ["J"]
    return m


NOTHING = [
    (
        "add_flow twice",
        [C.add_flow("s", "t", ["d"]), C.add_flow("s", "t", ["d"])],
        "changes[1]: add_flow from 's' to 't' changes nothing: flows[1] copies them there already with share 1",
    ),
    (
        "copy twice",
        [C.copy("c", "t"), C.copy("c", "t")],
        "changes[1]: copy of 'c' to 't' changes nothing: placements[2] places it there already with share 1",
    ),
    (
        "copy with a smaller share",
        [C.copy("c", "s", 0.25)],
        "changes[0]: copy of 'c' to 's' changes nothing: placements[0] places it there already with share 0.5",
    ),
    (
        "copy dated after a placement began",
        [C.copy("d", "s", effective="2023-01-01")],
        "changes[0]: copy of 'd' to 's' changes nothing: placements[1] places it there already with share 1",
    ),
    (
        "add_flow of every class, then of one",
        [C.add_flow("t", "s"), C.add_flow("t", "s", ["c"], 0.5)],
        "changes[1]: add_flow from 't' to 's' changes nothing: flows[1] copies them there already with share 1",
    ),
    (
        "add_flow of a class a flow carries",
        [C.add_flow("s", "t", ["c"], 0.25)],
        "changes[0]: add_flow from 's' to 't' changes nothing: flows[0] copies them there already with share 0.5",
    ),
    (
        "add_flow dated, covered",
        [C.add_flow("s", "t", ["c"], 0.5, effective="2020-01-01")],
        "changes[0]: add_flow from 's' to 't' changes nothing: flows[0] copies them there already with share 0.5",
    ),
    (
        "set_p to the current p",
        [C.set_p("J", "t", 0.5)],
        "changes[0]: set_p from 'J' to 't' changes nothing: its arc has p 0.5 already",
    ),
    (
        "set_compels to the current p",
        [C.set_compels("J", 0.5)],
        "changes[0]: set_compels of 'J' changes nothing: its rule has compels 0.5 already",
    ),
    (
        "set_compels of a rule that reaches no node",
        [C.relocate("r", "Y"), C.set_compels("J", 0.7)],
        "changes[1]: set_compels of 'J' changes nothing: its rule reaches no node (no other node lies in 'X')",
    ),
    (
        "set_p of an event to its p",
        [C.set_p(event="e", p=0.5)],
        "changes[0]: set_p of event 'e' changes nothing: its p is 0.5 already",
    ),
    (
        "set_p of an event no arc requires",
        [C.set_p(event="unused", p=0.5)],
        "changes[0]: set_p of event 'unused' changes nothing: no arc requires it",
    ),
    (
        "set_p of an event, dated after its arcs end",
        [C.set_p(event="e", p=0.25, effective="2024-01-01")],
        "changes[0]: set_p of event 'e' changes nothing: no arc requires it in force on or after 2024-01-01",
    ),
    (
        "disable twice",
        [C.disable("s"), C.disable("s")],
        "changes[1]: disable of 's' changes nothing: no arc leads into or out of it and no rule reaches it or leaves it",
    ),
    (
        "disable twice, dated",
        [C.disable("J", effective="2022-01-01"), C.disable("J", effective="2022-01-01")],
        "changes[1]: disable of 'J' changes nothing: no arc leads into or out of it on or after 2022-01-01",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [pytest.param(c, x, id=n) for n, c, x in NOTHING])
def test_a_change_that_changes_nothing_is_an_error(model: dr.Model, changes: list[C.Change], expected: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        model.apply(changes)
    assert str(error.value).startswith(expected), str(error.value)
    assert error.value.where == expected.split(":")[0]


def test_set_p_to_the_p_of_every_arc_is_an_error(model: dr.Model) -> None:
    changed = model.apply([C.set_p("r", "s", 0.5)])  # one of the two arcs changes: fine
    assert changed.access["p"].tolist()[:2] == [0.5, 0.5]
    with pytest.raises(dr.ModelError) as error:
        changed.apply([C.set_p("r", "s", 0.5)])
    assert str(error.value) == "changes[0]: set_p from 'r' to 's' changes nothing: its arcs have p 0.5 already"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param([C.copy("c", "s", 0.75)], id="copy with a larger share"),
        pytest.param([C.copy("c", "t")], id="copy to a store the data only flows to"),
        pytest.param([C.copy("d", "s", effective="2021-01-01")], id="copy from before a placement begins"),
        pytest.param([C.add_flow("s", "t", ["d"])], id="add_flow of another class"),
        pytest.param([C.add_flow("s", "t", ["c"], 0.75)], id="add_flow with a larger share"),
        pytest.param([C.set_p("r", "s", 0.25, effective="2022-01-01")], id="set_p, one arc differs"),
        pytest.param([C.disable("s", effective="2022-01-01"), C.disable("s")], id="disable dated then undated"),
        pytest.param([C.disable("r")], id="disable, rules reach it"),
        pytest.param([C.set_p(event="e", p=0.25, effective="2022-01-01")], id="set_p of an event, dated"),
        pytest.param([C.set_compels("J", 0.25)], id="set_compels"),
    ],
)
def test_changes_that_change_something_still_apply(model: dr.Model, changes: list[C.Change]) -> None:
    changed = model.apply(changes)
    assert changed != model


def test_a_p_beyond_the_float_range_is_a_model_error() -> None:
    with pytest.raises(dr.ModelError) as error:
        C.set_p("a", "b", 10**400)
    assert str(error.value) == "set_p.p: is too large a number: an integer of about 401 digits"
    with pytest.raises(dr.ModelError, match=r"^changes\[0\]\.p: is too large a number"):
        as_changes([{"op": "set_p", "from": "a", "to": "b", "p": 10**5000}])
    with pytest.raises(dr.ModelError, match=r"^copy\.share: is too large a number"):
        C.copy("c", "s", -(10**400))
    with pytest.raises(dr.ModelError, match=r"^set_p\.p: must lie in \[0, 1\], got 1.5"):
        C.set_p("a", "b", 1.5)


def test_change_messages_quote_values_within_a_budget(model: dr.Model) -> None:
    long_id = "n" * 300_000
    for change in (C.revoke("r", long_id), C.disable(long_id), C.migrate("c", "s", long_id)):
        with pytest.raises(dr.ModelError) as error:
            model.apply([change])
        assert len(str(error.value)) < 300 and "(300,000 characters)" in str(error.value)
    with pytest.raises(dr.ModelError) as error:
        as_changes([{"op": "o" * 300_000}])
    assert len(str(error.value)) < 300
    with pytest.raises(dr.ModelError) as error:
        as_changes([{"op": "revoke", "from": "a", "to": "b", "k" * 300_000: 1}])
    assert len(str(error.value)) < 400
    with pytest.raises(dr.ModelError) as error:
        model.apply([C.copy("c", "r")])
    assert str(error.value) == "changes[0].to: 'r' is a role, not a store"


def test_change_pickles_are_checked_when_loaded() -> None:
    import pickle

    change = C.copy("c", "s", 0.5, effective="2022-01-01", note="n")
    assert pickle.loads(pickle.dumps(change)) == change
    forged = pickle.dumps(change).replace(b"G?\xe0" + bytes(6), b"G@" + bytes(7))
    assert forged != pickle.dumps(change)  # the share 0.5 became 2.0
    with pytest.raises(dr.ModelError, match=r"^copy\.share: must lie in \(0, 1\], got 2"):
        pickle.loads(forged)


def _alias_bomb() -> list[object]:
    a: list[object] = [0] * 10
    for _ in range(8):
        a = [a] * 10
    return a


@pytest.mark.parametrize(
    "value",
    [10**5000, _alias_bomb(), float("nan"), float("-inf"), "w" * 300_000, {"a": 1}, object()],
    ids=["huge integer", "alias bomb", "nan", "-inf", "long text", "a mapping", "an object"],
)
def test_every_change_field_with_an_awkward_value_is_a_short_model_error_or_applies(
    model: dr.Model, value: object
) -> None:
    from datareach.changes.types import OPS

    for op, cls in OPS.items():
        for spec in cls.file_fields():
            data = {"op": op, **{s.key: _plausible(s.kind) for s in cls.file_fields() if s.required}, spec.key: value}
            try:
                model.apply([data])
            except dr.ModelError as error:
                assert len(str(error)) < 400, (op, spec.key, str(error)[:500])


def _plausible(kind: str) -> object:
    return {"id": "s", "nodes": ["r"], "classes": ["c"], "p": 0.5, "share": 0.5, "region": "Y"}[kind]
