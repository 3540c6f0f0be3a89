"""Bulk loading from DataFrames and NumPy columns: the same model as the builder makes,
the same checks, errors naming the row."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import datareach as dr


def bulk_example() -> dr.Model:
    """The example of docs/design.md §3 again, every section added as one frame."""
    m = dr.Model("US user data, autumn 2021")
    m.add_source("buzzfeed-2022", title="Leaked audio from 80 internal TikTok meetings", date="2022-06-17")
    m.add_events(pd.DataFrame({"id": ["insider-complies"], "p": [0.8]}))
    m.add_nodes(
        pd.DataFrame(
            {
                "id": ["CN", "beijing_master_admin", "tiktok_virginia", "singapore_backup"],
                "kind": ["jurisdiction", "role", "store", "store"],
                "region": [None, "CN/Beijing", "US/VA", "SG"],
                "territory": ["CN", None, None, None],
                "compels": [0.9, np.nan, np.nan, np.nan],
            }
        )
    )
    m.add_classes(
        {  # a mapping of columns works as well as a DataFrame
            "id": np.array(["profile", "public_videos", "comments"])[[1, 2, 0]],
            "sensitivity": np.array([1, 1, 6]),
            "records": np.full(3, 1.5e8),
            "components": [None, None, ["public_videos", "comments"]],
        }
    )
    m.add_placements(pd.DataFrame({"class": ["public_videos", "comments"], "store": "tiktok_virginia"}))
    m.add_flows(pd.DataFrame({"from": ["tiktok_virginia"], "to": ["singapore_backup"], "kind": ["backup"]}))
    m.add_arcs(
        pd.DataFrame(
            {
                "from": ["beijing_master_admin"],
                "to": ["tiktok_virginia"],
                "p": [0.95],
                "kind": ["admin"],
                "requires": [("insider-complies",)],
                "window_start": pd.to_datetime(["2021-09-01"]),
                "window_end": [np.datetime64("2022-02-01")],
                "source": ["buzzfeed-2022"],
            }
        )
    )
    m.adversaries = ["CN"]
    return m


def test_bulk_equals_builder(example: dr.Model) -> None:
    assert bulk_example() == example


def test_tables_feed_back_into_bulk_loading(example: dr.Model) -> None:
    m = example
    clone = dr.Model(m.name)
    clone.add_source("buzzfeed-2022", **m.sources["buzzfeed-2022"])
    clone.add_events(m.events)
    clone.add_nodes(m.nodes)
    clone.add_classes(m.classes)
    clone.add_placements(m.placements)
    clone.add_flows(m.flows)
    clone.add_arcs(m.access)
    clone.adversaries = m.adversaries
    assert clone == m


def test_pandas_string_and_nullable_dtypes() -> None:
    m = dr.Model().add_nodes(pd.DataFrame({"id": pd.array(["a", "s"], dtype="string"), "kind": ["role", "store"]}))
    m.add_arcs(
        pd.DataFrame(
            {
                "from": pd.Categorical(["a", "a"]),
                "to": ["s", "s"],
                "p": pd.array([0.5, 1], dtype="Float64"),
                "cost": pd.array([2, None], dtype="Int64"),  # NA: the default cost
            }
        )
    )
    assert m.access["cost"].tolist() == [2.0, 1.0]
    assert [type(i) for i in m.node_ids] == [str, str]


def test_missing_values_take_defaults_but_required_ones_fail() -> None:
    m = dr.Model().add_node("a", "role").add_node("s", "store")
    m.add_arcs({"from": ["a", "a"], "to": ["s", "s"], "p": [0.5, 0.5], "cost": [np.nan, 3.0]})
    assert m.access["cost"].tolist() == [1.0, 3.0]
    with pytest.raises(dr.ModelError, match=r"access\[3\]\.p: is required"):
        m.add_arcs({"from": ["a", "a"], "to": ["s", "s"], "p": [0.5, np.nan]})
    assert len(m.access) == 2  # the whole refused frame is not added


@pytest.fixture
def grid() -> dr.Model:
    ids = np.array([f"n{i}" for i in range(100)], dtype=object)
    kinds = np.where(np.arange(100) % 2 == 0, "store", "role")
    return dr.Model().add_nodes(pd.DataFrame({"id": ids, "kind": kinds}))


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("to", "n1000", "access[57].to: unknown node 'n1000' (did you mean 'n10'?)"),
        ("p", 1.5, "access[57].p: must lie in [0, 1], got 1.5"),
        ("p", -np.inf, "access[57].p: must be a finite number, got -inf"),
        ("cost", 0.0, "access[57].cost: must be greater than 0, got 0"),
        ("kind", 5, "access[57].kind: must be a string, got 5"),
        # Text is a list cell ("a; b", docs/scenario-format.md "Spreadsheets"): "all" names a class.
        ("classes", "all", "access[57].classes: unknown class 'all'"),
        ("classes", 5, "access[57].classes: must be a list of class ids, got 5"),
        ("classes", "a; ; b", "access[57].classes: item 2 of the list is empty"),
        ("requires", ["e"], "access[57].requires: unknown event 'e'"),
        ("window_start", "2021-02-30", "access[57].window[0]: must be a date"),
    ],
)
def test_bulk_errors_name_the_row(grid: dr.Model, column: str, value: object, expected: str) -> None:
    n = 100
    frame = pd.DataFrame({"from": [f"n{i}" for i in range(n)], "to": [f"n{(i + 1) % n}" for i in range(n)], "p": 0.5})
    values = frame[column].tolist() if column in frame else [None] * n
    values[57] = value
    frame[column] = pd.Series(values, dtype=object)
    with pytest.raises(dr.ModelError) as error:
        grid.add_arcs(frame)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"from": ["n0"], "to": ["n1"], "p": [0.5], "shre": [1]}, "access.shre: unknown column"),
        (
            {"from": ["n0"], "to": ["n1"], "p": [0.5], "window": [None]},
            "access.window: unknown column (did you mean 'window_end'?)",
        ),
        ({"from": ["n0"], "to": ["n1"]}, "access.p: missing required column"),
        (
            {"from": ["n0"], "to": ["n1", "n2"], "p": [0.5]},
            "access: columns have different lengths",
        ),
        (
            {"from": np.zeros((1, 2)), "to": ["n1"], "p": [0.5]},
            "access.from: must be one-dimensional",
        ),
        ({"from": [0], "to": ["n1"], "p": [0.5]}, "access[0].from: must be a string, got 0"),
        (
            {"from": ["n0"], "to": ["n1"], "p": [True]},
            "access[0].p: must be a number, got true",
        ),
        (
            {"from": ["n0"], "to": ["n1"], "p": ["0.5"]},
            "access[0].p: must be a number, got '0.5'",
        ),
        ([("n0", "n1", 0.5)], "access: must be a DataFrame or a mapping"),
    ],
)
def test_bulk_frame_errors(grid: dr.Model, frame: object, expected: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        grid.add_arcs(frame)  # type: ignore[arg-type]
    assert expected in str(error.value)


def test_integer_ids_are_refused() -> None:
    with pytest.raises(dr.ModelError, match=r"nodes\[0\]\.id: must be a string, got 0"):
        dr.Model().add_nodes(pd.DataFrame({"id": np.arange(3), "kind": "role"}))


def test_bulk_classes_may_name_classes_of_the_same_frame() -> None:
    m = dr.Model().add_classes({"id": ["whole", "part", "a", "b"], "components": [["part", "b"], ["a"], None, None]})
    assert m.classes["components"].tolist() == [("part", "b"), ("a",), None, None]
    with pytest.raises(dr.ModelError, match=r"classes\[1\]\.components: cycle y → x → y"):
        dr.Model().add_classes({"id": ["x", "y"], "components": [["y"], ["x"]]})


def test_bulk_duplicates() -> None:
    with pytest.raises(dr.ModelError, match=r"nodes\[2\]\.id: duplicate id 'a' \(also nodes\[0\]\)"):
        dr.Model().add_nodes({"id": ["a", "b", "a"], "kind": ["role"] * 3})
    m = dr.Model().add_nodes({"id": ["a"], "kind": ["role"]})
    with pytest.raises(dr.ModelError, match=r"nodes\[2\]\.id: duplicate id 'a' \(also nodes\[0\]\)"):
        m.add_nodes({"id": ["b", "a"], "kind": ["role"] * 2})


def test_million_arcs_load_without_a_python_loop_per_row() -> None:
    rng = np.random.default_rng(7)
    n_nodes, n_arcs = 10_000, 1_000_000
    ids = np.array([f"node{i}" for i in range(n_nodes)], dtype=object)
    m = dr.Model().add_nodes({"id": ids, "kind": np.full(n_nodes, "role")})
    arcs = pd.DataFrame(
        {
            "from": ids[rng.integers(0, n_nodes, n_arcs)],
            "to": ids[rng.integers(0, n_nodes, n_arcs)],
            "p": rng.random(n_arcs),
            "kind": np.where(rng.random(n_arcs) < 0.5, "read", "admin"),
        }
    )
    start = time.perf_counter()
    m.add_arcs(arcs)
    elapsed = time.perf_counter() - start
    assert len(m.access) == n_arcs
    # About half a second on a laptop; a Python loop per row would take tens of seconds.
    assert elapsed < 10, f"add_arcs took {elapsed:.1f} s for 1e6 arcs"
