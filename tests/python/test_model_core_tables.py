"""How the core holds a model's tables (docs/design.md decision 64): it reads the lowered
NumPy columns in place rather than copying them, a column no row gives is not lowered at all,
and neither changes a number."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

import datareach as dr
from datareach import _core
from datareach.diagram.content import access_map
from datareach.errors import ModelError
from datareach.model import lowering
from datareach.model.lowering import compile_model, core_model, lower
from datareach.model.tables import ListColumn, list_offsets


def _frames(rows: int, seed: int, **access_columns: object) -> dr.Model:
    """Roles reaching stores through a gateway, the arcs given as one frame."""
    rng = np.random.default_rng(seed)
    m = dr.Model()
    m.add_node("CN", "jurisdiction", territory="CN", compels=1.0)
    nodes = [f"r{i}" for i in range(rows)] + [f"s{i}" for i in range(rows)]
    m.add_nodes(pd.DataFrame({"id": nodes, "kind": ["role"] * rows + ["store"] * rows, "region": "CN"}))
    m.add_class("pii")
    m.add_placements(pd.DataFrame({"class": "pii", "store": [f"s{i}" for i in range(rows)]}))
    sources = rng.integers(0, rows, 4 * rows)
    targets = rng.integers(0, rows, 4 * rows)
    access = {
        "from": [f"r{i}" for i in sources] + [f"r{i}" for i in targets],
        "to": [f"r{i}" for i in targets] + [f"s{i}" for i in sources],
        "p": np.round(rng.uniform(0.05, 1.0, 8 * rows), 2),
    }
    access.update({name: [value] * (8 * rows) for name, value in access_columns.items()})
    m.add_arcs(pd.DataFrame(access))
    m.adversaries = ["CN"]
    return m


def test_columns_no_row_gives_are_not_lowered() -> None:
    data = lower(_frames(20, seed=1))
    assert "arc_cost" not in data
    assert "arc_window_start" not in data and "arc_window_end" not in data
    given = lower(_frames(20, seed=1, cost=1.0, window_start="2020-01-01"))
    np.testing.assert_array_equal(given["arc_cost"], np.ones(160))
    assert (given["arc_window_start"] == 18262).all()


def test_left_out_columns_change_no_number() -> None:
    for method, rows in (("exact", 3), ("monte_carlo", 30)):
        left_out = _frames(rows, seed=2)
        given = _frames(rows, seed=2, cost=1.0)
        a = dr.analyze(left_out, method=method, samples=4096, seed=3)
        b = dr.analyze(given, method=method, samples=4096, seed=3)
        np.testing.assert_array_equal(a.table["probability"], b.table["probability"])
    cut_a = dr.cheapest_cut(left_out, "CN", "pii")
    cut_b = dr.cheapest_cut(given, "CN", "pii")
    assert cut_a.cost == cut_b.cost and cut_a.cost >= 1


def test_batches_that_all_leave_a_field_out_keep_it_left_out() -> None:
    m = dr.Model()
    m.add_node("a", "role").add_node("b", "role").add_node("s", "store")
    m.add_arcs(pd.DataFrame({"from": ["a"], "to": ["b"], "p": [0.5]}))
    m.add_arcs(pd.DataFrame({"from": ["b"], "to": ["s"], "p": [0.25]}))
    assert m._tables["access"].column("cost").strides == (0,)
    assert "arc_cost" not in lower(m)
    m.add_arcs(pd.DataFrame({"from": ["a"], "to": ["s"], "p": [0.5], "cost": [3.0], "window_start": ["2021-01-01"]}))
    data = lower(m)
    np.testing.assert_array_equal(data["arc_cost"], [1.0, 1.0, 3.0])
    assert data["arc_window_start"].tolist()[-1] == 18628
    # Before its window the third arc is absent; without a date it is there.
    assert compile_model(m, "2020-06-01").arc_count == 2
    assert compile_model(m).arc_count == 3


def test_core_tables_outlive_the_model_and_its_lowering() -> None:
    m = _frames(40, seed=4, cost=2.0)
    data = core_model(m)
    before = _core.CompiledGraph(data, None)
    counts = (before.node_count, before.arc_count, before.presence_stores.copy(), before.presence_shares.copy())
    del m
    gc.collect()
    after = _core.CompiledGraph(data, None)  # reads the viewed columns again
    assert (after.node_count, after.arc_count) == counts[:2]
    np.testing.assert_array_equal(after.presence_stores, counts[2])
    np.testing.assert_array_equal(after.presence_shares, counts[3])
    assert [after.arc_origin(a) for a in range(after.arc_count)] == [
        before.arc_origin(a) for a in range(before.arc_count)
    ]


def test_columns_the_core_reads_cannot_be_written() -> None:
    m = _frames(10, seed=5)
    p = m._tables["access"].column("p")
    assert p.flags.writeable  # the table's own array, before the core holds it
    compile_model(m)
    with pytest.raises(ValueError, match="read-only"):
        p[0] = 0.25


def test_list_offsets_are_32_bit_and_refuse_what_does_not_fit() -> None:
    offsets = list_offsets(np.array([2, 0, 3]), "access", "classes")
    assert offsets.dtype == np.int32
    assert offsets.tolist() == [0, 2, 2, 5]
    data = lower(_frames(5, seed=6))
    assert data["arc_classes_offsets"].dtype == np.int32 and data["arc_requires_offsets"].dtype == np.int32
    half = 2**30
    with pytest.raises(ModelError, match=r"more than 2,147,483,647 ids") as caught:
        list_offsets(np.array([half, half - 1, 1, 1]), "access", "requires", first_row=10)
    assert caught.value.where == "access[12].requires"  # the row whose list crosses the limit


def test_list_columns_are_kept_as_rows_until_read() -> None:
    m = dr.Model()
    m.add_events(pd.DataFrame({"id": ["e1", "e2"], "p": [0.5, 0.25]}))
    m.add_node("a", "role").add_node("b", "role").add_node("s", "store")
    m.add_class("x").add_class("y")
    m.add_arcs(pd.DataFrame({"from": ["a", "b"], "to": ["b", "s"], "p": [0.5, 0.5], "requires": ["e2; e1", None]}))
    m.add_arcs(pd.DataFrame({"from": ["a"], "to": ["s"], "p": [0.5], "classes": [("y",)], "requires": [()]}))
    table = m._tables["access"]
    joined = table._joined()
    assert isinstance(joined["requires"], ListColumn)  # joined from the rows, not made
    np.testing.assert_array_equal(table.ragged("requires")[0], [0, 2, 2, 2])
    assert m.access["requires"].tolist() == [("e2", "e1"), None, None]  # an empty list is no list
    assert m.access["classes"].tolist() == [None, None, ("y",)]
    entries = dr.Model.from_dict(m.to_dict())  # the per-entry path holds the made column
    assert entries == m
    for key, value in lower(m).items():
        np.testing.assert_array_equal(np.asarray(value), np.asarray(lower(entries)[key]), err_msg=key)


def test_path_steps_and_map_arcs_read_list_columns_one_row_at_a_time() -> None:
    """A path step or a drawn arc reads its own row of a list column; the column stays rows."""
    m = dr.Model()
    m.add_events(pd.DataFrame({"id": ["e1", "e2"], "p": [0.5, 0.9]}))
    m.add_node("CN", "jurisdiction", territory="CN", compels=1.0)
    m.add_nodes(pd.DataFrame({"id": ["a", "b", "s"], "kind": ["role", "role", "store"], "region": "CN"}))
    m.add_class("x").add_class("y")
    m.place("x", "s")
    m.add_arcs(
        pd.DataFrame(
            {
                "from": ["a", "b", "a"],
                "to": ["b", "s", "s"],
                "p": [0.9, 0.8, 0.1],
                "requires": ["e2; e1", None, "e1"],
                "classes": [None, "x", "y"],
            }
        )
    )
    m.adversaries = ["a"]
    table = m._tables["access"]
    best = dr.most_likely_path(m, "a", "x")
    assert best is not None
    assert [(s.source, s.target, s.requires) for s in best.arcs] == [("a", "b", ("e2", "e1")), ("b", "s", ())]
    arcs = {arc.entry: arc for arc in access_map(m).arcs if arc.kind == "access"}
    assert arcs["access[0]"].requires == ("e2", "e1")
    assert arcs["access[1]"].classes == ("x",)
    assert arcs["access[2]"].requires == ("e1",) and arcs["access[2]"].classes == ("y",)
    for name in ("requires", "classes"):
        assert isinstance(table._joined()[name], ListColumn), name  # read by rows, never made
    assert [m._cell("access", "requires", row) for row in range(3)] == m.access["requires"].tolist()


def test_adversaries_are_found_by_hash_without_the_dict_of_every_node() -> None:
    # The dict of every node id costs ~70 bytes a node, more than a run on a large model.
    # A model built from frames alone has no such dict (one grown entry by entry keeps it).
    m = dr.synthetic.enterprise_with_arcs(5000, seed=2)
    ids = m._tables["nodes"].ids
    assert ids is not None and ids._rows is None
    node_ids = m.node_ids
    wanted = [node_ids[700], m.adversaries[1], node_ids[-1], m.adversaries[0]]
    run = dr.analyze(m, adversaries=wanted, method="monte_carlo", samples=512, seed=1)
    assert ids._rows is None
    assert list(pd.unique(run.table["adversary"])) == wanted
    # The rows found are the adversaries' own: those of the dict, and the same numbers as
    # a model that finds them through its dict.
    m2 = m.copy()
    assert [m2.node_index[a] for a in wanted] == lowering.adversary_indices(m, wanted)[1]
    assert m2._tables["nodes"].ids._rows is not None
    by_dict = dr.analyze(m2, adversaries=wanted, method="monte_carlo", samples=512, seed=1)
    pd.testing.assert_frame_equal(run.table, by_dict.table)
    with pytest.raises(ModelError, match=r"unknown node 'nowhere'") as caught:
        dr.analyze(m, adversaries=[wanted[0], "nowhere"], samples=512, seed=1)
    assert caught.value.where == "adversaries[1]"
    assert ids._rows is None


def test_lookups_by_hash_agree_with_the_dict_even_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    from datareach.model import tables

    real = tables.id_hashes
    # Four hash values for all ids: every look-up meets many candidates and must compare.
    monkeypatch.setattr(tables, "id_hashes", lambda ids: real(ids) % np.uint64(4))
    index = tables.IdIndex(tables.object_array_of([f"n{i}" for i in range(500)]))
    wanted = tables.object_array_of(["n3", "n499", "missing", "n250", "n3"])
    assert index.positions(wanted).tolist() == [3, 499, -1, 250, 3]
    index.extend(tables.object_array_of(["late", "n500"]))  # appending forgets the sorted hashes
    assert index.positions(tables.object_array_of(["n500", "late", "n0"])).tolist() == [501, 500, 0]
    assert index._rows is None
    assert index.positions(wanted).tolist() == [index.mapping.get(v, -1) for v in wanted]
