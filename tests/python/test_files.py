"""Scenario files: load and save YAML and JSON, losslessly and readably."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

import datareach as dr
from datareach.io import dumps, loads


def rich_model() -> dr.Model:
    """A model using every field of every section."""
    m = dr.Model("Zürich → 北京: every field")
    m.add_source("law", title="National Intelligence Law", date="2017-06-27", articles=[7])
    m.add_source("blog", url="https://example.org", note=None)
    m.add_event("complies", 0.25, source="law", note="assumption")
    m.add_node("CN", "jurisdiction", region="CN", territory="CN", compels=0.9, source="law")
    m.add_node("admin", "role", region="CN/Beijing", staff=3, tags=["a", "b"], nested={"x": None})
    m.add_node("gw", "gateway", region="US")
    m.add_node("s1", "store", region="US/VA", note="Virginia")
    m.add_node("s2", "store", region="SG")
    m.add_node("corp", "organization")
    m.add_class("phone", sensitivity=5, records=1.5e8, category="protected", source="blog")
    m.add_class("birthday", sensitivity=0.5, records=0)
    m.add_class("pii", components=["phone", "birthday"], sensitivity=10, note="mosaic")
    m.place("phone", "s1", share=0.5, window=("2021-01-01", "2023-06-30"), note="legacy")
    m.place("birthday", "s1", window=(None, "2023-01-01"))
    m.add_flow("s1", "s2", classes=["phone"], share=0.75, kind="backup", window=("2022-06-17", None))
    m.add_access("CN", "corp", p=0.9, kind="compels", cost=1e9)
    m.add_access(
        "admin",
        "s1",
        p=0.95,
        classes=["pii"],
        requires=["complies"],
        cost=2.5,
        kind="admin",
        window=("2021-09-01", "2022-02-01"),
        source="law",
        note="leak",
    )
    m.add_access("admin", "gw", p=0)
    m.adversaries = ["CN", "admin"]
    return m


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".JSON"])
def test_save_then_load_loses_nothing(tmp_path: Path, suffix: str) -> None:
    m = rich_model()
    path = tmp_path / f"model{suffix}"
    dr.save(m, path)
    assert dr.load(path) == m
    assert dr.load(str(path)) == m


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_written_text_is_stable(format: str) -> None:
    text = dumps(rich_model(), format)  # type: ignore[arg-type]
    assert dumps(loads(text, format), format) == text  # type: ignore[arg-type]


def test_example_file_round_trip(scenario_yaml: str, example: dr.Model) -> None:
    m = loads(scenario_yaml)
    assert m == example
    assert loads(dumps(m)) == m
    assert loads(dumps(m, "json"), "json") == m


def test_saved_yaml_is_readable(example: dr.Model) -> None:
    text = dumps(example)
    assert text.startswith("format: datareach/1\nname: US user data, autumn 2021\n")
    lines = text.splitlines()
    assert "adversaries: [CN]" in lines
    assert "- {id: CN, kind: jurisdiction, territory: CN, compels: 0.9}" in lines
    assert "- {id: public_videos, sensitivity: 1, records: 150000000}" in lines
    assert "window: [2021-09-01, 2022-02-01]" in text  # dates unquoted
    assert "date: 2022-06-17" in text
    assert yaml.safe_load(text)["nodes"][0] == {  # plain YAML, readable by any tool
        "id": "CN",
        "kind": "jurisdiction",
        "territory": "CN",
        "compels": 0.9,
    }


def test_saved_json_has_one_line_per_entry(example: dr.Model) -> None:
    text = dumps(example, "json")
    data = json.loads(text)
    assert data["format"] == "datareach/1"
    assert '    {"id": "CN", "kind": "jurisdiction", "territory": "CN", "compels": 0.9},' in text
    assert data["access"][0]["window"] == ["2021-09-01", "2022-02-01"]


@pytest.mark.parametrize(
    "node_id", ["yes", "no", "null", "~", "1e8", "0x10", "2021-09-01", "1:30", "#x", "a: b", "'q'"]
)
def test_ids_that_look_like_other_yaml_values(node_id: str) -> None:
    m = dr.Model().add_node(node_id, "role")
    assert loads(dumps(m)).node_ids == [node_id]


@pytest.mark.parametrize("text", ["1.5e8", "1.5E+8", "150000000", "1.5e+8", "15e7"])
def test_yaml_exponents_without_a_dot_are_numbers(text: str) -> None:
    m = loads(f"format: datareach/1\nclasses:\n  - {{id: c, records: {text}}}\n")
    assert m.classes["records"].tolist() == [1.5e8]


def test_load_from_open_files(tmp_path: Path, scenario_yaml: str, example: dr.Model) -> None:
    assert dr.load(io.StringIO(scenario_yaml)) == example  # unnamed: YAML
    assert dr.load(io.BytesIO(scenario_yaml.encode())) == example
    path = tmp_path / "m.json"
    path.write_text(dumps(example, "json"), encoding="utf-8")
    with path.open(encoding="utf-8") as handle:
        assert dr.load(handle) == example  # named .json: JSON
    assert dr.load(io.StringIO(dumps(example, "json")), format="json") == example


def test_save_to_open_files(example: dr.Model) -> None:
    buffer = io.StringIO()
    dr.save(example, buffer, format="json")
    assert loads(buffer.getvalue(), "json") == example
    with pytest.raises(dr.ModelError, match="cannot tell the file format"):
        dr.save(example, io.StringIO())


def test_file_format_from_the_name(tmp_path: Path, example: dr.Model) -> None:
    with pytest.raises(dr.ModelError, match=r"cannot tell the file format of '.*model\.txt'"):
        dr.save(example, tmp_path / "model.txt")
    dr.save(example, tmp_path / "model.txt", format="yaml")
    assert dr.load(tmp_path / "model.txt") == example  # unknown suffix on load: YAML
    with pytest.raises(dr.ModelError, match="unknown file format 'toml'"):
        dumps(example, "toml")  # type: ignore[arg-type]


def test_only_models_are_saved(tmp_path: Path) -> None:
    with pytest.raises(dr.ModelError, match="expected a Model to write, got dict"):
        dr.save({"format": "datareach/1"}, tmp_path / "x.yaml")  # type: ignore[arg-type]


def test_empty_sections_and_nulls_are_accepted() -> None:
    m = loads("format: datareach/1\nname:\nnodes:\nclasses: []\nsources:\n")
    assert m == dr.Model()
