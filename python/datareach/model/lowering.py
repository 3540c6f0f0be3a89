"""The bridge from a :class:`~datareach.model.Model` to the compiled core: lowering to the
arrays of the C++ ``ModelData``, compilation as of a date (both cached on the model), and
the translation of ids in requests (adversaries, classes) into core indices.

:func:`lower` gives the contract of ``cpp/include/datareach/model_data.hpp`` in NumPy
form: one key per ``ModelData`` field, ids replaced by row indices. A ``RaggedIndex``
field ``f`` is split into ``f_offsets`` (int32, rows + 1) and ``f_values`` (int32); a
``Window`` field ``w`` into ``w_start`` / ``w_end`` (int32 days since 1970-01-01, an open
side as INT32_MIN / INT32_MAX). Every step is an array operation or a loop over distinct
values (regions), never a Python loop over rows: ten million arcs lower in seconds.

Composite classes named in class filters stay class indices; the core flattens them.

``node_rule_exempt`` (uint8 per node, 1: no jurisdiction rule reaches the node) is present
only when some node is exempt, so that models without one lower exactly as before. Likewise
``arc_cost`` is present only when some access row gives a cost (else every cost is 1) and
``arc_window_start`` / ``arc_window_end`` only when some row gives a window (else every arc
is always present): the core then keeps no column of them per arc.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..dates import OPEN_END, OPEN_START, dates_to_days, to_day
from ..errors import ModelError, describe, did_you_mean, quote
from .fields import NODE_KINDS
from .model import Model
from .tables import list_offsets, object_array_of

if TYPE_CHECKING:
    from .. import _core

__all__ = [
    "NODE_KIND_CODES",
    "adversary_indices",
    "class_index",
    "compile_model",
    "core_model",
    "lower",
]

# NodeKind codes of the core, by kind name.
NODE_KIND_CODES: dict[str, int] = {kind: code for code, kind in enumerate(NODE_KINDS)}


def lower(model: Model) -> dict[str, Any]:
    """The arrays of ``ModelData`` for ``model`` (see the module docstring for the keys)."""
    column = model._column
    out: dict[str, Any] = {}

    region_names = model.region_names
    region_index = pd.Index(region_names, dtype=object)
    out["region_names"] = region_names
    out["region_parent"] = _indices(
        region_index, np.array([name.rpartition("/")[0] for name in region_names], dtype=object)
    )

    out["node_kind"] = _indices(pd.Index(NODE_KINDS, dtype=object), column("nodes", "kind"), np.int8)
    out["node_region"] = _indices(region_index, column("nodes", "region"))
    out["node_territory"] = _indices(region_index, column("nodes", "territory"))
    out["node_compels"] = _floats(column("nodes", "compels"))
    # Optional, like the keys: only a model with a rule-exempt node (what-if `disable`)
    # carries it; absent means no node is exempt.
    exempt = column("nodes", "rule_exempt")
    if exempt.any():
        out["node_rule_exempt"] = exempt.astype(np.uint8)

    out["class_sensitivity"] = _floats(column("classes", "sensitivity"))
    out["class_records"] = _floats(column("classes", "records"))
    _ragged(out, "class_components", model, "classes", "components", "classes")

    out["event_p"] = _floats(column("events", "p"))

    out["placement_class"] = _rows(model, "placements", "class", "classes")
    out["placement_store"] = _rows(model, "placements", "store", "nodes")
    out["placement_share"] = _floats(column("placements", "share"))
    _window(out, "placement_window", model, "placements")

    out["flow_from"] = _rows(model, "flows", "from", "nodes")
    out["flow_to"] = _rows(model, "flows", "to", "nodes")
    out["flow_share"] = _floats(column("flows", "share"))
    _window(out, "flow_window", model, "flows")
    _ragged(out, "flow_classes", model, "flows", "classes", "classes")

    out["arc_from"] = _rows(model, "access", "from", "nodes")
    out["arc_to"] = _rows(model, "access", "to", "nodes")
    out["arc_p"] = _floats(column("access", "p"))
    # Optional too: a column no row gives (every cost 1, every arc always present) is left
    # out rather than lowered to a value per row (8 bytes per arc each, kept with the core's
    # tables).
    cost = column("access", "cost")
    if not _left_out(cost, 1.0):
        out["arc_cost"] = _floats(cost)
    if not (_left_out(column("access", "window_start")) and _left_out(column("access", "window_end"))):
        _window(out, "arc_window", model, "access")
    _ragged(out, "arc_classes", model, "access", "classes", "classes")
    _ragged(out, "arc_requires", model, "access", "requires", "events")

    out["node_key"] = _id_keys(model, "nodes")
    out["event_key"] = _id_keys(model, "events")
    from .. import _core  # lazily, as in core_model: the keys are ranked in the core

    out["arc_key"] = _core.arc_keys(out["node_key"], out["arc_from"], out["arc_to"])
    return out


# Stable identities of random variables (ModelData::arc_key): a key depends on ids, not on
# row positions, so a variant that adds or removes other arcs leaves each shared arc's coins
# unchanged in every world (common random numbers). Node and event keys are the hashes of
# their ids (tables.id_hashes); an arc's key mixes its nodes' keys and its rank among the
# arcs between the same two nodes (datareach::arc_keys_from_nodes).


def _id_keys(model: Model, section: str) -> np.ndarray:
    ids = model._tables[section].ids
    assert ids is not None
    return ids.hashes()  # computed once per batch of ids (tables.id_hashes)


def _left_out(values: np.ndarray, default: float | None = None) -> bool:
    """Whether a column is the one value of a field no row gave (``fields.left_out_column``:
    a view of stride 0): ``default``, or NaN / NaT when None."""
    if len(values) == 0 or values.strides != (0,):
        return False
    first = values[0]
    return bool(
        np.isnat(first) if values.dtype.kind == "M" else (np.isnan(first) if default is None else first == default)
    )


def _floats(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _indices(index: pd.Index, values: np.ndarray, dtype: type = np.int32) -> np.ndarray:
    """Positions of ``values`` in ``index``; -1 for a value not there (None, or the empty
    parent of a top-level region)."""
    positions: np.ndarray = index.get_indexer(values).astype(dtype)  # type: ignore[arg-type]  # any array-like works
    return positions


def _rows(model: Model, section: str, name: str, target: str) -> np.ndarray:
    """The rows a reference column names, as validation recorded them (else looked up)."""
    table = model._tables[section]
    rows = table.positions(name)
    if rows is None:
        rows = model._positions(target, table.column(name))
    assert (rows >= 0).all(), f"unresolved {target} id in a valid model"
    return rows.astype(np.int32, copy=False)


def _window(out: dict[str, Any], prefix: str, model: Model, section: str) -> None:
    out[f"{prefix}_start"] = dates_to_days(model._column(section, "window_start"), OPEN_START)
    out[f"{prefix}_end"] = dates_to_days(model._column(section, "window_end"), OPEN_END)


def _ragged(out: dict[str, Any], name: str, model: Model, section: str, field: str, target: str) -> None:
    """A list column as RaggedIndex offsets and values: as validation recorded them, else
    from the column of id tuples (None for an empty row)."""
    table = model._tables[section]
    found = table.ragged(field)
    if found is None:
        lists = table.column(field)
        present = lists != None  # elementwise
        given = lists[present]
        lengths = np.zeros(len(lists), dtype=np.int64)
        lengths[present] = np.fromiter(map(len, given), dtype=np.int64, count=len(given))
        offsets = list_offsets(lengths, section, field)
        flat = np.fromiter(itertools.chain.from_iterable(given), dtype=object, count=int(offsets[-1]))
        rows = model._positions(target, flat)
        assert (rows >= 0).all(), f"unresolved {target} id in a valid model"
        found = (offsets, rows.astype(np.int32))
    out[f"{name}_offsets"], out[f"{name}_values"] = found


# --------------------------------------------------------------------------------------
# The compiled core of a model, cached per revision and date


def core_model(model: Model) -> _core.ModelData:
    """The model's validated core tables, built once per revision of the model."""
    from .. import _core  # lazily: importing datareach and building models need no core

    key = model.revision
    cached = model._core_cache.get("model_data")
    if cached is None or cached[0] != key:
        cached = (key, _core.ModelData(lower(model)))
        model._core_cache.pop("graphs", None)  # compiled from the tables of another revision
        model._core_cache["model_data"] = cached
    return cached[1]


def compile_model(model: Model, at: Any = None) -> _core.CompiledGraph:
    """The model compiled as of ``at`` (a date; None ignores windows), cached per date."""
    from .. import _core

    day = None if at is None else to_day(at, where="at")
    data = core_model(model)
    graphs: dict[int | None, _core.CompiledGraph] = model._core_cache.setdefault("graphs", {})
    graph = graphs.get(day)
    if graph is None:
        if len(graphs) >= 16:  # timelines compile many dates; keep the cache bounded
            graphs.pop(next(iter(graphs)))
        graph = graphs[day] = _core.CompiledGraph(data, day)
    return graph


def adversary_indices(
    model: Model, adversaries: str | Iterable[str] | None, *, where: str | None = None
) -> tuple[list[str], list[int]]:
    """Ids and node indices of the adversaries to analyse (default: the model's list).

    Errors name ``adversaries[i]``, or ``where`` when given (a request for one adversary)."""
    if adversaries is None:
        ids = list(model.adversaries)
        if not ids:
            raise ModelError("no adversaries given and the model lists none", where="adversaries")
    elif isinstance(adversaries, str):
        ids = [adversaries]
    elif isinstance(adversaries, Iterable) and not isinstance(adversaries, (bytes, Mapping)):
        ids = list(adversaries)
    else:
        raise ModelError(
            f"must be a node id or a list of node ids, got {describe(adversaries)}",
            where=where or "adversaries",
        )
    # Looked up by hash, not through the node index's dict: on a large model the dict of
    # every node id costs more memory than the Monte Carlo run it would serve (~70 bytes a
    # node, 130 MB at 1.9 million nodes), and an analysis asks for a few ids only.
    texts = [adversary if isinstance(adversary, str) else "" for adversary in ids]
    found = model._positions("nodes", object_array_of(texts)).tolist()
    rows = []
    for i, (adversary, row) in enumerate(zip(ids, found)):
        if not isinstance(adversary, str) or row < 0:
            raise ModelError(
                f"unknown node {_shown(adversary)}{did_you_mean(adversary, model.node_ids)}",
                where=where or f"adversaries[{i}]",
            )
        rows.append(row)
    return ids, rows


def class_index(model: Model, class_id: str, *, where: str = "class") -> int:
    """The index of a class id, or a ModelError suggesting the closest id."""
    row = model.class_index.get(class_id) if isinstance(class_id, str) else None
    if row is None:
        raise ModelError(f"unknown class {_shown(class_id)}{did_you_mean(class_id, model.class_ids)}", where=where)
    return row


def _shown(value: Any) -> str:
    """An id as messages quote it; anything else described."""
    return quote(value) if isinstance(value, str) else describe(value)
