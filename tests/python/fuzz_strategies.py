"""Hypothesis strategies for fuzzing every way into a model (docs/design.md §7, "Bad input"):
scenario mappings, file texts, change lists and variant files.

Each strategy makes valid inputs and near-valid ones, one to a few steps away from valid,
where bugs hide: wrong types, missing and unknown keys, out-of-range, huge, NaN and
infinite numbers, impossible dates and windows, dangling ids, cycles, odd Unicode; for
files also byte flips, truncation, tags, anchors and aliases, keys written twice, byte
order marks and NUL characters; for variant files chains of bases and bad bases.

The same strategies serve the bounded properties of ``test_fuzz.py`` and the long campaign
of ``tests/fuzz/campaign.py``. Models stay small (a few nodes and arcs), so that every
analysis, the exact engine included, runs in milliseconds on each of them.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml
from hypothesis import strategies as st

__all__ = [
    "AT_DATES",
    "SECRET",
    "VariantSetup",
    "change_lists",
    "changes_for",
    "file_documents",
    "near_valid_scenarios",
    "scenarios",
    "serialise",
    "valid_scenarios",
    "variant_setups",
    "weird_values",
]

FORMAT = "datareach/1"
DATES = ["2020-01-01", "2021-01-01", "2021-06-01", "2022-01-01", "2023-01-01"]
# Dates to analyse at: none, and before, between and after the window boundaries above.
AT_DATES = [None, "2019-06-01", "2021-03-01", "2021-09-01", "2022-06-01", "2024-01-01"]
NODE_KINDS = ["jurisdiction", "organization", "role", "store", "gateway"]
REGIONS = ["US", "US/VA", "US/TX", "CN", "CN/Beijing", "SG", "CN/北京", "EU/Zürich"]
# What a host file named as a base may hold; no message may ever show it.
SECRET = "s3cr3t-host-content-7f1c"

# -- values -------------------------------------------------------------------------------

# Text that is wrong where an id, a label, a region or a date goes, or right in odd ways.
ODD_TEXT = [
    "",
    " ",
    " a",
    "a ",
    "a\0b",
    "a\nb",
    "\t",
    "\x7f",
    "\u200b",
    "\ufeff",
    "\ud800",
    "e\u0301",
    "é",
    "北京",
    "🙂",
    "\u202e",
    "US//VA",
    "/US",
    "US/",
    "US/ VA",
    "inf",
    "nan",
    "-inf",
    "null",
    "~",
    "true",
    "1.5e8",
    "0x10",
    "2022-02-30",
    "2022-13-01",
    "0000-01-01",
    "9999-12-31",
    "2022-1-1",
    "2022-06-01T12:00:00",
    "<script>",
    "'",
    '"',
    "{",
    "datareach/2",
]
# Numbers at and beyond the edges of every range of the model.
EDGE_NUMBERS: list[Any] = [
    0,
    1,
    -1,
    0.0,
    -0.0,
    1.0,
    0.5,
    1.0000000000000002,
    -1e-300,
    5e-324,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63),
    10**400,
    -(10**400),
    10**5000,
    1.5e8,
    2.5,
]
DATE_VALUES: list[Any] = [
    datetime.date(2021, 6, 1),
    datetime.date(1, 1, 1),
    datetime.date(9999, 12, 31),
    datetime.datetime(2021, 6, 1),
    datetime.datetime(2021, 6, 1, 12, 30),
    np.datetime64("2021-06-01"),
    np.datetime64("NaT"),
    np.datetime64("2021-06-01T10:00"),
]
PYTHON_ODDITIES: list[Any] = [
    b"bytes",
    bytearray(b"x"),
    {1, 2},
    frozenset(),
    complex(1, 0),
    decimal.Decimal("0.5"),
    decimal.Decimal("NaN"),
    object(),
    np.float64(0.5),
    np.float32(math.nan),
    np.int64(-3),
    np.uint64(2**64 - 1),
    np.bool_(True),
    np.str_("a"),
    np.array([0.5]),
    np.longdouble(0.25),
    range(3),
    (1, 2),
    print,
]


def long_texts() -> st.SearchStrategy[str]:
    """Text far longer than any message may quote."""
    return st.sampled_from([200, 5_000, 100_000]).flatmap(
        lambda n: st.sampled_from(["x", "é", "a/", "🙂"]).map(lambda unit: unit * (n // len(unit)))
    )


def odd_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=12), long_texts())


def weird_values(depth: int = 2) -> st.SearchStrategy[Any]:
    """A value of any plain or odd kind: what a field should never hold, mostly."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.sampled_from(EDGE_NUMBERS),
        odd_text(),
        st.sampled_from(DATE_VALUES),
        st.dates(),
        st.sampled_from(PYTHON_ODDITIES),
    )
    if depth <= 0:
        return leaves
    return st.one_of(
        leaves,
        st.lists(st.deferred(lambda: weird_values(depth - 1)), max_size=3),
        st.dictionaries(st.one_of(odd_text(), st.integers()), st.deferred(lambda: weird_values(depth - 1)), max_size=3),
    )


def file_values() -> st.SearchStrategy[Any]:
    """What a YAML or JSON file can hold where a field goes."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.sampled_from(EDGE_NUMBERS),
        odd_text(),
        st.dates(),
    )
    return st.one_of(leaves, st.lists(leaves, max_size=3), st.dictionaries(st.text(max_size=5), leaves, max_size=3))


# -- valid scenarios ------------------------------------------------------------------------


def _ids(prefix: str) -> Callable[[int], str]:
    # Mostly plain ids; now and then one in another script (valid: printable NFC text).
    odd = {1: f"{prefix}-é", 3: f"{prefix} 北京", 5: f"{prefix}.🙂"}
    return lambda i: odd.get(i, f"{prefix}{i}")


@st.composite
def _window(draw: st.DrawFn) -> list[Any] | None:
    if draw(st.integers(0, 3)):
        return None
    start, end = sorted(draw(st.lists(st.sampled_from(DATES), min_size=2, max_size=2, unique=True)))
    return [draw(st.sampled_from([start, None])), draw(st.sampled_from([end, None]))]


def _probability() -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from([0.0, 1.0, 0.5, 0, 1]), st.floats(0.0, 1.0), st.floats(0.05, 0.95))


def _share() -> st.SearchStrategy[float]:
    return st.one_of(st.just(1.0), st.floats(0.1, 1.0), st.sampled_from([5e-324, 1e-9, 1]))


@st.composite
def valid_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario mapping with every feature of the format: events, jurisdiction
    rules, exempt nodes, composite classes (nested), placements and flows with shares and
    windows, arcs with filters, events, costs (infinite too), kinds, sources, notes, attrs
    and adversaries; ids now and then in other scripts."""
    node_id = _ids("n")
    count = draw(st.integers(2, 7))
    kinds = [draw(st.sampled_from(NODE_KINDS)) for _ in range(count)]
    if "store" not in kinds:
        kinds[-1] = "store"
    sources = {}
    if draw(st.booleans()):
        sources = {
            f"src{i}": draw(
                st.fixed_dictionaries(
                    {}, optional={"title": st.text(max_size=10), "date": st.sampled_from([*DATES, "2022-06-31"])}
                )
            )
            for i in range(draw(st.integers(1, 2)))
        }
    source_ids = list(sources)

    def extras(entry: dict[str, Any]) -> dict[str, Any]:
        if source_ids and draw(st.integers(0, 3)) == 0:
            entry["source"] = draw(st.sampled_from(source_ids))
        if draw(st.integers(0, 5)) == 0:
            entry["note"] = draw(st.sampled_from(["ASSUMPTION: guessed", "", "a\nb", "é北京🙂"]))
        return entry

    events = [extras({"id": f"e{i}", "p": draw(_probability())}) for i in range(draw(st.integers(0, 3)))]
    nodes = []
    for v, kind in enumerate(kinds):
        node: dict[str, Any] = {"id": node_id(v), "kind": kind}
        if draw(st.integers(0, 2)):
            node["region"] = draw(st.sampled_from(REGIONS))
        if kind == "jurisdiction" and draw(st.booleans()):
            node["territory"] = draw(st.sampled_from(["US", "CN", "US/VA", "SG"]))
            node["compels"] = draw(_probability())
        if draw(st.integers(0, 6)) == 0:
            node["rule_exempt"] = True
        if draw(st.integers(0, 6)) == 0:
            node["attrs"] = {"owner": "x", "n": draw(st.integers(-5, 5)), "tags": ["a", None, 1.5]}
        nodes.append(extras(node))
    ids = [n["id"] for n in nodes]
    stores = [n["id"] for n in nodes if n["kind"] == "store"]

    atoms = [f"c{i}" for i in range(draw(st.integers(1, 3)))]
    classes: list[dict[str, Any]] = []
    for c in atoms:
        entry: dict[str, Any] = {"id": c}
        if draw(st.booleans()):
            entry["sensitivity"] = draw(st.one_of(st.integers(0, 10), st.floats(0, 1e6)))
        if draw(st.booleans()):
            entry["records"] = draw(st.one_of(st.integers(0, 2**63 - 1), st.sampled_from([1.5e8, 0, 1])))
        if draw(st.integers(0, 3)) == 0:
            entry["category"] = "personal"
        classes.append(extras(entry))
    if len(atoms) >= 2 and draw(st.booleans()):
        classes.append({"id": "mosaic", "components": draw(st.permutations(atoms))[:2], "sensitivity": 3})
        if len(atoms) == 3 and draw(st.booleans()):
            classes.append({"id": "full", "components": ["mosaic", atoms[2]]})
    class_ids = [c["id"] for c in classes]

    placements = []
    for _ in range(draw(st.integers(1, 4))):
        entry = {"class": draw(st.sampled_from(atoms)), "store": draw(st.sampled_from(stores))}
        if draw(st.booleans()):
            entry["share"] = draw(_share())
        if (window := draw(_window())) is not None:
            entry["window"] = window
        placements.append(extras(entry))

    flows = []
    for _ in range(draw(st.integers(0, 3))):
        entry = {"from": draw(st.sampled_from(stores)), "to": draw(st.sampled_from(stores))}
        if draw(st.booleans()):
            entry["share"] = draw(_share())
        if draw(st.booleans()):
            entry["classes"] = draw(st.lists(st.sampled_from(class_ids), min_size=1, max_size=2, unique=True))
        if draw(st.integers(0, 3)) == 0:
            entry["kind"] = "backup"
        if (window := draw(_window())) is not None:
            entry["window"] = window
        flows.append(extras(entry))

    access = []
    for _ in range(draw(st.integers(1, 10))):
        entry = {"from": draw(st.sampled_from(ids)), "to": draw(st.sampled_from(ids)), "p": draw(_probability())}
        if events and draw(st.integers(0, 2)) == 0:
            entry["requires"] = draw(st.lists(st.sampled_from([e["id"] for e in events]), max_size=2, unique=True))
        if draw(st.integers(0, 2)) == 0:
            entry["classes"] = draw(st.lists(st.sampled_from(class_ids), min_size=1, max_size=2, unique=True))
        if draw(st.integers(0, 4)) == 0:
            entry["cost"] = draw(st.sampled_from([0.5, 3, math.inf, 1e-300, 1e300]))
        if draw(st.integers(0, 3)) == 0:
            entry["kind"] = draw(st.sampled_from(["admin", "compels", "é"]))
        if (window := draw(_window())) is not None:
            entry["window"] = window
        access.append(extras(entry))

    scenario: dict[str, Any] = {"format": FORMAT}
    if draw(st.booleans()):
        scenario["name"] = draw(st.sampled_from(["random", "", "é 北京 🙂", "a\nb"]))
    if sources:
        scenario["sources"] = sources
    if draw(st.integers(0, 3)):
        scenario["adversaries"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
    for section, entries in (
        ("events", events),
        ("nodes", nodes),
        ("classes", classes),
        ("placements", placements),
        ("flows", flows),
        ("access", access),
    ):
        if entries or draw(st.integers(0, 3)) == 0:
            scenario[section] = entries
    return scenario


# -- near-valid scenarios ---------------------------------------------------------------

SECTIONS = ["events", "nodes", "classes", "placements", "flows", "access"]
FIELDS = {
    "events": ["id", "p", "source", "note"],
    "nodes": ["id", "kind", "region", "territory", "compels", "rule_exempt", "attrs", "source", "note"],
    "classes": ["id", "sensitivity", "records", "category", "components", "source", "note"],
    "placements": ["class", "store", "share", "window", "source", "note"],
    "flows": ["from", "to", "classes", "share", "kind", "window", "source", "note"],
    "access": ["from", "to", "p", "classes", "requires", "cost", "kind", "window", "source", "note"],
}
REFERENCES = {
    ("placements", "class"): "classes",
    ("placements", "store"): "nodes",
    ("flows", "from"): "nodes",
    ("flows", "to"): "nodes",
    ("access", "from"): "nodes",
    ("access", "to"): "nodes",
    ("flows", "classes"): "classes",
    ("access", "classes"): "classes",
    ("access", "requires"): "events",
    ("classes", "components"): "classes",
}
TOP_LEVEL = ["format", "name", "sources", "adversaries", *SECTIONS]


def _entries(scenario: dict[str, Any], section: str) -> list[Any]:
    """The entries of a section, or none when a mutation made it something else."""
    entries = scenario.get(section)
    return entries if isinstance(entries, list) else []


def _entry(scenario: dict[str, Any], draw: st.DrawFn) -> tuple[str, dict[str, Any]] | None:
    present = [s for s in SECTIONS if isinstance(scenario.get(s), list) and scenario[s]]
    if not present:
        return None
    section = draw(st.sampled_from(present))
    entry = draw(st.sampled_from(scenario[section]))
    return (section, entry) if isinstance(entry, dict) else None


def _set_field(draw: st.DrawFn, scenario: dict[str, Any], values: st.SearchStrategy[Any]) -> None:
    if (found := _entry(scenario, draw)) is not None:
        section, entry = found
        entry[draw(st.sampled_from(FIELDS[section]))] = draw(values)


def _drop_field(draw: st.DrawFn, scenario: dict[str, Any]) -> None:
    if (found := _entry(scenario, draw)) is not None and found[1]:
        del found[1][draw(st.sampled_from(sorted(found[1])))]


def _unknown_field(draw: st.DrawFn, scenario: dict[str, Any], values: st.SearchStrategy[Any]) -> None:
    key = draw(st.one_of(st.sampled_from(["ID", "prob", "windows", "klass", "", "é", "format"]), odd_text()))
    if (found := _entry(scenario, draw)) is not None and draw(st.booleans()):
        found[1][key] = draw(values)
    else:
        scenario[key] = draw(values)


def _dangling(draw: st.DrawFn, scenario: dict[str, Any]) -> None:
    candidates = [
        (section, entry, name)
        for (section, name) in REFERENCES
        for entry in _entries(scenario, section)
        if isinstance(entry, dict)
    ]
    if not candidates:
        return
    section, entry, name = draw(st.sampled_from(candidates))
    missing = draw(st.sampled_from(["nobody", "n1 ", "N0", "c9", "mosaic", "e9", "src9", "n0", "s"]))
    entry[name] = [missing] if name in ("classes", "requires", "components") else missing


def _duplicate(draw: st.DrawFn, scenario: dict[str, Any]) -> None:
    if (found := _entry(scenario, draw)) is not None:
        section, entry = found
        scenario[section].insert(draw(st.integers(0, len(scenario[section]))), dict(entry))


def _cycle(draw: st.DrawFn, scenario: dict[str, Any]) -> None:
    """A cycle of composite classes (an error), or of flows or arcs (fine)."""
    classes = [c for c in _entries(scenario, "classes") if isinstance(c, dict)]
    choice = draw(st.integers(0, 2))
    if choice == 0 and classes:
        first = classes[0]
        classes.append({"id": "loop", "components": [first.get("id"), "loop"]})
        first["components"] = ["loop"]
    elif choice == 1 and classes:
        classes[-1]["components"] = [classes[-1].get("id")]
    else:
        stores = [n["id"] for n in _entries(scenario, "nodes") if isinstance(n, dict) and n.get("kind") == "store"]
        if stores:
            ring = [*stores, stores[0]]
            scenario["flows"] = [
                *_entries(scenario, "flows"),
                *({"from": a, "to": b, "share": 0.9} for a, b in itertools.pairwise(ring)),
            ]


def _bad_window(draw: st.DrawFn, scenario: dict[str, Any], values: st.SearchStrategy[Any]) -> None:
    dated = [
        entry
        for section in ("placements", "flows", "access")
        for entry in _entries(scenario, section)
        if isinstance(entry, dict)
    ]
    if not dated:
        return
    windows = st.one_of(
        st.sampled_from(
            [
                ["2022-01-01", "2021-01-01"],
                ["2021-01-01", "2021-01-01"],
                ["2021-01-01"],
                ["2021-01-01", None, None],
                [],
                "2021-01-01",
                {"start": "2021-01-01"},
                [None, None],
                ["2022-02-29", None],
                ["0001-01-01", "9999-12-31"],
                [datetime.date(2021, 1, 1), "2022-01-01"],
            ]
        ),
        st.lists(values, min_size=2, max_size=2),
        st.tuples(st.dates(), st.dates()).map(list),
    )
    draw(st.sampled_from(dated))["window"] = draw(windows)


def _top_level(draw: st.DrawFn, scenario: dict[str, Any], values: st.SearchStrategy[Any]) -> None:
    key = draw(st.sampled_from(TOP_LEVEL))
    if draw(st.integers(0, 3)) == 0:
        scenario.pop(key, None)
    else:
        scenario[key] = draw(values)


def _bad_number(draw: st.DrawFn, scenario: dict[str, Any]) -> None:
    numeric = {
        "events": ["p"],
        "nodes": ["compels"],
        "classes": ["sensitivity", "records"],
        "placements": ["share"],
        "flows": ["share"],
        "access": ["p", "cost"],
    }
    if (found := _entry(scenario, draw)) is not None:
        section, entry = found
        entry[draw(st.sampled_from(numeric[section]))] = draw(
            st.one_of(st.sampled_from(EDGE_NUMBERS), st.floats(), st.integers(), st.just("inf"))
        )


def _bad_source(draw: st.DrawFn, scenario: dict[str, Any], values: st.SearchStrategy[Any]) -> None:
    sources = scenario.get("sources")
    key = draw(st.one_of(st.sampled_from(["src0", "", " x", "a\0"]), odd_text(), st.integers()))
    if isinstance(sources, dict) and draw(st.booleans()):
        sources[key] = draw(values)
    else:
        scenario["sources"] = {key: draw(values)}


def _mutated(scenario: dict[str, Any], draw: st.DrawFn, values: st.SearchStrategy[Any]) -> dict[str, Any]:
    steps: list[Callable[[], None]] = [
        lambda: _set_field(draw, scenario, values),
        lambda: _drop_field(draw, scenario),
        lambda: _unknown_field(draw, scenario, values),
        lambda: _dangling(draw, scenario),
        lambda: _duplicate(draw, scenario),
        lambda: _cycle(draw, scenario),
        lambda: _bad_window(draw, scenario, values),
        lambda: _top_level(draw, scenario, values),
        lambda: _bad_number(draw, scenario),
        lambda: _bad_source(draw, scenario, values),
    ]
    for _ in range(draw(st.integers(1, 3))):
        draw(st.sampled_from(steps))()
    return scenario


@st.composite
def near_valid_scenarios(draw: st.DrawFn, python_values: bool = True) -> dict[str, Any]:
    """A valid scenario changed in one to three places. With ``python_values`` the new
    values may be any Python object (for ``Model.from_dict``); without, only what a file
    can hold."""
    values = weird_values() if python_values else file_values()
    return _mutated(draw(valid_scenarios()), draw, values)


def scenarios(python_values: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid and near-valid scenario mappings, about one in four valid."""
    return st.one_of(valid_scenarios(), near_valid_scenarios(python_values), near_valid_scenarios(python_values))


# -- file texts -----------------------------------------------------------------------------


# Integers too long for Python to write as text are written as this placeholder, then
# replaced by a number of as many digits: a file may hold one.
_HUGE = "__huge_integer__"
_HUGE_DIGITS = "9" * 4400


def _writable(data: Any) -> Any:
    if isinstance(data, int) and not isinstance(data, bool) and data.bit_length() > 14_000:
        return _HUGE
    if isinstance(data, dict):
        return {_writable(key): _writable(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_writable(item) for item in data]
    return data


def serialise(data: Any, format: str) -> str:
    """Scenario data as YAML or JSON text, whatever it holds: values a format cannot write
    are written as text (JSON) or fall back to JSON, which is YAML too; an integer of
    thousands of digits is written out in full."""
    data = _writable(data)
    if format == "json":
        text = json.dumps(data, default=str, ensure_ascii=False, indent=1)
        return text.replace(f'"{_HUGE}"', _HUGE_DIGITS)
    try:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, TypeError, ValueError):
        return serialise(data, "json")
    return text.replace(_HUGE, _HUGE_DIGITS)


# Snippets a mutation may insert: tags (Python ones must never construct anything),
# anchors and aliases, merge keys, document markers, directives, structure characters,
# numbers and dates at the edges, control characters.
SNIPPETS = [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!timestamp ",
    "!!null ",
    "!custom ",
    "!<tag:example.com,2000:x> ",
    "&anchor ",
    "*anchor",
    "*undefined",
    "<<: *anchor\n",
    "<<: [1]\n",
    "? [a, b]\n: 1\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:example.com,2000:\n",
    "\ufeff",
    "\0",
    "\x07",
    "\t",
    "\r\n",
    "\u2028",
    "\ud7ff",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "- ",
    "'",
    '"',
    "#",
    "\\",
    "\\u0000",
    "\\ud800",
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "-.inf",
    "NaN",
    "Infinity",
    "0x1F",
    "0o17",
    "1_000",
    "2022-02-30",
    "2022-06-01 10:00:00",
    "~",
    "null",
    "yes",
    "9" * 5000,
    "é北京🙂",
    "x" * 2000,
]


def _aliases(levels: int, width: int) -> str:
    """A document whose aliases expand to width ** levels values (a "billion laughs")."""
    lines = ["format: datareach/1", "a0: &a0 [x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    lines.append(f"nodes: *a{levels}")
    return "\n".join(lines) + "\n"


def _nested(depth: int, format: str) -> str:
    if format == "json":
        return '{"format": "datareach/1", "nodes": ' + "[" * depth + "]" * depth + "}"
    return "format: datareach/1\nnodes: " + "[" * depth + "]" * depth + "\n"


@st.composite
def _mutated_text(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 7))
        position = draw(st.integers(0, len(text)))
        if kind == 0:  # flip a character
            text = text[:position] + draw(st.characters()) + text[position + 1 :]
        elif kind == 1:  # insert a snippet
            text = text[:position] + draw(st.sampled_from(SNIPPETS)) + text[position:]
        elif kind == 2:  # delete a span
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
        elif kind == 3:  # truncate
            text = text[:position]
        elif kind == 4:  # write a line twice (a key twice in one mapping, often)
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(i, lines[i])
                text = "".join(lines)
        elif kind == 5:  # a byte order mark, or line ends changed
            text = draw(st.sampled_from(["\ufeff" + text, text.replace("\n", "\r\n"), text.replace("\n", "\r")]))
        elif kind == 6:  # an anchor on one value and an alias for another
            lines = text.splitlines(keepends=True)
            if len(lines) > 2:
                i, j = sorted(draw(st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=2, unique=True)))
                lines[i] = lines[i].replace(": ", ": &x ", 1)
                lines[j] = lines[j].split(": ", 1)[0] + ": *x\n" if ": " in lines[j] else lines[j]
                text = "".join(lines)
        else:  # text typed in another script
            text = text[:position] + draw(st.text(max_size=5)) + text[position:]
    return text


@st.composite
def file_documents(draw: st.DrawFn) -> tuple[bytes, str]:
    """The bytes of a scenario file and its suffix (``.yaml`` or ``.json``): a valid or
    near-valid scenario written out, then mutated as text and now and then as bytes
    (bytes that are not UTF-8)."""
    format = draw(st.sampled_from(["yaml", "json"]))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        text = _aliases(draw(st.integers(1, 6)), draw(st.integers(2, 10)))
        format = "yaml"
    elif kind == 1:
        text = _nested(draw(st.sampled_from([50, 99, 100, 101, 2000, 20000])), format)
    else:
        text = serialise(draw(scenarios(python_values=False)), format)
    text = draw(_mutated_text(text))
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.integers(0, 5)) == 0:  # bytes changed: often no longer UTF-8
        position = draw(st.integers(0, max(0, len(data) - 1)))
        flip = draw(st.integers(1, 255))
        data = data[:position] + bytes([(data[position] if data else 0) ^ flip]) + data[position + 1 :]
    suffix = draw(st.sampled_from([f".{format}", ".yaml" if format == "json" else ".json", ".yml"]))
    return data, suffix


# -- changes --------------------------------------------------------------------------------

OPS = ["migrate", "copy", "delete", "revoke", "set_p", "add_gateway", "relocate", "add_flow", "remove_flow", "disable"]
# The fields of each op, and what kind of value each takes (docs/design.md §5).
OP_FIELDS: dict[str, dict[str, str]] = {
    "migrate": {"class": "atom", "from": "store", "to": "store"},
    "copy": {"class": "atom", "to": "store", "share": "share"},
    "delete": {"class": "atom", "store": "store"},
    "revoke": {"from": "node", "to": "node"},
    "set_p": {"from": "node", "to": "node", "p": "p"},
    "add_gateway": {
        "id": "new",
        "sources": "nodes",
        "targets": "nodes",
        "p": "p",
        "classes": "classes",
        "region": "region",
    },
    "relocate": {"node": "node", "region": "region"},
    "add_flow": {"from": "store", "to": "store", "classes": "classes", "share": "share"},
    "remove_flow": {"from": "store", "to": "store"},
    "disable": {"node": "node"},
}
OPTIONAL = {"share", "classes", "region"}


def _names(scenario: dict[str, Any], section: str, kind: str | None = None) -> list[str]:
    entries = _entries(scenario, section)
    return [
        e["id"]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("id"), str) and (kind is None or e.get("kind") == kind)
    ]


@st.composite
def _change(draw: st.DrawFn, scenario: dict[str, Any], broken: bool) -> Any:
    nodes = _names(scenario, "nodes") or ["n0"]
    stores = _names(scenario, "nodes", "store") or nodes
    classes = _names(scenario, "classes") or ["c0"]
    atoms = [
        c["id"]
        for c in _entries(scenario, "classes")
        if isinstance(c, dict) and not c.get("components") and isinstance(c.get("id"), str)
    ] or classes
    arcs = [(a.get("from"), a.get("to")) for a in _entries(scenario, "access") if isinstance(a, dict)]
    op = draw(st.sampled_from(OPS))
    values: dict[str, st.SearchStrategy[Any]] = {
        "atom": st.sampled_from(atoms),
        "store": st.sampled_from(stores),
        "node": st.sampled_from(nodes),
        "nodes": st.lists(st.sampled_from(nodes), min_size=1, max_size=3, unique=True),
        "classes": st.lists(st.sampled_from(classes), min_size=1, max_size=2, unique=True),
        "new": st.sampled_from(["gw", "gw2", nodes[0]]),
        "p": _probability(),
        "share": _share(),
        "region": st.sampled_from(REGIONS),
    }
    change: dict[str, Any] = {"op": op}
    for name, kind in OP_FIELDS[op].items():
        if name in OPTIONAL and draw(st.booleans()):
            continue
        change[name] = draw(values[kind])
    if op in ("revoke", "set_p") and arcs and draw(st.booleans()):  # an arc that exists
        change["from"], change["to"] = draw(st.sampled_from(arcs))
    if draw(st.integers(0, 3)) == 0:
        change["effective"] = draw(st.sampled_from([*DATES, "2021-03-15", datetime.date(2021, 9, 1)]))
    if draw(st.integers(0, 5)) == 0:
        change["note"] = draw(st.sampled_from(["because", "", "é北京🙂"]))
    if broken:
        action = draw(st.integers(0, 5))
        if action == 0 and len(change) > 1:
            del change[draw(st.sampled_from(sorted(k for k in change if k != "op")))]
        elif action == 1:
            change[draw(st.sampled_from([*OP_FIELDS[op], "effective", "note"]))] = draw(weird_values(1))
        elif action == 2:
            change[draw(st.sampled_from(["op", "extra", "form", "", "effective"]))] = draw(weird_values(1))
        elif action == 3:
            return draw(weird_values(1))  # not a mapping at all
        elif action == 4:
            field = draw(st.sampled_from(sorted(OP_FIELDS[op])))
            change[field] = draw(st.sampled_from(["nobody", "", "gw", " n0", "c9", ["n0", "n0"], []]))
        else:
            change["effective"] = draw(
                st.sampled_from(["2022-02-30", "yesterday", 20220101, None, "0001-01-01", "9999-12-31", math.nan])
            )
    return change


def changes_for(scenario: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    """A change list for the model of ``scenario``: valid changes naming its ids, and
    broken ones (fields missing, unknown, of the wrong type, dangling ids, bad dates)."""
    return st.lists(st.booleans().flatmap(lambda broken: _change(scenario, broken)), max_size=4)


@st.composite
def change_lists(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    """A valid scenario and changes for it; now and then a "list" that is no list."""
    scenario = draw(valid_scenarios())
    if draw(st.integers(0, 15)) == 0:
        return scenario, draw(weird_values(1))
    return scenario, draw(changes_for(scenario))


# -- variant files --------------------------------------------------------------------------

# How a variant file's base may be wrong (or right in an unusual way).
BASE_FAULTS = [
    "none",
    "none",
    "none",
    "missing",
    "outside",
    "absolute-outside",
    "symlink-outside",
    "cycle",
    "self",
    "host-text",
    "host-yaml",
    "host-json",
    "host-binary",
    "folder",
    "nul",
    "not-text",
    "empty-text",
    "subfolder",
    "long",
    "device",
]


@dataclass
class VariantSetup:
    """Files to write into a fresh folder: ``base.yaml`` (a scenario), a chain of variant
    files ``v1`` (the one loaded) → ``v2`` → ... → base, and one fault in how a base is
    named or what the variant files hold."""

    base: dict[str, Any]
    chain: list[list[Any]]  # changes of v1, v2, ...
    suffixes: list[str]
    fault: str
    broken_variant: dict[str, Any] | None = field(default=None)
    names: list[Any] = field(default_factory=list)


@st.composite
def variant_setups(draw: st.DrawFn) -> VariantSetup:
    base = draw(valid_scenarios())
    length = draw(st.integers(1, 3))
    chain = [draw(changes_for(base)) for _ in range(length)]
    suffixes = [draw(st.sampled_from([".yaml", ".json", ".yml"])) for _ in range(length)]
    fault = draw(st.sampled_from(BASE_FAULTS))
    broken = None
    if draw(st.integers(0, 4)) == 0:  # a variant file's own fields wrong
        broken = draw(
            st.sampled_from(
                [
                    {"format": "datareach/2"},
                    {"format": None},
                    {"format": ["datareach/1"]},
                    {"format": "x" * 5000},
                    {"changes": None},
                    {"changes": "revoke"},
                    {"changes": {"op": "revoke"}},
                    {"extra": 1},
                    {"x" * 3000: 1},
                    {"name": 5},
                    {"name": "\ud800"},
                    {"nodes": []},
                ]
            )
        )
    names = [draw(st.one_of(st.none(), st.sampled_from(["variant", "é北京", ""]))) for _ in range(length)]
    return VariantSetup(base, chain, suffixes, fault, broken, names)
