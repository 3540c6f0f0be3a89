"""Lowering to the arrays of the core's ModelData (cpp/include/datareach/model_data.hpp).

These tests check the arrays themselves; feeding them to the compiled core is tested with
the bindings.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import datareach as dr
from datareach.dates import OPEN_END, OPEN_START
from datareach.model.lowering import NODE_KIND_CODES, lower

# Every field of ModelData; RaggedIndex fields split in offsets and values, Window fields
# in start and end.
EXPECTED = {
    "region_names": list,
    "region_parent": np.int32,
    "node_kind": np.int8,
    "node_region": np.int32,
    "node_territory": np.int32,
    "node_compels": np.float64,
    "class_sensitivity": np.float64,
    "class_records": np.float64,
    "class_components_offsets": np.int32,
    "class_components_values": np.int32,
    "event_p": np.float64,
    "placement_class": np.int32,
    "placement_store": np.int32,
    "placement_share": np.float64,
    "placement_window_start": np.int32,
    "placement_window_end": np.int32,
    "flow_from": np.int32,
    "flow_to": np.int32,
    "flow_share": np.float64,
    "flow_window_start": np.int32,
    "flow_window_end": np.int32,
    "flow_classes_offsets": np.int32,
    "flow_classes_values": np.int32,
    "arc_from": np.int32,
    "arc_to": np.int32,
    "arc_p": np.float64,
    "arc_cost": np.float64,
    "arc_window_start": np.int32,
    "arc_window_end": np.int32,
    "arc_classes_offsets": np.int32,
    "arc_classes_values": np.int32,
    "arc_requires_offsets": np.int32,
    "arc_requires_values": np.int32,
    "node_key": np.uint64,
    "event_key": np.uint64,
    "arc_key": np.uint64,
}


def assert_arrays(actual: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_array_equal(actual, np.array(expected, dtype=actual.dtype))


def test_keys_and_dtypes(example: dr.Model) -> None:
    data = lower(example)
    assert set(data) == set(EXPECTED)
    for key, kind in EXPECTED.items():
        if kind is list:
            assert isinstance(data[key], list)
        else:
            assert data[key].dtype == kind, key
            assert data[key].ndim == 1 and data[key].flags.c_contiguous, key


def test_example_lowered(example: dr.Model) -> None:
    data = lower(example)
    assert data["region_names"] == ["CN", "CN/Beijing", "SG", "US", "US/VA"]
    assert_arrays(data["region_parent"], [-1, 0, -1, -1, 3])
    assert_arrays(data["node_kind"], [0, 2, 3, 3])
    assert_arrays(data["node_region"], [-1, 1, 4, 2])
    assert_arrays(data["node_territory"], [0, -1, -1, -1])
    assert_arrays(data["node_compels"], [0.9, np.nan, np.nan, np.nan])
    assert_arrays(data["class_sensitivity"], [1, 1, 6])
    assert_arrays(data["class_records"], [1.5e8] * 3)
    assert_arrays(data["class_components_offsets"], [0, 0, 0, 2])
    assert_arrays(data["class_components_values"], [0, 1])
    assert_arrays(data["event_p"], [0.8])
    assert_arrays(data["placement_class"], [0, 1])
    assert_arrays(data["placement_store"], [2, 2])
    assert_arrays(data["placement_share"], [1, 1])
    assert_arrays(data["placement_window_start"], [OPEN_START] * 2)
    assert_arrays(data["placement_window_end"], [OPEN_END] * 2)
    assert_arrays(data["flow_from"], [2])
    assert_arrays(data["flow_to"], [3])
    assert_arrays(data["flow_classes_offsets"], [0, 0])
    assert_arrays(data["flow_classes_values"], [])
    assert_arrays(data["arc_from"], [1])
    assert_arrays(data["arc_to"], [2])
    assert_arrays(data["arc_p"], [0.95])
    assert_arrays(data["arc_cost"], [1])
    assert_arrays(data["arc_window_start"], [18871])  # 2021-09-01
    assert_arrays(data["arc_window_end"], [19024])  # 2022-02-01
    assert_arrays(data["arc_classes_offsets"], [0, 0])
    assert_arrays(data["arc_requires_offsets"], [0, 1])
    assert_arrays(data["arc_requires_values"], [0])


def test_node_kind_codes_match_the_core() -> None:
    assert NODE_KIND_CODES == {
        "jurisdiction": 0,
        "organization": 1,
        "role": 2,
        "store": 3,
        "gateway": 4,
    }


def test_filters_windows_and_region_ancestors() -> None:
    m = dr.Model()
    m.add_event("e1", 0.5).add_event("e2", 0.5)
    m.add_node("EU", "jurisdiction", territory="EU/DE", compels=1.0)
    m.add_node("a", "role", region="EU/DE/Berlin/Mitte")
    m.add_node("s", "store", region="EU/FR").add_node("t", "store")
    m.add_class("x").add_class("y").add_class("xy", components=["x", "y"])
    m.add_flow("s", "t", classes=["y"], window=("2020-01-01", None))
    m.add_access("a", "s", classes=["xy"], requires=["e2", "e1"], window=(None, "1969-12-31"))
    m.add_access("a", "t")
    m.add_access("s", "t", classes=["x", "y"])
    data = lower(m)
    assert data["region_names"] == ["EU", "EU/DE", "EU/DE/Berlin", "EU/DE/Berlin/Mitte", "EU/FR"]
    assert_arrays(data["region_parent"], [-1, 0, 1, 2, 0])
    assert_arrays(data["node_region"], [-1, 3, 4, -1])
    assert_arrays(data["node_territory"], [1, -1, -1, -1])
    assert_arrays(data["flow_classes_offsets"], [0, 1])
    assert_arrays(data["flow_classes_values"], [1])
    assert_arrays(data["flow_window_start"], [18262])
    assert_arrays(data["flow_window_end"], [OPEN_END])
    # A composite in a filter stays one class index: the core flattens it.
    assert_arrays(data["arc_classes_offsets"], [0, 1, 1, 3])
    assert_arrays(data["arc_classes_values"], [2, 0, 1])
    assert_arrays(data["arc_requires_offsets"], [0, 2, 2, 2])
    assert_arrays(data["arc_requires_values"], [1, 0])
    assert_arrays(data["arc_window_start"], [OPEN_START, OPEN_START, OPEN_START])
    assert_arrays(data["arc_window_end"], [-1, OPEN_END, OPEN_END])


def test_empty_model() -> None:
    data = lower(dr.Model())
    assert data["region_names"] == []
    for key, kind in EXPECTED.items():
        if key.endswith("_offsets"):
            assert_arrays(data[key], [0])
        elif kind is not list:
            assert len(data[key]) == 0, key


def test_million_arcs_lower_in_seconds() -> None:
    rng = np.random.default_rng(3)
    n_nodes, n_arcs = 10_000, 1_000_000
    ids = np.array([f"node{i}" for i in range(n_nodes)], dtype=object)
    m = dr.Model().add_nodes({"id": ids, "kind": np.full(n_nodes, "store"), "region": np.full(n_nodes, "US/VA")})
    m.add_arcs(
        pd.DataFrame(
            {
                "from": ids[rng.integers(0, n_nodes, n_arcs)],
                "to": ids[rng.integers(0, n_nodes, n_arcs)],
                "p": rng.random(n_arcs),
            }
        )
    )
    start = time.perf_counter()
    data = lower(m)
    elapsed = time.perf_counter() - start
    assert len(data["arc_from"]) == n_arcs
    assert len(data["arc_classes_offsets"]) == n_arcs + 1
    # About 0.2 s on a laptop.
    assert elapsed < 5, f"lowering 1e6 arcs took {elapsed:.1f} s"


def test_region_names_follow_every_change_of_the_nodes() -> None:
    # region_names is cached per revision; a node added, a model derived or a model lowered
    # in between must never leave a stale list behind.
    m = dr.Model().add_node("a", "role", region="US/VA")
    assert m.region_names == ["US", "US/VA"]
    m.region_names.append("mutated")  # a copy: the cache is not the caller's list
    assert m.region_names == ["US", "US/VA"]
    assert lower(m)["region_names"] == ["US", "US/VA"]
    m.add_node("b", "jurisdiction", territory="CN/Beijing", compels=1.0)
    assert m.region_names == ["CN", "CN/Beijing", "US", "US/VA"]
    assert lower(m)["region_names"] == m.region_names
    derived = m.apply([{"op": "relocate", "node": "a", "region": "SG"}])
    assert derived.region_names == ["CN", "CN/Beijing", "SG"]
    assert m.region_names == ["CN", "CN/Beijing", "US", "US/VA"]
