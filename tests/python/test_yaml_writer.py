"""The fast YAML writer writes exactly the bytes PyYAML's emitter writes."""

from __future__ import annotations

import random

import pytest

import datareach as dr
from datareach import changes as C
from datareach.io import scenario, variants, yaml_writer
from datareach.io.yaml_writer import Entry, Inline, dump_yaml, emit_yaml
from random_models import random_scenario
from test_files import rich_model


def odd_model() -> dr.Model:
    """Text YAML treats specially, in every field that is written as a scalar."""
    m = dr.Model("odd: 'quotes', \"double\", tab\there, é, 北京, line\u2028break, yes, 1e8, null")
    m.add_source("src: x", title="[not a list]", year=2023, flag=True)
    m.add_node("1e8", "role", region="yes", note="# not a comment", weird="- a: b", empty="")
    m.add_node("on", "store", region="2021-09-01", note="ends with a space ")
    m.add_node("null", "store", region="~", note="\x85next line", attrs_list=[1, "two", None, {"k": [True]}])
    m.add_node("a,b", "organization", region="{x}", note="*alias &anchor !tag %directive @at `tick`")
    m.add_class("c", records=2**62 + 1, sensitivity=0.1 + 0.2, category="-")
    m.add_class("d", records=0, sensitivity=-0.0 + 0, category="'")
    m.place("c", "on", share=1 / 3, note="x" * 300)
    m.add_access("1e8", "on", p=0.5, kind="?", classes=["c"], window=("2021-01-01", None))
    m.add_access("a,b", "null", p=1, kind=": colon", cost=float("1e-9"))
    return m


def models() -> list[dr.Model]:
    rng = random.Random(11)
    return [
        dr.examples.project_texas(),
        dr.synthetic.enterprise_with_arcs(3_000, seed=2),
        rich_model(),
        odd_model(),
        *(dr.Model.from_dict(random_scenario(rng)) for _ in range(30)),
    ]


def test_scenario_files_are_byte_identical_to_the_emitter(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = models()
    fast = [dr.io.dumps(model, "yaml") for model in listed]
    monkeypatch.setattr(scenario, "dump_yaml", emit_yaml)
    slow = [dr.io.dumps(model, "yaml") for model in listed]
    for text, expected, model in zip(fast, slow, listed):
        assert text == expected, model.name
        assert dr.io.loads(text) == model


def test_change_lists_and_variant_files_are_byte_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = [
        C.revoke("a: b", "yes", effective="2022-07-01", note="why: 'this'"),
        C.add_gateway("gw", ["x"], ["y", "z"], p=0.5, classes=["c"], region="US/TX"),
        C.set_p("on", "null", 1e-8),
    ]
    fast = C.dumps(plan), variants._variant_text(variants.variant_dict("b.yaml", plan, name="n: 1"), "yaml")
    monkeypatch.setattr(variants, "dump_yaml", emit_yaml)
    slow = C.dumps(plan), variants._variant_text(variants.variant_dict("b.yaml", plan, name="n: 1"), "yaml")
    assert fast == slow
    assert C.loads(fast[0]) == plan


@pytest.mark.parametrize(
    "payload",
    [
        {},
        [],
        {"a": []},
        {"events": [Entry()]},
        [Entry(op="x", n=1)],
        {"yes": [Entry(id=1)], "nodes": [Entry({"id": "a", "true": 1}), Entry({"id": "b", "k": {"x": 1}})]},
        {"nodes": [Entry(id=float("nan"), p=float("inf"), q=-0.0, r=0.0, s=1, t=1.0, u=True)]},
        {"x": 1, "nodes": [Entry(id="a")], "y": Inline([1, 2]), "access": [Entry(w=[None, [1, "a b"]])]},
    ],
)
def test_odd_payloads_are_byte_identical(payload: object) -> None:
    assert dump_yaml(payload) == emit_yaml(payload)


def test_the_pure_python_emitter_writes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = models()[:4]
    fast = [dr.io.dumps(model, "yaml") for model in listed]
    monkeypatch.setattr(yaml_writer, "DUMPER", yaml_writer.PURE_PYTHON_DUMPER)
    assert [dr.io.dumps(model, "yaml") for model in listed] == fast
