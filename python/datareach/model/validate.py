"""The one validator of new rows, :func:`normalise`, and the checks that span fields and
sections (a jurisdiction's rule, placements in stores, composite classes without
cycles).

Every entry point (a scenario file, ``Model.from_dict``, a builder call, a bulk
DataFrame, a what-if change) hands its raw columns to :func:`normalise`, which checks a
whole batch of rows with array operations, against the rows already in the model, and
returns the canonical columns the model stores. Errors always name
``section[row].field``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..errors import cut, quote, with_article
from .batch import Batch, Context
from .fields import FIELDS, empty_columns
from .ingest import RawColumn
from .tables import made

__all__ = ["normalise", "normalise_batch"]


def normalise(section: str, raw: Mapping[str, RawColumn], first_row: int, context: Context) -> dict[str, np.ndarray]:
    """Check a batch of new rows of ``section`` against the model and return its canonical
    columns: strings and id lists as objects (None when left out), numbers as float64
    (defaults filled, NaN for a left-out ``compels``), windows as ``datetime64[D]`` (NaT
    for an open side).

    Raises :class:`ModelError` naming ``section[row].field`` of the first problem found
    (fields are checked in the order of :data:`FIELDS`).
    """
    return {
        name: made(values) for name, values in normalise_batch(section, raw, first_row, context).table_columns().items()
    }


def normalise_batch(section: str, raw: Mapping[str, RawColumn], first_row: int, context: Context) -> Batch:
    """:func:`normalise`, returning the checked batch: its canonical columns and what the
    checks resolved (the rows its references name, its ids' index) for the table to keep."""
    batch = Batch(section, first_row, context)
    if not len(next(iter(raw.values())).values):
        batch.columns = empty_columns(section)
        return batch
    for field in FIELDS[section]:
        batch.add_field(field, raw)
    _CROSS_CHECKS.get(section, _no_cross_check)(batch)
    return batch


def _no_cross_check(batch: Batch) -> None:
    return None


def _check_nodes(batch: Batch) -> None:
    kinds = batch.columns["kind"]
    has_territory = batch.columns["territory"] != None  # elementwise
    has_rule = ~np.isnan(batch.columns["compels"])
    jurisdiction = kinds == "jurisdiction"
    for name, has in (("territory", has_territory), ("compels", has_rule)):
        misplaced = has & ~jurisdiction
        if misplaced.any():
            row = int(np.argmax(misplaced))
            raise batch.fail(row, name, f"only a jurisdiction has {name}; this node is {with_article(kinds[row])}")
    for name, other, has, has_other in (
        ("compels", "territory", has_rule, has_territory),
        ("territory", "compels", has_territory, has_rule),
    ):
        lonely = has_other & ~has
        if lonely.any():
            raise batch.fail(
                int(np.argmax(lonely)),
                name,
                f"a jurisdiction with {other} needs {name} too (give both or neither)",
            )
    has_range = ~np.isnan(batch.columns["compels_range_low"])
    misplaced = has_range & ~jurisdiction
    if misplaced.any():
        row = int(np.argmax(misplaced))
        raise batch.fail(
            row,
            "compels_range",
            f"only a jurisdiction with a rule has compels_range; this node is {with_article(kinds[row])}",
        )
    unbounded = has_range & ~has_rule
    if unbounded.any():
        raise batch.fail(
            int(np.argmax(unbounded)),
            "compels_range",
            "a range needs its point value: give territory and compels too (every other analysis uses compels)",
        )


def _require_stores(batch: Batch, *fields: str) -> None:
    node_kinds = batch.context.column("nodes", "kind")
    for name in fields:
        kinds = node_kinds[batch.positions[name]]
        wrong = kinds != "store"
        if wrong.any():
            row = int(np.argmax(wrong))
            raise batch.fail(
                row,
                name,
                f"{quote(batch.value(name, row))} is {with_article(kinds[row])}, not a store",
            )


def _check_placements(batch: Batch) -> None:
    components = batch.context.column("classes", "components")[batch.positions["class"]]
    composite = components != None  # elementwise
    if composite.any():
        row = int(np.argmax(composite))
        raise batch.fail(
            row,
            "class",
            f"{quote(batch.value('class', row))} is a composite class; place its components",
        )
    _require_stores(batch, "store")


def _check_flows(batch: Batch) -> None:
    _require_stores(batch, "from", "to")


def _check_classes(batch: Batch) -> None:
    """Composite classes may not contain themselves, directly or through others.

    Rows already in the model only name classes added before them, so a cycle can only
    run through the classes of this batch; a depth-first search over them finds it.
    """
    if "components" not in batch.ragged_positions:
        return
    rows, offsets, flat = batch.ragged_positions["components"]
    base = len(batch.context.ids("classes"))
    children: dict[int, list[int]] = {
        int(row): [int(p) - base for p in flat[offsets[i] : offsets[i + 1]] if p >= base] for i, row in enumerate(rows)
    }
    ids = batch.columns["id"]
    on_path, done = 1, 2
    state: dict[int, int] = {}
    for root, root_children in children.items():
        if root in state:
            continue
        path, pending = [root], [iter(root_children)]
        state[root] = on_path
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                state[path.pop()] = done
            elif state.get(child) == on_path:
                # Name the cycle from the class whose list closes it.
                cycle = path[path.index(child) :]
                cycle = cycle[-1:] + cycle[:-1]
                names = " → ".join(cut(str(ids[c])) for c in [*cycle, cycle[0]])
                raise batch.fail(path[-1], "components", f"cycle {names}")
            elif child not in state and child in children:
                state[child] = on_path
                path.append(child)
                pending.append(iter(children[child]))


_CROSS_CHECKS: dict[str, Callable[[Batch], None]] = {
    "nodes": _check_nodes,
    "classes": _check_classes,
    "placements": _check_placements,
    "flows": _check_flows,
}
