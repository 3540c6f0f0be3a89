"""The bulk path of large frames (docs/design.md §8, decision 53): string columns hashed
once, references resolved in one look-up, categorical columns checked per category, ids
checked as one text, the rows references name kept by the tables for lowering. Every
check still names the entry and field of the first bad row, and a model built this way
is the model the per-entry path builds, lowered to the same arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import datareach as dr
from datareach import _core
from datareach.model.lowering import lower

N = 100_000  # rows of the frames below: far above every small-batch shortcut
K = 61_803  # the bad row


@pytest.fixture(scope="module")
def nodes() -> pd.DataFrame:
    ids = np.array([f"n{i}" for i in range(N)], dtype=object)
    return pd.DataFrame({"id": ids, "kind": np.where(np.arange(N) % 2 == 0, "store", "role").astype(object)})


@pytest.fixture(scope="module")
def base(nodes: pd.DataFrame) -> dr.Model:
    m = dr.Model().add_nodes(nodes)
    m.add_events(pd.DataFrame({"id": [f"e{i}" for i in range(50)], "p": 0.5}))
    m.add_classes(pd.DataFrame({"id": ["a", "b", "c"]}))
    return m


def cells(items: list[tuple[str, ...]]) -> np.ndarray:
    """An object array of tuples (one element each, not a second axis)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def arcs_frame(rng: np.random.Generator, n: int = N) -> pd.DataFrame:
    ids = np.array([f"n{i}" for i in range(N)], dtype=object)
    events = np.array([f"e{i}" for i in range(50)], dtype=object)
    requires = np.full(n, None, dtype=object)
    some = rng.random(n) < 0.3
    requires[some] = cells([(str(e),) for e in events[rng.integers(0, 50, int(some.sum()))]])
    two = np.flatnonzero(rng.random(n) < 0.05)
    requires[two] = cells([("e1", "e2")] * len(two))
    classes = np.full(n, None, dtype=object)
    filtered = np.flatnonzero(rng.random(n) < 0.2)
    classes[filtered] = cells([("a", "c")] * len(filtered))
    return pd.DataFrame(
        {
            "from": ids[rng.integers(0, N, n)],
            "to": ids[rng.integers(0, N, n)],
            "p": np.round(rng.random(n), 3),
            "kind": np.where(rng.random(n) < 0.5, "read", "admin").astype(object),
            "requires": requires,
            "classes": classes,
        }
    )


def with_value(frame: pd.DataFrame, column: str, value: object, row: int = K) -> pd.DataFrame:
    frame = frame.copy()
    values = frame[column].to_numpy(dtype=object).copy() if column in frame else np.full(len(frame), None, object)
    values[row] = value
    frame[column] = pd.Series(values, dtype=object)
    return frame


def categorical(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        frame[column] = pd.Categorical(frame[column])
    return frame


def error_of(model: dr.Model, section: str, frame: pd.DataFrame) -> str:
    with pytest.raises(dr.ModelError) as error:
        getattr(model, {"access": "add_arcs", "nodes": "add_nodes"}[section])(frame)
    return str(error.value)


# -- the model built in bulk is the model built entry by entry --------------------------


def test_bulk_model_equals_the_entry_by_entry_model_and_lowers_the_same(base: dr.Model) -> None:
    rng = np.random.default_rng(3)
    frame = arcs_frame(rng)
    bulk = base.copy().add_arcs(frame)
    # The same arcs through the per-entry path (a scenario mapping) and as categoricals.
    entries = dr.Model.from_dict(bulk.to_dict())
    interned = base.copy().add_arcs(categorical(frame, "from", "to", "kind"))
    assert bulk == entries == interned
    # Lowering reads the rows validation recorded; a copy (tables rebuilt from columns)
    # looks every id up again: the same arrays.
    for model in (bulk, interned):
        lowered, again = lower(model), lower(model.copy())
        assert set(lowered) == set(again)
        for key, value in lowered.items():
            np.testing.assert_array_equal(np.asarray(value), np.asarray(again[key]), err_msg=key)
    table = bulk.access
    assert (
        table["requires"].iloc[int(np.flatnonzero(frame["requires"].notna())[0])] == frame["requires"].dropna().iloc[0]
    )
    assert table["classes"].dropna().map(type).eq(tuple).all()
    assert table["from"].tolist() == frame["from"].tolist()


def _unmade(model: dr.Model, section: str) -> set[str]:
    """The reference columns a table still holds as rows (decision 58)."""
    from datareach.model.tables import RefColumn

    table = model._tables[section]
    return {name for chunk in table._chunks for name, values in chunk.items() if isinstance(values, RefColumn)}


def test_reference_columns_are_made_only_when_read(base: dr.Model) -> None:
    """A bulk batch's references to another table are kept as the rows they name: building,
    compiling and running never make the object column; reading it gives the ids the frame
    gave, in random order as in order, the same as a model built entry by entry."""
    rng = np.random.default_rng(12)
    frame = arcs_frame(rng, 5_000)
    m = base.copy().add_arcs(frame)
    assert _unmade(m, "access") == {"from", "to"}
    m.add_placements(pd.DataFrame({"class": ["a", "b"], "store": ["n0", "n2"]}))
    m.adversaries = ["n1", "n3"]
    result = dr.analyze(m, samples=256, seed=1)
    assert len(result.table) == 6  # 2 adversaries × 3 classes
    assert _unmade(m, "access") == {"from", "to"}  # lowering and the run read the rows only
    assert m._column("access", "from").tolist() == frame["from"].tolist()
    assert _unmade(m, "access") == {"to"}  # the column read is made, and kept
    assert m.access["to"].tolist() == frame["to"].tolist()
    assert not _unmade(m, "access")
    assert m == dr.Model.from_dict(m.to_dict())


@pytest.mark.parametrize("second", ["bulk", "entry"])
def test_reference_columns_of_several_batches_join(base: dr.Model, second: str) -> None:
    rng = np.random.default_rng(13)
    first, other = arcs_frame(rng, 3_000), arcs_frame(rng, 3_000)
    m = base.copy().add_arcs(first)
    if second == "bulk":
        m.add_arcs(other)
    else:
        for row in other.head(5).itertuples():
            m.add_access(row[1], row[2], p=row.p)
        other = other.head(5)
    lowered = lower(m)  # the rows of both batches, joined without making the columns
    assert _unmade(m, "access") == ({"from", "to"} if second == "bulk" else set())
    expected_from = first["from"].tolist() + other["from"].tolist()
    assert m.access["from"].tolist() == expected_from
    assert m.node_ids and [m.node_ids[i] for i in lowered["arc_from"]] == expected_from
    assert m == dr.Model.from_dict(m.to_dict())
    # A store named in a bad placement is quoted from the rows the batch resolved.
    placements = pd.DataFrame({"class": ["a"] * 40, "store": [f"n{2 * i}" for i in range(40)]})
    placements.loc[33, "store"] = "n7"
    with pytest.raises(dr.ModelError, match=r"placements\[33\]\.store: 'n7' is a role, not a store"):
        m.copy().add_placements(placements)


def test_list_cells_as_lists_and_text_give_canonical_tuples(base: dr.Model) -> None:
    rng = np.random.default_rng(5)
    frame = arcs_frame(rng, 2_000)
    as_lists = frame.copy()
    as_lists["requires"] = [None if r is None else list(r) for r in frame["requires"]]
    as_text = frame.copy()
    as_text["classes"] = [None if c is None else "; ".join(c) for c in frame["classes"]]
    models = [base.copy().add_arcs(f) for f in (frame, as_lists, as_text)]
    assert models[0] == models[1] == models[2]
    for model in models:
        for column in ("requires", "classes"):
            cells = model.access[column].dropna()
            assert cells.map(lambda c: type(c) is tuple and all(type(x) is str for x in c)).all()


def test_left_out_fields_read_and_change_like_given_ones(base: dr.Model) -> None:
    m = base.copy().add_arcs(arcs_frame(np.random.default_rng(2), 1_000))
    access = m.access
    assert access["window_start"].isna().all() and access["note"].isna().all()
    assert (access["cost"] == 1.0).all() and access["p_range_low"].isna().all()
    access.loc[0, "note"] = "edited"  # the user's copy: the model is untouched
    assert m.access["note"].isna().all()
    # A dated change writes windows and p into columns the frame left out (copies of them).
    first = m.access.iloc[0]
    changed = m.apply([dr.changes.set_p(first["from"], first["to"], 0.25, effective="2023-01-01")])
    rows = changed.access[(changed.access["from"] == first["from"]) & (changed.access["to"] == first["to"])]
    assert sorted(rows["p"].tolist()) == sorted([0.25, float(first["p"])] * (len(rows) // 2))
    assert rows["window_end"].notna().any() and rows["window_start"].notna().any()
    assert m.access["window_start"].isna().all()  # the base is unchanged
    assert dr.Model.from_dict(m.to_dict()) == m


def test_single_entries_after_a_bulk_build(base: dr.Model) -> None:
    m = base.copy()
    m.add_access(f"n{N - 1}", "n0", p=0.5, requires=["e3"])
    assert m.access["from"].tolist() == [f"n{N - 1}"]
    with pytest.raises(dr.ModelError, match=r"access\[1\]\.to: unknown node 'n100000'"):
        m.add_access("n0", f"n{N}", p=0.5)
    assert m.node_index[f"n{N - 1}"] == N - 1
    assert "n5" in m.node_index and "x" not in m.node_index


# -- errors on the bulk path name the entry and the field --------------------------------


@pytest.mark.parametrize("interned", [False, True], ids=["object", "categorical"])
@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("from", "n100000", "unknown node 'n100000' (did you mean"),
        ("to", "nope", "unknown node 'nope'"),
        ("from", None, "is required"),
        ("to", 7, "must be a string, got 7"),
        ("kind", 5, "must be a string, got 5"),
        ("kind", "read ", "must not start or end with spaces"),
    ],
)
def test_reference_and_name_errors(base: dr.Model, column: str, value: object, expected: str, interned: bool) -> None:
    frame = with_value(arcs_frame(np.random.default_rng(1)), column, value)
    if interned and column in ("from", "to", "kind") and value is not None and isinstance(value, str):
        frame = categorical(frame, column)
    message = error_of(base.copy(), "access", frame)
    assert message.startswith(f"access[{K}].{column}: "), message
    assert expected in message


def test_a_non_string_is_reported_before_a_later_unknown_id(base: dr.Model) -> None:
    frame = with_value(with_value(arcs_frame(np.random.default_rng(1)), "to", "nope", K), "to", 3.5, K + 10)
    assert error_of(base.copy(), "access", frame).startswith(f"access[{K + 10}].to: must be a string")
    frame = with_value(arcs_frame(np.random.default_rng(1)), "to", ["n1"], K)  # unhashable
    assert error_of(base.copy(), "access", frame).startswith(f"access[{K}].to: must be a string, got a list")


def test_an_unused_unknown_category_is_no_error(base: dr.Model) -> None:
    frame = arcs_frame(np.random.default_rng(4), 5_000)
    frame["to"] = pd.Categorical(frame["to"], categories=[*pd.unique(frame["to"]), "never-used"])
    m = base.copy().add_arcs(frame)
    assert m.access["to"].tolist() == frame["to"].astype(object).tolist()


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("requires", ("e1", "nope"), "unknown event 'nope'"),
        ("requires", ("e1", "e1"), "names 'e1' twice"),
        ("requires", ("e1", "e2", "e1"), "names 'e1' twice"),
        ("requires", 5, "must be a list of event ids, got 5"),
        ("classes", (), "must name at least one class"),
        ("classes", ("a", "zz"), "unknown class 'zz'"),
    ],
)
def test_list_errors(base: dr.Model, column: str, value: object, expected: str) -> None:
    frame = with_value(arcs_frame(np.random.default_rng(6)), column, value)
    message = error_of(base.copy(), "access", frame)
    assert message.startswith(f"access[{K}].{column}: "), message
    assert expected in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("n7", "duplicate id 'n7' (also nodes[7])"),
        ("", "must not be empty"),
        (" x", "must not start or end with spaces"),
        ("x\ty", "must be printable text"),
        ("x\x00y", "must be printable text"),
        ("e\u0301", "must be in Unicode normal form NFC"),
        (5, "must be a string, got 5"),
        (None, "is required"),
    ],
)
def test_id_errors(nodes: pd.DataFrame, value: object, expected: str) -> None:
    frame = with_value(nodes, "id", value)
    message = error_of(dr.Model(), "nodes", frame)
    assert message.startswith(f"nodes[{K}].id: "), message
    assert expected in message


def test_valid_unusual_ids_pass_the_joined_check() -> None:
    ids = np.array(["é", "a b", "x/y", "日本", "\\;", "a;b"] + [f"n{i}" for i in range(100)], dtype=object)
    m = dr.Model().add_nodes(pd.DataFrame({"id": ids, "kind": "role"}))
    assert m.node_ids == ids.tolist()


def test_ids_new_to_the_table_are_checked_against_it(nodes: pd.DataFrame) -> None:
    m = dr.Model().add_nodes(nodes)
    again = pd.DataFrame({"id": [f"m{i}" for i in range(1_000)] + ["n42"], "kind": "role"})
    assert error_of(m, "nodes", again).startswith(f"nodes[{N + 1_000}].id: duplicate id 'n42' (also nodes[42])")


# -- arc keys ranked in the core: the reference computation ------------------------------


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    u = np.uint64
    z = a * u(0x9E3779B97F4A7C15) + b + u(0x632BE59BD9B4E019)
    z = (z ^ (z >> u(30))) * u(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> u(27))) * u(0x94D049BB133111EB)
    result: np.ndarray = z ^ (z >> u(31))
    return result


def reference_arc_keys(node_key: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """mix(pair, rank of the arc among the earlier arcs of its pair), one arc at a time."""
    pair = _mix(node_key[sources], node_key[targets])
    seen: dict[int, int] = {}
    rank = np.zeros(len(pair), dtype=np.uint64)
    for i, p in enumerate(pair.tolist()):
        rank[i] = seen.get(p, 0)
        seen[p] = int(rank[i]) + 1
    return _mix(pair, rank)


def test_arc_keys_of_the_core_match_the_reference() -> None:
    rng = np.random.default_rng(11)
    node_key = rng.integers(0, 2**63, 300, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    sources = rng.integers(0, 300, 20_000).astype(np.int32)
    targets = rng.integers(0, 30, 20_000).astype(np.int32)  # many parallel arcs
    np.testing.assert_array_equal(
        _core.arc_keys(node_key, sources, targets), reference_arc_keys(node_key, sources, targets)
    )
    assert len(np.unique(_core.arc_keys(node_key, sources, targets))) == 20_000
    with pytest.raises(dr.ModelError, match=r"access\[1\]\.to: no node #300"):
        _core.arc_keys(node_key, np.array([0, 1], np.int32), np.array([0, 300], np.int32))


def test_lowered_keys_are_the_hashes_of_the_ids(base: dr.Model) -> None:
    m = base.copy().add_arcs(arcs_frame(np.random.default_rng(8), 3_000))
    data = lower(m)
    expected = pd.util.hash_array(np.asarray(m.node_ids, dtype=object)).astype(np.uint64)
    np.testing.assert_array_equal(data["node_key"], expected)
    np.testing.assert_array_equal(data["arc_key"], reference_arc_keys(expected, data["arc_from"], data["arc_to"]))


@pytest.mark.parametrize("categories", [100, 300, 40_000])  # pandas codes: int8, int16, int32
def test_categorical_codes_of_every_width_give_the_model_of_strings(categories: int) -> None:
    rng = np.random.default_rng(categories)
    ids = np.array([f"n{i}" for i in range(categories)], dtype=object)
    nodes = pd.DataFrame({"id": ids, "kind": np.where(np.arange(categories) % 5 == 0, "store", "role")})
    rows = 2_000
    frame = pd.DataFrame(
        {
            "from": ids[rng.integers(0, categories, rows)],
            "to": ids[rng.integers(0, categories, rows)],
            "p": rng.uniform(0.1, 1.0, rows),
        }
    )
    frame["from"] = frame["from"].where(frame["from"] != frame["to"], ids[0])
    frame["to"] = frame["to"].where(frame["from"] != frame["to"], ids[1])
    coded = frame.copy()
    for column in ("from", "to"):
        coded[column] = pd.Categorical(frame[column], categories=ids)  # every id a category, most unused
    assert coded["from"].cat.codes.dtype.itemsize == {100: 1, 300: 2, 40_000: 4}[categories]
    plain = dr.Model().add_nodes(nodes).add_arcs(frame)
    interned = dr.Model().add_nodes(nodes).add_arcs(coded)
    assert plain == interned
    np.testing.assert_array_equal(lower(plain)["arc_to"], lower(interned)["arc_to"])
    np.testing.assert_array_equal(lower(plain)["arc_from"], lower(interned)["arc_from"])
