"""Random valid models (Hypothesis): every way in and out gives back the same model.

from_dict(to_dict(m)) == m; load(save(m)) == m for YAML and JSON; the builder methods and
bulk frames rebuild the same model; copies and pickles are equal.
"""

from __future__ import annotations

import datetime
import pickle
import unicodedata
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import datareach as dr
from datareach.io import dumps, loads
from datareach.model.fields import NODE_KINDS

# Ids: visible text in Unicode NFC (docs/design.md §8), YAML's and JSON's special
# characters included.
_ID_CHARS = st.characters(codec="utf-8", exclude_categories=("C", "Z")) | st.sampled_from(" -_/.:#'\"{}[],&*!|>%@`?")
names = st.text(_ID_CHARS, min_size=1, max_size=10).filter(
    lambda s: s == s.strip() and s.isprintable() and unicodedata.is_normalized("NFC", s)
)
segments = names.filter(lambda s: "/" not in s and s == s.strip())
regions = st.lists(segments, min_size=1, max_size=3).map("/".join)
texts = st.text(st.characters(codec="utf-8"), max_size=30)
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
probabilities = st.floats(0, 1)
shares = st.floats(0, 1, exclude_min=True)
amounts = st.floats(0, 1e300)
# records is a count: whole numbers up to 2**63 - 1, kept exact (no float on the way).
counts = st.integers(0, 2**63 - 1) | st.integers(0, 2**53).map(float)
costs = st.floats(0, 1e300, exclude_min=True)
day = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31))


@st.composite
def windows(draw: st.DrawFn) -> list[Any] | None:
    first, second = sorted(draw(st.lists(day, min_size=2, max_size=2, unique=True)))
    start = draw(st.none() | st.just(first))
    end = draw(st.none() | st.just(second))
    as_text = draw(st.booleans())  # YAML gives dates, JSON strings: both are accepted
    return [d.isoformat() if as_text and d is not None else d for d in (start, end)]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    def optional(entry: dict[str, Any], field: str, values: st.SearchStrategy[Any]) -> None:
        if draw(st.booleans()):
            entry[field] = draw(values)

    def some(ids: list[str], min_size: int = 1) -> st.SearchStrategy[list[str]]:
        return st.lists(st.sampled_from(ids), min_size=min_size, max_size=3, unique=True)

    data: dict[str, Any] = {"format": "datareach/1"}
    optional(data, "name", texts)
    sources = draw(st.dictionaries(names, st.dictionaries(names, plain, max_size=2), max_size=3))
    if sources:
        data["sources"] = sources
    citations = st.sampled_from(list(sources)) if sources else st.nothing()

    def annotate(entry: dict[str, Any]) -> dict[str, Any]:
        if sources:
            optional(entry, "source", citations)
        optional(entry, "note", texts)
        return entry

    event_ids = draw(st.lists(names, max_size=3, unique=True))
    data["events"] = [annotate({"id": e, "p": draw(probabilities)}) for e in event_ids]

    node_ids = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    nodes = []
    for node_id in node_ids:
        node = {"id": node_id, "kind": draw(st.sampled_from(NODE_KINDS))}
        optional(node, "region", regions)
        if node["kind"] == "jurisdiction" and draw(st.booleans()):
            node["territory"] = draw(regions)
            node["compels"] = draw(probabilities)
        optional(node, "attrs", st.dictionaries(names, plain, min_size=1, max_size=3))
        nodes.append(annotate(node))
    data["nodes"] = nodes
    stores = [n["id"] for n in nodes if n["kind"] == "store"]

    class_ids = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    classes, atomic = [], []
    for i, class_id in enumerate(class_ids):
        entry: dict[str, Any] = {"id": class_id}
        optional(entry, "sensitivity", amounts)
        optional(entry, "records", counts)
        optional(entry, "category", names)
        if i and draw(st.booleans()):
            entry["components"] = draw(some(class_ids[:i]))
        else:
            atomic.append(class_id)
        classes.append(annotate(entry))
    # Composites may come before their components in a file.
    data["classes"] = classes[::-1] if draw(st.booleans()) else classes

    placements = []
    for _ in range(draw(st.integers(0, 3)) if stores else 0):
        entry = {"class": draw(st.sampled_from(atomic)), "store": draw(st.sampled_from(stores))}
        optional(entry, "share", shares)
        optional(entry, "window", windows())
        placements.append(annotate(entry))
    data["placements"] = placements

    flows = []
    for _ in range(draw(st.integers(0, 3)) if stores else 0):
        entry = {"from": draw(st.sampled_from(stores)), "to": draw(st.sampled_from(stores))}
        optional(entry, "classes", some(class_ids))
        optional(entry, "share", shares)
        optional(entry, "kind", names)
        optional(entry, "window", windows())
        flows.append(annotate(entry))
    data["flows"] = flows

    arcs = []
    for _ in range(draw(st.integers(0, 5))):
        entry = {
            "from": draw(st.sampled_from(node_ids)),
            "to": draw(st.sampled_from(node_ids)),
            "p": draw(probabilities),
        }
        optional(entry, "classes", some(class_ids))
        if event_ids:
            optional(entry, "requires", some(event_ids, min_size=0))
        optional(entry, "cost", costs)
        optional(entry, "kind", names)
        optional(entry, "window", windows())
        arcs.append(annotate(entry))
    data["access"] = arcs
    optional(data, "adversaries", some(node_ids, min_size=0))
    return data


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_dict_round_trip(data: dict[str, Any]) -> None:
    m = dr.Model.from_dict(data)
    canonical = m.to_dict()
    again = dr.Model.from_dict(canonical)
    assert again == m
    assert again.to_dict() == canonical
    assert m.copy() == m
    assert pickle.loads(pickle.dumps(m)) == m


@SETTINGS
@given(scenarios())
def test_file_round_trip(data: dict[str, Any]) -> None:
    m = dr.Model.from_dict(data)
    assert loads(dumps(m, "yaml"), "yaml") == m
    assert loads(dumps(m, "json"), "json") == m


@SETTINGS
@given(scenarios())
@example(  # an attribute named like a field: found by a random draw
    {"format": "datareach/1", "nodes": [{"id": "0", "kind": "jurisdiction", "attrs": {"kind": None}}]}
)
def test_builder_and_bulk_rebuild_the_model(data: dict[str, Any]) -> None:
    m = dr.Model.from_dict(data)
    canonical = m.to_dict()

    built = dr.Model(m.name)
    for source_id, fields in m.sources.items():
        built.add_source(source_id, **fields)
    for entry in canonical.get("events", []):
        built.add_event(**entry)
    for entry in canonical.get("nodes", []):
        entry = dict(entry)
        attrs = entry.pop("attrs", {})
        if set(attrs) & set(entry) or set(attrs) & {"id", "kind"}:
            # An attribute named like a field (attrs: {kind: ...}) cannot be a keyword of
            # add_node; the bulk path takes attrs as a column.
            built.add_nodes(pd.DataFrame([{**entry, "attrs": attrs}]))
        else:
            built.add_node(**attrs, **entry)
    pending = list(canonical.get("classes", []))
    while pending:  # the builder needs components first
        entry = next(e for e in pending if set(e.get("components", [])) <= set(built.class_ids))
        pending.remove(entry)
        built.add_class(**entry)
    for entry in canonical.get("placements", []):
        entry = dict(entry)
        built.place(entry.pop("class"), **entry)
    for entry in canonical.get("flows", []):
        entry = dict(entry)
        built.add_flow(entry.pop("from"), **entry)
    for entry in canonical.get("access", []):
        entry = dict(entry)
        built.add_access(entry.pop("from"), **entry)
    built.adversaries = m.adversaries
    if built.class_ids == m.class_ids:  # the builder may have had to reorder classes
        assert built == m

    bulk = dr.Model(m.name)
    for source_id, fields in m.sources.items():
        bulk.add_source(source_id, **fields)
    bulk.add_events(m.events).add_nodes(m.nodes).add_classes(m.classes)
    bulk.add_placements(m.placements).add_flows(m.flows).add_arcs(m.access)
    bulk.adversaries = m.adversaries
    assert bulk == m
