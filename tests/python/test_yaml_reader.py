"""The strict YAML reader (datareach.io.yaml_reader) and the YAML writer: the rules of
scenario files, bounded work on hostile input, the pure-Python fallbacks, and output
byte-identical to PyYAML's own emitter."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
import yaml

import datareach as dr
from datareach.io import dumps, yaml_reader, yaml_writer
from datareach.io.yaml_reader import MAX_DEPTH, parse_yaml


def data(text: str) -> Any:
    return parse_yaml(text).data


@pytest.fixture(params=["libyaml", "pure python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs on libyaml's parser and on the fallback used without it."""
    if request.param == "pure python":
        monkeypatch.setattr(yaml_reader, "PARSER", yaml_reader.PURE_PYTHON_PARSER)
    else:
        assert yaml_reader.PARSER is not yaml_reader.PURE_PYTHON_PARSER, "PyYAML lacks libyaml here"
    return str(request.param)


def alias_bomb(levels: int = 8, width: int = 10) -> str:
    lines = ["a0: &a0 [x]"]
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    lines.append(f"name: *a{levels}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_fast(parser: str) -> None:
    text = alias_bomb()
    assert len(text.encode()) < 700  # a few hundred bytes that expand to 10^8 values
    started = time.perf_counter()
    with pytest.raises(
        dr.ModelError, match=r"invalid YAML at line \d+, column \d+: aliases expand the document beyond"
    ):
        dr.io.loads(text)
    assert time.perf_counter() - started < 5


def test_a_few_aliases_are_fine(parser: str) -> None:
    assert data("a: &x {p: 1}\nb: *x\nc: [*x, *x]\n") == {"a": {"p": 1}, "b": {"p": 1}, "c": [{"p": 1}, {"p": 1}]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int abc", "a !!int scalar must be an integer"),
        ("!!float ''", "a !!float scalar must be a number"),
        ("!!bool maybe", "a !!bool scalar must be true or false"),
        ("!!timestamp abc", "a !!timestamp scalar must be a date"),
        ("!!map [1, 2]", "a sequence cannot carry the tag !!map"),
        ("!!seq {a: 1}", "a mapping cannot carry the tag !!seq"),
        ("!!python/object/apply:os.system ['true']", "only the tags !!str, !!int"),
        ("!!python/name:os.system", "only the tags"),
        ("!custom x", "only the tags"),
    ],
)
def test_bad_explicit_tags_are_model_errors_with_a_position(parser: str, value: str, message: str) -> None:
    with pytest.raises(dr.ModelError, match=r"invalid YAML at line 2, column 7: ") as info:
        data(f"format: datareach/1\nname: {value}\n")
    assert message in str(info.value)


def test_good_explicit_tags(parser: str) -> None:
    text = "a: !!int '7'\nb: !!float 1\nc: !!str 7\nd: !!bool yes\ne: !!null ''\nf: !!timestamp 2022-01-02\n"
    assert data(text) == {"a": 7, "b": 1.0, "c": "7", "d": True, "e": None, "f": datetime.date(2022, 1, 2)}


def test_yaml_1_2_numbers_and_impossible_dates(parser: str) -> None:
    assert data("a: 1.5e8\nb: '1.5e8'\nc: 2022-06-31\nd: 2022-06-30\n") == {
        "a": 1.5e8,
        "b": "1.5e8",
        "c": "2022-06-31",
        "d": datetime.date(2022, 6, 30),
    }


def test_a_key_written_twice_is_refused_with_its_position(parser: str) -> None:
    with pytest.raises(dr.ModelError, match=r"invalid YAML at line 3, column 5: key 'id' is written twice"):
        data("nodes:\n  - id: a\n    id: b\n")


def test_merge_keys(parser: str) -> None:
    text = "base: &b {kind: role, region: US}\nnode: {<<: *b, id: x, region: SG}\nboth: {<<: [*b, {p: 1}], id: y}\n"
    assert data(text)["node"] == {"kind": "role", "region": "SG", "id": "x"}
    assert data(text)["both"] == {"kind": "role", "region": "US", "p": 1, "id": "y"}
    with pytest.raises(dr.ModelError, match="a merge key"):
        data("a: {<<: 3}\n")


def test_nesting_is_bounded(parser: str) -> None:
    assert data("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n") is not None
    with pytest.raises(dr.ModelError, match=f"nested more than {MAX_DEPTH} levels deep"):
        data("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: *nowhere\n", "the alias *nowhere names no anchor defined before it"),
        ("a: 1\n---\nb: 2\n", "a scenario file holds a single document"),
        ("{[1]: 2}\n", "a mapping key must be a plain value"),
        ("a: [\n", "invalid YAML at line 2"),
        ("a: \x00\n", "unacceptable character #x0000"),
    ],
)
def test_malformed_documents(parser: str, text: str, message: str) -> None:
    with pytest.raises(dr.ModelError, match="invalid YAML") as info:
        data(text)
    assert message in str(info.value)


def test_empty_documents(parser: str) -> None:
    assert data("") is None
    assert data("# only a comment\n") is None


def test_the_line_of_each_section_entry_is_recorded(parser: str) -> None:
    text = "format: datareach/1\nsources:\n  law: {title: x}\nnodes:\n  - {id: a, kind: role}\n\n  - id: b\n    kind: role\n"
    assert parse_yaml(text).lines == {"sources.law": 3, "nodes[0]": 5, "nodes[1]": 7}
    # a bare change list has no sections: nothing recorded, nothing fails
    assert parse_yaml("- {op: revoke, from: a, to: b}\n").lines == {}


def test_the_reader_agrees_with_pyyaml_on_the_shipped_example(parser: str) -> None:
    text = dr.examples.path("project_texas").read_text(encoding="utf-8")
    # PyYAML's safe loader reads 1.5e8 as text (YAML 1.1): the one deliberate difference.
    expected = yaml.safe_load(text.replace("e8", ".0e8"))
    assert parse_yaml(text).data == expected


def test_both_parsers_load_the_same_models(monkeypatch: pytest.MonkeyPatch) -> None:
    model = dr.synthetic.enterprise_with_arcs(3_000, seed=3)
    text = dumps(model, "yaml")
    fast = parse_yaml(text)
    monkeypatch.setattr(yaml_reader, "PARSER", yaml_reader.PURE_PYTHON_PARSER)
    slow = parse_yaml(text)
    assert slow.data == fast.data and slow.lines == fast.lines
    assert dr.io.loads(text) == model


def test_libyaml_and_python_emitters_write_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert yaml_writer.DUMPER is not yaml_writer.PURE_PYTHON_DUMPER
    models = [dr.examples.project_texas(), dr.synthetic.enterprise_with_arcs(2_000, seed=5)]
    odd = dr.Model("odd text: 'quotes', \"double\", tab\there, é, 北京, line\u2028break, yes, 1e8, null")
    odd.add_node("1e8", "role", region="yes", note="# not a comment", weird="- a: b")
    odd.add_node("on", "store", region="2021-09-01")
    odd.add_class("c", records=2**62 + 1, sensitivity=0.1 + 0.2)
    odd.place("c", "on", share=1 / 3)
    models.append(odd)
    fast = [dumps(model, "yaml") for model in models]
    for model, text in zip(models, fast):
        assert dr.io.loads(text) == model
    monkeypatch.setattr(yaml_writer, "DUMPER", yaml_writer.PURE_PYTHON_DUMPER)
    assert [dumps(model, "yaml") for model in models] == fast
