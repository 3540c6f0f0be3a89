"""Access-map diagrams (docs/design.md §5b): the SVG is well formed and draws exactly the
model as of the date (every node once, every present arc, no absent one, the columns in
order, the classes each store holds), highlights mark exactly what they name, hostile ids
stay text, the DOT text is structurally sound, the PNG decodes to the layout's size, and
the model's notebook display counts what its tables hold.

Expectations come from the scenario dicts through the test oracles (``oracle.present``,
``oracle.presence_shares``, ``explain_oracle.simple_paths``), not from datareach's own
tables, wherever that is possible."""

from __future__ import annotations

import io
import itertools
import random
import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

import matplotlib.image
import pytest

import datareach as dr
from datareach.diagram.layout import COLUMNS
from datareach.model.lowering import compile_model
from explain_oracle import _holding_stores, _possible_arcs, simple_paths
from oracle import _Compiled, in_window, presence_shares, present
from random_models import AT_DATES, random_scenario

SVG = "{http://www.w3.org/2000/svg}"
DATES = ["2021-10-01", "2022-07-01"]
KIND_ORDER = [kind for kind, _ in COLUMNS]


def _classes(element: ET.Element) -> set[str]:
    return set((element.get("class") or "").split())


def _groups(root: ET.Element, word: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if word in _classes(g)]


def _parse(diagram: dr.Diagram) -> ET.Element:
    return ET.fromstring(diagram.svg)


def _arc_keys(root: ET.Element, kind: str) -> list[tuple[str, str, str]]:
    return [
        (g.get("data-entry", ""), g.get("data-from", ""), g.get("data-to", ""))
        for g in _groups(root, "arc")
        if kind in _classes(g)
    ]


def _expected_arcs(scenario: dict[str, Any], at: str | None) -> dict[str, set[tuple[str, str, str]]]:
    """Explicit arcs and flows present at ``at`` (by the oracle's window rule) and the rule
    arcs of the oracle's ``present`` (which lists them after the explicit arcs present), as
    (entry, from, to)."""
    access = {
        (f"access[{i}]", a["from"], a["to"]) for i, a in enumerate(scenario.get("access") or []) if in_window(a, at)
    }
    flows = {(f"flows[{i}]", f["from"], f["to"]) for i, f in enumerate(scenario.get("flows") or []) if in_window(f, at)}
    index = {n["id"]: i for i, n in enumerate(scenario["nodes"])}
    implicit = present(scenario, at)["access"][len(access) :]
    rules = {(f"nodes[{index[a['from']]}].compels", a["from"], a["to"]) for a in implicit}
    return {"access": access, "flow": flows, "rule": rules}


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def _node_rects(root: ET.Element) -> dict[str, ET.Element]:
    out = {}
    for g in _groups(root, "node"):
        rects = [r for r in g.findall(f"{SVG}rect") if r.get("fill") != "none"]
        out[g.get("data-id", "")] = rects[0]
    return out


def _check_columns(root: ET.Element, model: dr.Model) -> None:
    rects = _node_rects(root)
    kind_of = dict(zip(model.nodes["id"], model.nodes["kind"]))
    spans: dict[str, tuple[float, float]] = {}
    for node_id, rect in rects.items():
        x = float(rect.get("x", "nan"))
        low, high = spans.get(kind_of[node_id], (x, x))
        spans[kind_of[node_id]] = (min(low, x), max(high, x))
    present_kinds = [k for k in KIND_ORDER if k in spans]
    for left, right in itertools.pairwise(present_kinds):
        assert spans[left][1] < spans[right][0], (left, right, spans)


def _check_map(scenario: dict[str, Any], at: str | None) -> None:
    model = dr.Model.from_dict(scenario)
    diagram = dr.diagram(model, at)
    root = _parse(diagram)
    ids = [g.get("data-id") for g in _groups(root, "node")]
    assert sorted(ids) == sorted(n["id"] for n in scenario["nodes"])  # each node exactly once
    expected = _expected_arcs(scenario, at)
    for kind in ("access", "flow", "rule"):
        drawn = _arc_keys(root, kind)
        assert len(drawn) == len(set(drawn)), kind
        assert set(drawn) == expected[kind], (kind, at)
    # The compiled core has as many rule arcs as the picture draws.
    graph = compile_model(model, at)
    assert sum(graph.arc_origin(a) < 0 for a in range(graph.arc_count)) == len(expected["rule"])
    _check_columns(root, model)
    # Each store lists the classes it holds as of the date (flows included), no others.
    shares = presence_shares(scenario, at)
    for g in _groups(root, "node"):
        node_id = g.get("data-id")
        held = sorted(c for c, by_store in shares.items() if by_store.get(node_id, 0) > 0)
        title = g.find(f"{SVG}title")
        assert title is not None and title.text is not None
        listed = sorted(line.split(" ")[1] for line in title.text.splitlines() if line.startswith("holds "))
        assert listed == held, (node_id, at)


@pytest.mark.parametrize("at", DATES)
def test_the_example_map_draws_every_node_once_and_the_arcs_present_at_the_date(texas: dr.Model, at: str) -> None:
    _check_map(texas.to_dict(), at)


def test_windows_decide_which_example_arcs_are_drawn(texas: dr.Model) -> None:
    before = set(_arc_keys(_parse(dr.diagram(texas, "2021-10-01")), "access"))
    after = set(_arc_keys(_parse(dr.diagram(texas, "2022-07-01")), "access"))
    # Engineers in China read Virginia without approval until February 2022 (access[12]);
    # the Texas store and the arcs into it exist from June 2022 on (access[14]).
    assert any(e == "access[12]" for e, _, _ in before) and not any(e == "access[12]" for e, _, _ in after)
    assert any(e == "access[14]" for e, _, _ in after) and not any(e == "access[14]" for e, _, _ in before)
    everything = set(_arc_keys(_parse(dr.diagram(texas)), "access"))
    assert len(everything) == len(texas.access)


def test_a_disabled_node_is_reached_by_no_rule(texas: dr.Model) -> None:
    changed = texas.apply([dr.changes.disable("tiktok")])
    root = _parse(dr.diagram(changed, "2022-07-01"))
    rules = _arc_keys(root, "rule")
    before = _arc_keys(_parse(dr.diagram(texas, "2022-07-01")), "rule")
    assert ("nodes[1].compels", "US", "tiktok") in before
    assert {key for key in before if key[2] != "tiktok"} == set(rules)
    graph = compile_model(changed, "2022-07-01")
    assert sum(graph.arc_origin(a) < 0 for a in range(graph.arc_count)) == len(rules)
    assert not [key for key in _arc_keys(root, "access") if "tiktok" in (key[1], key[2])]


def test_random_models_draw_exactly_their_present_entries() -> None:
    rng = random.Random(20261202)
    for _ in range(120):
        scenario = random_scenario(rng)
        _check_map(scenario, rng.choice(AT_DATES))


def _inside_a_box(diagram: dr.Diagram) -> list[tuple[str, str]]:
    """(arc entry, node id) for every arc that runs through a node's box (sampled)."""
    from datareach.diagram.shapes import bezier

    found = []
    for shape in diagram.layout.arcs:
        points = [bezier(segment, k / 20) for segment in shape.segments for k in range(21)]
        for box in diagram.layout.nodes:
            if any(box.x + 1 < x < box.x + box.width - 1 and box.y + 1 < y < box.y + box.height - 1 for x, y in points):
                found.append((shape.arc.entry, box.node.id))
    return found


def test_no_arc_runs_under_a_node(texas: dr.Model) -> None:
    for at in (*DATES, None):
        assert _inside_a_box(dr.diagram(texas, at)) == []
    rng = random.Random(5)
    for _ in range(60):
        diagram = dr.diagram(dr.Model.from_dict(random_scenario(rng)), rng.choice(AT_DATES))
        assert _inside_a_box(diagram) == []
    # A tall column whose first and last nodes are linked: the loop stays out of the next column.
    nodes = [{"id": f"r{i}", "kind": "role"} for i in range(12)] + [{"id": "s", "kind": "store"}]
    tall = {
        "format": "datareach/1",
        "nodes": nodes,
        "access": [{"from": "r0", "to": "r11", "p": 1}, {"from": "r5", "to": "s", "p": 1}],
    }
    assert _inside_a_box(dr.diagram(dr.Model.from_dict(tall))) == []


def test_the_picture_is_deterministic(texas: dr.Model) -> None:
    paths = dr.most_likely_paths(texas, "CN", "phone_numbers", k=5, at="2022-07-01")
    first = dr.diagram(texas, "2022-07-01", highlight=paths).svg
    second = dr.diagram(
        texas.copy(), "2022-07-01", highlight=dr.most_likely_paths(texas, "CN", "phone_numbers", k=5, at="2022-07-01")
    ).svg
    assert first == second
    assert dr.diagram(texas, "2022-07-01").dot == dr.diagram(texas.copy(), "2022-07-01").dot


def test_the_picture_does_not_depend_on_the_hash_seed(texas: dr.Model) -> None:
    import hashlib
    import os
    import subprocess
    from pathlib import Path

    code = (
        "import hashlib, datareach as dr; m = dr.examples.project_texas(); "
        "p = dr.most_likely_paths(m, 'CN', 'phone_numbers', k=5, at='2022-07-01'); "
        "print(hashlib.sha256(dr.diagram(m, '2022-07-01', highlight=p).svg.encode()).hexdigest())"
    )
    # The datareach this test imported (installed, or the source tree with its compiled core).
    package_root = Path(dr.__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(package_root)}
    other = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    paths = dr.most_likely_paths(texas, "CN", "phone_numbers", k=5, at="2022-07-01")
    here = hashlib.sha256(dr.diagram(texas, "2022-07-01", highlight=paths).svg.encode()).hexdigest()
    assert other.stdout.strip() == here


# -- highlights ------------------------------------------------------------------------------


def _marked(root: ET.Element, mark: str) -> tuple[set[str], set[tuple[str, str, str]]]:
    nodes = {g.get("data-id", "") for g in _groups(root, "node") if mark in _classes(g)}
    arcs = {
        (g.get("data-entry", ""), g.get("data-from", ""), g.get("data-to", ""))
        for g in _groups(root, "arc")
        if mark in _classes(g)
    }
    everything = [e for e in root.iter() if mark in _classes(e)]
    assert len(everything) == len(nodes) + len(arcs)  # no other element carries the mark
    return nodes, arcs


def _path_keys(path: dr.Path) -> set[tuple[str, str, str]]:
    return {(step.entry, step.source, step.target) for step in path.arcs}


def test_a_highlighted_path_marks_its_nodes_and_arcs_and_nothing_else(texas: dr.Model) -> None:
    path = dr.most_likely_path(texas, "CN", "phone_numbers", at="2022-07-01")
    assert path is not None and len(path.arcs) >= 2
    root = _parse(dr.diagram(texas, "2022-07-01", highlight=path))
    nodes, arcs = _marked(root, "highlight")
    assert nodes == set(path.nodes)
    assert arcs == _path_keys(path)
    assert _marked(root, "best") == (set(), set())  # one path: nothing to rank


def test_highlighted_paths_mark_their_union_and_the_best_one_more(texas: dr.Model) -> None:
    paths = dr.most_likely_paths(texas, "CN", "phone_numbers", k=5, at="2022-07-01")
    assert len(paths) == 5
    root = _parse(dr.diagram(texas, "2022-07-01", highlight=paths))
    nodes, arcs = _marked(root, "highlight")
    assert nodes == {n for p in paths for n in p.nodes}
    assert arcs == {key for p in paths for key in _path_keys(p)}
    best_nodes, best_arcs = _marked(root, "best")
    assert best_nodes == set(paths[0].nodes) and best_arcs == _path_keys(paths[0])
    # Highlighted arcs are drawn above the others, in the highlight colour.
    arcs_group = [g for g in _groups(root, "arc")]
    marked_positions = [i for i, g in enumerate(arcs_group) if "highlight" in _classes(g)]
    assert marked_positions == list(range(len(arcs_group) - len(marked_positions), len(arcs_group)))


def test_highlighted_arcs_say_what_access_they_are_and_labels_do_not_collide(texas: dr.Model) -> None:
    from datareach.diagram.style import text_width

    paths = dr.most_likely_paths(texas, "CN", "phone_numbers", k=5, at="2022-07-01")
    layout = dr.diagram(texas, "2022-07-01", highlight=paths).layout
    kinds = dict(zip((f"access[{i}]" for i in range(len(texas.access))), texas.access["kind"]))
    for shape in layout.arcs:
        if "highlight" in shape.marks:
            assert shape.label is not None
            expected = f"compels {shape.arc.p:.2g}" if shape.arc.kind == "rule" else kinds[shape.arc.entry]
            assert shape.label.text == expected  # every arc of the example has p = 1
    boxes = [
        (
            line.x - text_width(line.text, line.size) / 2,
            line.y - line.size * 0.8,
            line.x + text_width(line.text, line.size) / 2,
            line.y + line.size * 0.25,
        )
        for line in (shape.label for shape in layout.arcs)
        if line is not None
    ]
    nodes = [(n.x, n.y, n.x + n.width, n.y + n.height) for n in layout.nodes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :] + nodes:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_a_cut_marks_its_arcs(texas: dr.Model) -> None:
    cut = dr.cheapest_cut(texas, "CN", "phone_numbers", at="2022-07-01")
    assert len(cut.table) >= 1
    root = _parse(dr.diagram(texas, "2022-07-01", highlight=cut))
    nodes, arcs = _marked(root, "cut")
    assert nodes == set()
    assert arcs == set(zip(cut.table["entry"], cut.table["from"], cut.table["to"]))
    for g in _groups(root, "arc"):
        crosses = g.findall(f"{SVG}line")
        assert len(crosses) == (2 if "cut" in _classes(g) else 0)


def test_chokepoints_are_ringed() -> None:
    model = dr.Model.from_dict(
        {
            "format": "datareach/1",
            "nodes": [
                {"id": "a", "kind": "role"},
                {"id": "hub", "kind": "gateway"},
                {"id": "x", "kind": "role"},
                {"id": "s", "kind": "store"},
            ],
            "classes": [{"id": "d"}],
            "placements": [{"class": "d", "store": "s"}],
            "access": [
                {"from": "a", "to": "hub", "p": 0.5},
                {"from": "a", "to": "x", "p": 0.5},
                {"from": "x", "to": "hub", "p": 0.5},
                {"from": "hub", "to": "s", "p": 0.5},
            ],
        }
    )
    found = dr.chokepoints(model, "a", "d")
    assert found.nodes == ["hub", "s"]
    root = _parse(dr.diagram(model, highlight=found))
    nodes, arcs = _marked(root, "chokepoint")
    assert nodes == {"hub", "s"} and arcs == set()
    for g in _groups(root, "node"):
        rings = [r for r in g.findall(f"{SVG}rect") if r.get("fill") == "none"]
        assert len(rings) == (1 if g.get("data-id") in nodes else 0)


def test_a_highlight_not_in_the_map_is_an_error(texas: dr.Model) -> None:
    # Paths of October 2021 use arcs that no longer exist in July 2022.
    old = dr.most_likely_paths(texas, "CN", "phone_numbers", k=20, at="2021-10-01")
    later = {e for e, _, _ in _arc_keys(_parse(dr.diagram(texas, "2022-07-01")), "access")}
    stale = next(
        i for i, p in enumerate(old) if any(s.entry.startswith("access") and s.entry not in later for s in p.arcs)
    )
    with pytest.raises(dr.ModelError, match=r"is not in the diagram \(as of 2022-07-01\)") as error:
        dr.diagram(texas, "2022-07-01", highlight=old)
    assert error.value.where is not None and error.value.where.startswith(f"highlight[{stale}].arcs[")
    # A node left out by a restriction.
    path = dr.most_likely_path(texas, "CN", "phone_numbers", at="2022-07-01")
    with pytest.raises(dr.ModelError, match="left out by adversaries=/classes=") as error:
        dr.diagram(texas, "2022-07-01", highlight=path, adversaries="US", classes="creator_tax_data")
    assert error.value.where == "highlight.nodes[0]"
    with pytest.raises(dr.ModelError, match="expected a Path, Paths") as error:
        dr.diagram(texas, highlight="CN")
    assert error.value.where == "highlight"


# -- restriction and size --------------------------------------------------------------------


def test_too_many_nodes_is_an_error_suggesting_a_restriction(texas: dr.Model) -> None:
    with pytest.raises(
        dr.ModelError, match=r"17 nodes, more than max_nodes=10: restrict it with adversaries= and classes="
    ) as error:
        dr.diagram(texas, "2022-07-01", max_nodes=10)
    assert error.value.where == "max_nodes"
    small = dr.diagram(texas, "2022-07-01", adversaries="CN", classes="creator_tax_data", max_nodes=10)
    assert len(small.content.nodes) <= 10
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(dr.ModelError) as error:
            dr.diagram(texas, max_nodes=bad)  # type: ignore[arg-type]
        assert error.value.where == "max_nodes"


def test_a_big_model_is_refused_quickly() -> None:
    scenario = {
        "format": "datareach/1",
        "nodes": [{"id": f"r{i}", "kind": "role"} for i in range(3000)] + [{"id": "s", "kind": "store"}],
        "classes": [{"id": "d"}],
        "placements": [{"class": "d", "store": "s"}],
        "access": [{"from": f"r{i}", "to": "s", "p": 0.5} for i in range(3000)],
    }
    model = dr.Model.from_dict(scenario)
    with pytest.raises(dr.ModelError, match="3,001 nodes"):
        dr.diagram(model)
    assert len(dr.diagram(model, adversaries="r7", classes="d").content.nodes) == 2
    # Few nodes but a mesh of arcs: refused too, rather than a multi-megabyte picture.
    mesh = {
        "format": "datareach/1",
        "nodes": [{"id": f"m{i}", "kind": "role"} for i in range(40)],
        "access": [{"from": f"m{i}", "to": f"m{j}", "p": 0.5} for i in range(40) for j in range(40) if i != j],
    }
    with pytest.raises(dr.ModelError, match="1,560 arcs") as error:
        dr.diagram(dr.Model.from_dict(mesh), max_nodes=100)
    assert error.value.where == "max_nodes"


def _restricted_oracle(
    scenario: dict[str, Any], adversary: str, classes: list[str], at: str | None
) -> tuple[set[str], set[tuple[str, str]]]:
    """Nodes and (from, to) arcs on some possible walk from the adversary to a store holding
    one of the (atomic) classes that stops at the first holding store: arcs admitting the
    class from a node the adversary reaches without passing a holding store, to a node
    from which a holding store is reached (docs/design.md §5a)."""
    compiled = _Compiled(scenario, adversary, at)
    nodes, arcs = {adversary}, set()
    for d in classes:
        possible, holding = _possible_arcs(compiled, d), _holding_stores(compiled, d)
        if adversary in holding:
            continue
        forward, frontier = {adversary}, [adversary]
        while frontier:
            u = frontier.pop()
            for a in possible:
                if a["from"] == u and a["to"] not in forward:
                    forward.add(a["to"])
                    if a["to"] not in holding:
                        frontier.append(a["to"])
        backward, frontier = set(holding), list(holding)
        while frontier:
            v = frontier.pop()
            for a in possible:
                if a["to"] == v and a["from"] not in backward:
                    backward.add(a["from"])
                    frontier.append(a["from"])
        for a in possible:
            if a["from"] in forward and a["from"] not in holding and a["to"] in backward:
                nodes.update((a["from"], a["to"]))
                arcs.add((a["from"], a["to"]))
    return nodes, arcs


def test_a_restricted_map_keeps_what_lies_on_possible_paths() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(150):
        scenario = random_scenario(rng)
        at = rng.choice(AT_DATES)
        model = dr.Model.from_dict(scenario)
        adversary = rng.choice(model.node_ids)
        atoms = [c["id"] for c in scenario["classes"] if "components" not in c]
        chosen = rng.sample(atoms, rng.randint(1, len(atoms)))
        expected_nodes, expected_arcs = _restricted_oracle(scenario, adversary, chosen, at)
        diagram = dr.diagram(model, at, adversaries=[adversary], classes=chosen)
        root = _parse(diagram)
        assert {g.get("data-id") for g in _groups(root, "node")} == expected_nodes
        drawn = {(g.get("data-from"), g.get("data-to")) for g in _groups(root, "arc") if not _classes(g) & {"flow"}}
        assert drawn == expected_arcs
        # Every simple path the enumerator finds is drawn whole.
        for d in chosen:
            for _, path_nodes, _ in simple_paths(scenario, adversary, d, at):
                assert set(path_nodes) <= expected_nodes and set(itertools.pairwise(path_nodes)) <= drawn
        # The stores kept that hold a class are possibly reached, and every class possibly
        # reached is held by a kept store. (Not every reached store is kept: a path stops at
        # the first store holding the class, docs/design.md §5a.)
        table = dr.reach(model, adversary, at=at).table
        for _, row in table[table["class"].isin(chosen)].iterrows():
            kept = {n.id for n in diagram.content.nodes if row["class"] in dict(n.held)}
            assert kept <= set(row["possible_stores"])
            assert bool(kept) == bool(row["possible"])
        checked += len(expected_nodes) > 1
    assert checked > 15


def test_restriction_by_composite_class_stands_for_its_components(texas: dr.Model) -> None:
    composite = dr.diagram(texas, "2022-07-01", adversaries="CN", classes="user_profile")
    parts = dr.diagram(
        texas, "2022-07-01", adversaries="CN", classes=["phone_numbers", "birthdays", "public_videos", "comments"]
    )
    assert composite.content.nodes == parts.content.nodes and composite.content.arcs == parts.content.arcs
    with pytest.raises(dr.ModelError, match="unknown class 'phone_number'") as error:
        dr.diagram(texas, classes=["phone_number"])
    assert error.value.where == "classes[0]"
    with pytest.raises(dr.ModelError) as error:
        dr.diagram(texas, adversaries="XX")
    assert error.value.where == "adversaries[0]"


# -- escaping and labels ---------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "a & b", 'say "hi"', "it's", "]]>", "北京 ünïcödé ✓", "x\\y{z}", "$x$ -> y;"]


def _hostile_model() -> dr.Model:
    nodes = [{"id": HOSTILE[0], "kind": "jurisdiction", "territory": "<r>", "compels": 0.5}]
    nodes += [
        {"id": h, "kind": kind, "region": "<r>/&"}
        for h, kind in zip(HOSTILE[1:], ["organization", "role", "gateway", "store", "store", "role", "role"])
    ]
    return dr.Model.from_dict(
        {
            "format": "datareach/1",
            "name": "</title><script>alert(2)</script>",
            "nodes": nodes,
            "classes": [{"id": "<img src=x onerror=alert(3)>"}],
            "placements": [{"class": "<img src=x onerror=alert(3)>", "store": "]]>"}],
            "flows": [{"from": "]]>", "to": "北京 ünïcödé ✓", "kind": "<b>backup</b>"}],
            "access": [{"from": a, "to": b, "p": 0.5, "kind": "<i>"} for a, b in itertools.pairwise(HOSTILE)],
            "adversaries": [HOSTILE[0]],
        }
    )


def test_hostile_ids_render_as_text() -> None:
    model = _hostile_model()
    diagram = dr.diagram(model, highlight=dr.most_likely_path(model, HOSTILE[0], "<img src=x onerror=alert(3)>"))
    root = _parse(diagram)
    assert not [
        e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() in ("script", "img", "b", "i", "foreignobject")
    ]
    assert sorted(g.get("data-id") for g in _groups(root, "node")) == sorted(HOSTILE)
    texts = [e.text or "" for e in root.iter(f"{SVG}text")]
    titles = [e.text or "" for e in root.iter(f"{SVG}title")]
    for hostile in HOSTILE:
        # shown whole, or shortened with an ellipsis; whole in the node's tooltip
        assert hostile in texts or any(t.endswith("…") and hostile.startswith(t[:-1]) for t in texts)
        assert any(t.startswith(hostile + " (") for t in titles)
    assert "</title><script>alert(2)</script>" in (root.find(f"{SVG}title").text or "")  # type: ignore[union-attr]
    arcs = _arc_keys(root, "access")
    assert {(f, t) for _, f, t in arcs} == set(itertools.pairwise(HOSTILE))
    assert "<script" not in diagram.svg and "<img" not in diagram.svg


def test_long_names_are_shortened_with_the_full_id_in_the_tooltip() -> None:
    long_id = "a_store_with_a_very_long_name_that_cannot_fit_in_its_box_" + "x" * 80
    model = dr.Model.from_dict({"format": "datareach/1", "nodes": [{"id": long_id, "kind": "store"}]})
    root = _parse(dr.diagram(model))
    (g,) = _groups(root, "node")
    name = g.findall(f"{SVG}text")[0].text or ""
    assert name.endswith("…") and long_id.startswith(name[:-1]) and len(name) < 40
    assert (g.find(f"{SVG}title").text or "").startswith(long_id)  # type: ignore[union-attr]


# -- DOT -------------------------------------------------------------------------------------

_DOT_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|->|[{}\[\];,=]|[A-Za-z_][A-Za-z0-9_.]*|-?[0-9.]+|\s+|.', re.S)


def _dot_tokens(text: str) -> list[str]:
    return [t for t in _DOT_TOKEN.findall(text) if not t.isspace()]


def _unquote(token: str) -> str:
    assert token.startswith('"') and token.endswith('"'), token
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _dot_structure(text: str) -> tuple[list[str], list[tuple[str, str, dict[str, str]]]]:
    """Node statements and edges of a DOT text, checking as it goes that braces and brackets
    balance, every statement ends with ';' and every node id is a quoted string."""
    tokens = _dot_tokens(text)
    assert tokens[0] == "digraph" and tokens[1].startswith('"') and tokens[2] == "{" and tokens[-1] == "}"
    depth = 0
    for token in tokens:
        depth += {"{": 1, "}": -1}.get(token, 0)
        assert depth >= 0
    assert depth == 0
    nodes, edges = [], []
    statement: list[str] = []
    for token in tokens[3:-1]:
        if token in ("{", "}"):
            if token == "{" and len(statement) == 2 and statement[0] == "subgraph":
                statement = []  # subgraph "name" {
            assert not statement, statement
            continue
        statement.append(token)
        if token == ";" and statement.count("[") == statement.count("]"):
            body = statement[:-1]
            statement = []
            if body[0] in ("graph", "node", "edge") or (len(body) == 3 and body[1] == "="):
                continue  # a default or a graph attribute
            if body[0] == "subgraph":
                continue
            attributes: dict[str, str] = {}
            if "[" in body:
                inside = body[body.index("[") + 1 : -1]
                assert body[-1] == "]"
                for part in " ".join(inside).split(" , "):
                    key, _, value = part.partition(" = ")
                    attributes[key] = value
                body = body[: body.index("[")]
            if len(body) == 3 and body[1] == "->":
                edges.append((_unquote(body[0]), _unquote(body[2]), attributes))
            else:
                assert len(body) == 1, body
                nodes.append(_unquote(body[0]))
    assert not statement
    return nodes, edges


def test_dot_is_structurally_sound_and_names_every_node_and_arc(texas: dr.Model) -> None:
    for model, at in ((texas, "2022-07-01"), (_hostile_model(), None)):
        diagram = dr.diagram(model, at)
        nodes, edges = _dot_structure(diagram.dot)
        assert sorted(nodes) == sorted(n.id for n in diagram.content.nodes)
        drawn = [(f, t) for f, t, attributes in edges if attributes.get("style") != "invis"]
        assert sorted(drawn) == sorted((a.source, a.target) for a in diagram.content.arcs)
        styles = [attributes.get("style") for f, t, attributes in edges if attributes.get("style") != "invis"]
        assert styles.count("dotted") == sum(a.kind == "rule" for a in diagram.content.arcs)


# -- PNG, saving, display --------------------------------------------------------------------


def test_png_decodes_to_the_size_of_the_layout(texas: dr.Model) -> None:
    paths = dr.most_likely_paths(texas, "CN", "phone_numbers", k=5, at="2022-07-01")
    diagram = dr.diagram(texas, "2022-07-01", highlight=paths)
    for scale in (1.0, 2.0):
        data = diagram.png(scale)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = matplotlib.image.imread(io.BytesIO(data), format="png")
        assert image.shape[:2] == (round(diagram.layout.height * scale), round(diagram.layout.width * scale))
        assert image[..., :3].min() < 0.2  # something dark is drawn on the white page
    with pytest.raises(dr.ModelError) as error:
        diagram.png(0)
    assert error.value.where == "scale"
    # A hostile model renders too, missing glyphs and dollar signs included.
    assert _hostile_model() and dr.diagram(_hostile_model()).png(1.0).startswith(b"\x89PNG")


def test_png_without_matplotlib_names_the_extra(texas: dr.Model, monkeypatch: pytest.MonkeyPatch) -> None:
    diagram = dr.diagram(texas, "2022-07-01")
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]  # import fails
    with pytest.raises(ImportError, match=r"pip install 'datareach\[plot\]'"):
        diagram.png()
    assert diagram.svg.startswith("<svg")  # the SVG needs no matplotlib


def test_save_chooses_the_format_by_suffix(texas: dr.Model, tmp_path: Any) -> None:
    diagram = dr.diagram(texas, "2022-07-01")
    diagram.save(tmp_path / "map.svg")
    diagram.save(tmp_path / "map.dot")
    diagram.save(str(tmp_path / "map.PNG"))
    assert (tmp_path / "map.svg").read_text(encoding="utf-8") == diagram.svg
    assert (tmp_path / "map.dot").read_text(encoding="utf-8") == diagram.dot
    assert (tmp_path / "map.PNG").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(dr.ModelError, match=r"unknown diagram format '\.pdf'") as error:
        diagram.save(tmp_path / "map.pdf")
    assert error.value.where == "path"
    assert diagram._repr_svg_() == diagram.svg


def test_the_model_displays_its_counts_and_a_small_diagram(texas: dr.Model) -> None:
    html = texas._repr_html_()
    for section in ("nodes", "classes", "events", "placements", "flows", "access"):
        count = len(getattr(texas, section))
        assert re.search(rf"<th[^>]*>{section}</th><td[^>]*>{count}</td>", html), section
    for kind, count in texas.nodes["kind"].value_counts().items():
        assert re.search(rf"<td[^>]*>{kind}</td><td[^>]*>{count}</td>", html), kind
    assert f"<td>{len(texas.sources)}</td>" in html
    assert "CN, US" in html
    starts = (
        texas.access["window_start"].dropna().tolist()
        + texas.placements["window_start"].dropna().tolist()
        + texas.flows["window_start"].dropna().tolist()
    )
    ends = (
        texas.access["window_end"].dropna().tolist()
        + texas.placements["window_end"].dropna().tolist()
        + texas.flows["window_end"].dropna().tolist()
    )
    first, last = min(starts + ends), max(starts + ends)
    assert f"{first.date().isoformat()} to {last.date().isoformat()}" in html
    assert html.count("<svg") == 1
    picture = ET.fromstring(html[html.index("<svg") : html.index("</svg>") + len("</svg>")])
    assert (
        picture.get("width") == "100%"
        and picture.get("viewBox") == dr.diagram(texas).svg.split('viewBox="')[1].split('"')[0]
    )
    assert sorted(g.get("data-id") for g in _groups(picture, "node")) == sorted(texas.node_ids)
    summary = texas.summary()
    assert f"{len(texas.access)} access arcs" in summary and "2021-09-01" in summary


def test_the_model_display_escapes_and_leaves_out_big_maps() -> None:
    model = _hostile_model()
    html = model._repr_html_()
    assert "<script" not in html and "&lt;/title&gt;&lt;script&gt;" in html
    big = dr.Model.from_dict({"format": "datareach/1", "nodes": [{"id": f"r{i}", "kind": "role"} for i in range(400)]})
    html = big._repr_html_()
    assert "<svg" not in html and "400" in html and "dr.diagram" in html


def test_small_and_odd_models_draw() -> None:
    empty = dr.diagram(dr.Model())
    assert _groups(_parse(empty), "node") == [] and _dot_structure(empty.dot) == ([], [])
    assert empty.png(1.0).startswith(b"\x89PNG")
    looped = dr.Model.from_dict(
        {
            "format": "datareach/1",
            "nodes": [{"id": "a", "kind": "role"}],
            "access": [{"from": "a", "to": "a", "p": 0.5}],
        }
    )
    root = _parse(dr.diagram(looped))
    assert _arc_keys(root, "access") == [("access[0]", "a", "a")]
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert "p 0.5" in texts  # a probability below 1 is written on the arc


def test_bad_requests_name_the_argument(texas: dr.Model) -> None:
    for arguments, where in (
        ({"at": "2022-13-01"}, "at"),
        ({"classes": []}, "classes"),
        ({"classes": 5}, "classes"),
        ({"adversaries": ["CN", "CN"]}, "adversaries[1]"),
    ):
        with pytest.raises(dr.ModelError) as error:
            dr.diagram(texas, **arguments)
        assert error.value.where == where, arguments
    with pytest.raises(dr.ModelError) as error:
        dr.diagram("scenario.yaml")  # type: ignore[arg-type]
    assert error.value.where == "model"
