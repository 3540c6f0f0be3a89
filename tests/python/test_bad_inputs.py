"""The catalogue of bad inputs: each ends in a ModelError naming the entry and field.

Cases that edit the example mapping of docs/design.md §3 go through ``Model.from_dict``
and through a JSON file, and must give the same message both ways; cases that are file
text go through ``loads``. Nothing may fall back silently to a default.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import datareach as dr
from datareach.io import loads

Edit = Callable[[dict[str, Any]], None]
DROP = object()  # as a field value in set_(): remove the field


def set_(section: str, row: int, **fields: Any) -> Edit:
    """Set (or, with DROP, remove) fields of one entry. ``from_`` stands for ``from``."""

    def edit(data: dict[str, Any]) -> None:
        entry = data[section][row]
        for name, value in fields.items():
            name = name.rstrip("_")
            if value is DROP:
                del entry[name]
            else:
                entry[name] = value

    return edit


def append(section: str, entry: Any) -> Edit:
    return lambda data: data[section].append(entry)


def replace(section: str, row: int, entry: Any) -> Edit:
    return lambda data: data[section].__setitem__(row, entry)


def top(**fields: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for name, value in fields.items():
            if value is DROP:
                del data[name]
            else:
                data[name] = value

    return edit


EDITS: list[tuple[str, Edit, str]] = [
    # unknown ids, with the closest id suggested
    (
        "unknown node",
        set_("access", 0, to="tiktok_virgina"),
        "access[0].to: unknown node 'tiktok_virgina' (did you mean 'tiktok_virginia'?)",
    ),
    (
        "unknown store in placement",
        set_("placements", 1, store="tiktok_virgina"),
        "placements[1].store: unknown node 'tiktok_virgina' (did you mean 'tiktok_virginia'?)",
    ),
    (
        "unknown class in filter",
        set_("access", 0, classes=["coments"]),
        "access[0].classes: unknown class 'coments' (did you mean 'comments'?)",
    ),
    (
        "unknown component",
        set_("classes", 2, components=["public_videos", "coment"]),
        "classes[2].components: unknown class 'coment' (did you mean 'comments'?)",
    ),
    (
        "requires an unknown event",
        set_("access", 0, requires=["insider-complys"]),
        "access[0].requires: unknown event 'insider-complys' (did you mean 'insider-complies'?)",
    ),
    (
        "unknown adversary",
        top(adversaries=["CM"]),
        "adversaries[0]: unknown node 'CM' (did you mean 'CN'?)",
    ),
    (
        "unknown source citation",
        set_("access", 0, source="buzzfeed-2021"),
        "access[0].source: unknown source 'buzzfeed-2021' (did you mean 'buzzfeed-2022'?)",
    ),
    # duplicates
    (
        "duplicate node id",
        append("nodes", {"id": "CN", "kind": "role"}),
        "nodes[4].id: duplicate id 'CN' (also nodes[0])",
    ),
    (
        "duplicate class id",
        set_("classes", 1, id="public_videos"),
        "classes[1].id: duplicate id 'public_videos' (also classes[0])",
    ),
    (
        "duplicate event id",
        append("events", {"id": "insider-complies", "p": 0.5}),
        "events[1].id: duplicate id 'insider-complies' (also events[0])",
    ),
    (
        "an id twice in a list",
        set_("access", 0, requires=["insider-complies"] * 2),
        "access[0].requires: names 'insider-complies' twice",
    ),
    ("an adversary twice", top(adversaries=["CN", "CN"]), "adversaries[1]: names 'CN' twice"),
    # numbers: ranges
    ("p above 1", set_("access", 0, p=1.5), "access[0].p: must lie in [0, 1], got 1.5"),
    ("p below 0", set_("access", 0, p=-0.1), "access[0].p: must lie in [0, 1], got -0.1"),
    ("p NaN", set_("access", 0, p=float("nan")), "access[0].p: must be a finite number, got nan"),
    ("event p above 1", set_("events", 0, p=2), "events[0].p: must lie in [0, 1], got 2"),
    ("compels above 1", set_("nodes", 0, compels=1.5), "nodes[0].compels: must lie in [0, 1]"),
    (
        "negative records",
        set_("classes", 0, records=-1),
        "classes[0].records: must be at least 0, got -1",
    ),
    (
        "infinite records",
        set_("classes", 0, records=float("inf")),
        "classes[0].records: must be a finite number, got inf",
    ),
    (
        "negative sensitivity",
        set_("classes", 1, sensitivity=-2),
        "classes[1].sensitivity: must be at least 0, got -2",
    ),
    ("share 0", set_("placements", 0, share=0), "placements[0].share: must lie in (0, 1], got 0"),
    ("share above 1", set_("flows", 0, share=1.2), "flows[0].share: must lie in (0, 1], got 1.2"),
    ("cost 0", set_("access", 0, cost=0), "access[0].cost: must be greater than 0, got 0"),
    # numbers: types
    ("p as a string", set_("access", 0, p="high"), "access[0].p: must be a number, got 'high'"),
    ("p as a bool", set_("access", 0, p=True), "access[0].p: must be a number, got true"),
    (
        "records as a list",
        set_("classes", 0, records=[1]),
        "classes[0].records: must be a number, got a list of 1 item",
    ),
    # composite classes
    (
        "composite cycle a-b-a",
        top(
            classes=[{"id": "a", "components": ["b"]}, {"id": "b", "components": ["a"]}],
            placements=[],
        ),
        "classes[1].components: cycle b → a → b",
    ),
    (
        "composite containing itself",
        top(classes=[{"id": "a", "components": ["a"]}], placements=[]),
        "classes[0].components: cycle a → a",
    ),
    (
        "empty components",
        set_("classes", 2, components=[]),
        "classes[2].components: must name at least one class",
    ),
    (
        "placing a composite",
        set_("placements", 0, class_="profile"),
        "placements[0].class: 'profile' is a composite class",
    ),
    # shapes and types
    (
        "nodes not a list",
        top(nodes={"CN": {"kind": "jurisdiction"}}),
        "nodes: must be a list of entries, got a mapping of 1 key",
    ),
    (
        "an entry not a mapping",
        replace("nodes", 1, ["beijing_master_admin", "role"]),
        "nodes[1]: must be a mapping of fields, got a list of 2 items",
    ),
    ("sources not a mapping", top(sources=["buzzfeed-2022"]), "sources: must be a mapping"),
    ("adversaries a string", top(adversaries="CN"), "adversaries: must be a list of node ids"),
    ("id a number", set_("nodes", 0, id=7), "nodes[0].id: must be a string, got 7"),
    (
        "id a bool (YAML yes)",
        set_("events", 0, id=True),
        "events[0].id: must be a string, got true",
    ),
    ("empty id", set_("nodes", 3, id=""), "nodes[3].id: must not be empty"),
    ("id with a newline", set_("nodes", 3, id="a\nb"), "nodes[3].id: must be printable"),
    ("malformed region", set_("nodes", 2, region="US//VA"), "nodes[2].region: must be a path"),
    (
        "class filter a string",
        set_("access", 0, classes="comments"),
        "access[0].classes: must be a list of class ids, got 'comments'",
    ),
    (
        "empty class filter",
        set_("access", 0, classes=[]),
        "access[0].classes: must name at least one class; leave the field out",
    ),
    ("attrs not a mapping", set_("nodes", 1, attrs=["x"]), "nodes[1].attrs: must be a mapping"),
    (
        "attrs holding NaN",
        set_("nodes", 1, attrs={"staff": float("nan")}),
        "nodes[1].attrs.staff: must be a finite number",
    ),
    # dates and windows
    (
        "month 13",
        set_("access", 0, window=["2021-13-01", None]),
        "access[0].window[0]: must be a date written YYYY-MM-DD, got '2021-13-01'",
    ),
    (
        "yesterday",
        set_("access", 0, window=[None, "yesterday"]),
        "access[0].window[1]: must be a date written YYYY-MM-DD, got 'yesterday'",
    ),
    (
        "date with a time",
        set_("placements", 0, window=["2021-09-01T10:00", None]),
        "placements[0].window[0]: must be a date",
    ),
    (
        "date as a number",
        set_("flows", 0, window=[20210901, None]),
        "flows[0].window[0]: must be a date written YYYY-MM-DD, got 20210901",
    ),
    (
        "window start after end",
        set_("access", 0, window=[datetime.date(2022, 2, 1), datetime.date(2021, 9, 1)]),
        "access[0].window: start 2022-02-01 must come before end 2021-09-01",
    ),
    (
        "window start equal to end",
        set_("access", 0, window=["2021-09-01", "2021-09-01"]),
        "access[0].window: start 2021-09-01 must come before end",
    ),
    (
        "window not a pair",
        set_("access", 0, window=["2021-09-01"]),
        "access[0].window: must be [start, end]",
    ),
    # unknown and missing fields, unknown kinds
    (
        "unknown top-level field",
        top(naem="x"),
        "naem: unknown top-level field (did you mean 'name'?)",
    ),
    (
        "typo in a flow field",
        set_("flows", 0, shre=0.5),
        "flows[0].shre: unknown field (did you mean 'share'?)",
    ),
    (
        "typo in an arc field",
        set_("access", 0, requries=["insider-complies"]),
        "access[0].requries: unknown field (did you mean 'requires'?)",
    ),
    ("free field on a node", set_("nodes", 1, staff=5), "nodes[1].staff: unknown field"),
    ("node without kind", set_("nodes", 0, kind=DROP), "nodes[0].kind: is required"),
    ("arc without to", set_("access", 0, to=DROP), "access[0].to: is required"),
    ("arc without p", set_("access", 0, p=DROP), "access[0].p: is required"),
    ("arc with p null", set_("access", 0, p=None), "access[0].p: is required"),
    ("event without p", set_("events", 0, p=DROP), "events[0].p: is required"),
    (
        "unknown node kind",
        set_("nodes", 2, kind="stor"),
        "nodes[2].kind: unknown kind 'stor' (did you mean 'store'?)",
    ),
    # jurisdiction rules and store-only ends
    (
        "territory on a role",
        set_("nodes", 1, territory="CN"),
        "nodes[1].territory: only a jurisdiction has territory; this node is a role",
    ),
    (
        "compels on a store",
        set_("nodes", 2, compels=0.5),
        "nodes[2].compels: only a jurisdiction has compels; this node is a store",
    ),
    (
        "compels without territory",
        set_("nodes", 0, territory=DROP),
        "nodes[0].territory: a jurisdiction with compels needs territory too",
    ),
    (
        "placement into a non-store",
        set_("placements", 0, store="CN"),
        "placements[0].store: 'CN' is a jurisdiction, not a store",
    ),
    (
        "flow from a non-store",
        set_("flows", 0, from_="beijing_master_admin"),
        "flows[0].from: 'beijing_master_admin' is a role, not a store",
    ),
    # format
    (
        "wrong format",
        top(format="datareach/2"),
        "format: unsupported format 'datareach/2'; expected 'datareach/1'",
    ),
    ("missing format", top(format=DROP), "format: missing"),
]


@pytest.mark.parametrize(("edit", "expected"), [pytest.param(e, x, id=n) for n, e, x in EDITS])
def test_bad_model_is_a_model_error_naming_the_field(scenario: dict[str, Any], edit: Edit, expected: str) -> None:
    edit(scenario)
    with pytest.raises(dr.ModelError) as from_dict:
        dr.Model.from_dict(scenario)
    assert expected in str(from_dict.value)
    # The same mapping written as a JSON file fails the same way, and a file also says the
    # line of the entry (all on line 1 here).
    text = json.dumps(scenario, default=str)
    with pytest.raises(dr.ModelError) as from_file:
        loads(text, "json")
    assert (from_file.value.where, from_file.value.reason) == (from_dict.value.where, from_dict.value.reason)
    message = str(from_file.value)
    if re.match(r"[a-z]+\[\d+\]", from_dict.value.where or "") and not from_dict.value.where.startswith("adversaries"):
        assert " (line 1)" in message
    assert message.replace(" (line 1)", "", 1) == str(from_dict.value)


TEXTS: list[tuple[str, str, str, str]] = [
    ("empty file", "yaml", "", "the file is empty"),
    ("only a comment", "yaml", "# nothing here\n", "the file is empty"),
    ("a list", "yaml", "- format: datareach/1\n", "a model must be a mapping"),
    ("a scalar", "yaml", "datareach/1\n", "a model must be a mapping"),
    (
        "python tag",
        "yaml",
        "format: !!python/object/apply:os.system ['true']\n",
        "invalid YAML at line 1",
    ),
    ("python name tag", "yaml", "format: !!python/name:os.system\n", "invalid YAML"),
    ("YAML syntax error", "yaml", "format: datareach/1\nnodes: [{id: a\n", "invalid YAML at line"),
    (
        "key written twice",
        "yaml",
        "format: datareach/1\nevents:\n  - {id: e, p: 0.5, p: 0.9}\n",
        "key 'p' is written twice",
    ),
    ("JSON syntax error", "json", '{"format": "datareach/1",}', "invalid JSON at line 1"),
    (
        "JSON key twice",
        "json",
        '{"format": "datareach/1", "format": "datareach/1"}',
        "key 'format' is written twice",
    ),
    ("JSON list", "json", "[]", "a model must be a mapping"),
    (
        "variant file whose base is missing",
        "yaml",
        "format: datareach/1\nbase: no-such-base.yaml\nchanges: []\n",
        "base: in base file 'no-such-base.yaml': cannot read",
    ),
    ("deeply nested", "json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (
        "YAML yes as an id",
        "yaml",
        "format: datareach/1\nnodes:\n  - {id: yes, kind: role}\n",
        "nodes[0] (line 3).id: must be a string, got true",
    ),
]


@pytest.mark.parametrize(("format", "text", "expected"), [pytest.param(f, t, x, id=n) for n, f, t, x in TEXTS])
def test_bad_file_is_a_model_error(format: str, text: str, expected: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        loads(text, format)  # type: ignore[arg-type]
    assert expected in str(error.value)


def test_python_tags_never_execute(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = f"format: datareach/1\nname: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(dr.ModelError):
        loads(text)
    assert not marker.exists()


def test_file_not_utf8_is_a_model_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("format: datareach/1\nname: Zürich\n".encode("latin-1"))
    with pytest.raises(dr.ModelError, match="not UTF-8"):
        dr.load(path)


def test_missing_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(dr.ModelError, match="cannot read"):
        dr.load(tmp_path / "absent.yaml")


def test_catalogue_is_large_enough() -> None:
    assert len(EDITS) + len(TEXTS) >= 30
