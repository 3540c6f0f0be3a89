"""The apply engine: a base model's tables with a list of changes applied in order
(docs/design.md §5). What each op does is described in :mod:`datareach.changes`; the
state it edits (and the checks of the names a change gives) is
:class:`~datareach.changes.state.State`.

Each change applies to the tables as the earlier changes left them, and error locations
count the list given (``changes[2].to``). The base's tables are never modified;
:meth:`Model.apply <datareach.model.Model.apply>` builds the new model from the columns
:func:`apply_changes` returns.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, number_text, quote
from ..model.tables import IdIndex, Table
from .state import State, covers, dated_miss
from .types import (
    AddFlow,
    AddGateway,
    Change,
    Copy,
    Delete,
    Disable,
    Migrate,
    Relocate,
    RemoveFlow,
    Revoke,
    SetP,
)

__all__ = ["apply_changes"]


def apply_changes(
    tables: Mapping[str, Table], source_ids: IdIndex, changes: Sequence[Change]
) -> dict[str, dict[str, np.ndarray]]:
    """The canonical columns of every section after ``changes`` (checked changes, in order)
    are applied to ``tables`` (a model's, never modified) whose entries may cite the sources
    ``source_ids``."""
    state = State(tables, source_ids)
    for i, change in enumerate(changes):
        _apply_change(change, state, f"changes[{i}]")
    return state.tables


@functools.singledispatch
def _apply_change(change: Change, state: State, where: str) -> None:
    """Apply one change to ``state``; errors are located at ``where`` (``changes[i]``)."""
    raise NotImplementedError(f"no apply rule for {type(change).__name__}")


def _day_of(change: Change) -> np.datetime64 | None:
    """The change's ``effective`` date as the tables' date type, None when undated."""
    if change.effective is None:
        return None
    return np.datetime64(change.effective, "D")


@_apply_change.register
def _apply_migrate(change: Migrate, state: State, where: str) -> None:
    state.atomic_class(change.data_class, f"{where}.class")
    state.node(change.from_, f"{where}.from", store=True)
    state.node(change.to, f"{where}.to", store=True)
    if change.to == change.from_:
        raise ModelError(
            f"is the store the placement is in ({quote(change.from_)}); migrate to another store",
            where=f"{where}.to",
        )
    rows = state.placements_of(change.data_class, change.from_, _day_of(change), f"{where}.from")
    day = _day_of(change)
    if day is None:
        state.set("placements", "store", rows, change.to)
        return
    whole, later = state.split("placements", rows, day, keep="before")
    state.set("placements", "store", whole, change.to)
    later["store"][:] = change.to
    later["note"] = _with_note(later["note"], change.note)
    state.append_columns("placements", later)


@_apply_change.register
def _apply_copy(change: Copy, state: State, where: str) -> None:
    state.atomic_class(change.data_class, f"{where}.class")
    state.node(change.to, f"{where}.to", store=True)
    placements = state.tables["placements"]
    same = (placements["class"] == change.data_class) & (placements["store"] == change.to)
    covering = _covering(state, "placements", same & (placements["share"] >= change.share), change)
    if len(covering):
        raise _changes_nothing(
            f"copy of {quote(change.data_class)} to {quote(change.to)}",
            f"placements[{covering[0]}] places it there already with share "
            f"{number_text(placements['share'][covering[0]])}",
            where,
        )
    record = {
        "class": change.data_class,
        "store": change.to,
        "share": change.share,
        "window": _window_from(change.effective),
        "note": change.note,
    }
    state.append_records("placements", [record], where)


@_apply_change.register
def _apply_delete(change: Delete, state: State, where: str) -> None:
    state.atomic_class(change.data_class, f"{where}.class")
    state.node(change.store, f"{where}.store", store=True)
    rows = state.placements_of(change.data_class, change.store, _day_of(change), f"{where}.store")
    state.end_rows("placements", rows, _day_of(change))


@_apply_change.register
def _apply_revoke(change: Revoke, state: State, where: str) -> None:
    rows = state.arcs_between(change.from_, change.to, _day_of(change), where)
    state.end_rows("access", rows, _day_of(change))


@_apply_change.register
def _apply_set_p(change: SetP, state: State, where: str) -> None:
    rows = state.arcs_between(change.from_, change.to, _day_of(change), where)
    if (state.tables["access"]["p"][rows] == change.p).all():
        raise _changes_nothing(
            f"set_p from {quote(change.from_)} to {quote(change.to)}",
            f"{'its arc has' if len(rows) == 1 else 'its arcs have'} p {number_text(change.p)} already",
            where,
        )
    day = _day_of(change)
    if day is None:
        state.set("access", "p", rows, change.p)
        return
    state.split("access", rows, day, keep="after", earlier_sink=True)
    state.set("access", "p", rows, change.p)


@_apply_change.register
def _apply_add_gateway(change: AddGateway, state: State, where: str) -> None:
    if change.id in state.node_ids:
        raise ModelError(
            f"node {quote(change.id)} already exists; add_gateway creates a new node: choose another id",
            where=f"{where}.id",
        )
    for field, ids in (("sources", change.sources), ("targets", change.targets)):
        for i, node in enumerate(ids):
            state.node(node, f"{where}.{field}[{i}]")
    for i, name in enumerate(change.classes or ()):
        state.class_row(name, f"{where}.classes[{i}]")
    access = state.tables["access"]
    mask = _isin(access["from"], change.sources) & _isin(access["to"], change.targets)
    rows = state.in_force("access", mask, _day_of(change))
    if not len(rows):
        sources, targets = ", ".join(change.sources), ", ".join(change.targets)
        raise ModelError(
            f"no explicit arc from [{sources}] to [{targets}]"
            f"{dated_miss(mask, change.effective)}: nothing to route through the gateway",
            where=f"{where}.targets",
        )
    state.append_records(
        "nodes", [{"id": change.id, "kind": "gateway", "region": change.region, "note": change.note}], where
    )
    day = _day_of(change)
    if day is None:
        rerouted = {name: access[name][rows] for name in ("to", "window_start", "window_end")}
        state.set("access", "to", rows, change.id)
    else:
        whole, later = state.split("access", rows, day, keep="before")
        access = state.tables["access"]
        rerouted = {
            name: np.concatenate([access[name][whole], later[name]]) for name in ("to", "window_start", "window_end")
        }
        state.set("access", "to", whole, change.id)
        later["to"][:] = change.id
        state.append_columns("access", later)
    arcs = []
    for target in change.targets:
        into = rerouted["to"] == target
        if not into.any():  # no arc of the sources reached it: the gateway adds none
            continue
        arcs.append(
            {
                "from": change.id,
                "to": target,
                "p": change.p,
                "classes": None if change.classes is None else list(change.classes),
                "kind": "gateway",
                "window": _hull(rerouted["window_start"][into], rerouted["window_end"][into]),
                "note": change.note,
            }
        )
    state.append_records("access", arcs, where)


@_apply_change.register
def _apply_relocate(change: Relocate, state: State, where: str) -> None:
    row = state.node(change.node, f"{where}.node")
    nodes = state.tables["nodes"]
    old = nodes["region"][row]
    if old == change.region:
        raise ModelError(f"{quote(change.node)} is in region {quote(old)} already", where=f"{where}.region")
    day = _day_of(change)
    if day is None:
        state.set("nodes", "region", np.array([row]), change.region)
        return
    shared = _common_region(old, change.region)
    state.set("nodes", "region", np.array([row]), shared)
    moved = f"relocated from {old or 'no region'} to {change.region} on {change.effective}"
    if shared is not None:
        moved += f" (region shown: {shared}, the part both share)"
    note = nodes["note"][row]
    state.set("nodes", "note", np.array([row]), moved if note is None else f"{note}; {moved}")
    if nodes["rule_exempt"][row]:
        return
    arcs = []
    for j, territory, compels in state.rules():
        if j == row or covers(shared, territory):
            continue
        for region, window in ((old, [None, change.effective]), (change.region, [change.effective, None])):
            if covers(region, territory):
                arcs.append(_rule_arc(nodes["id"][j], change.node, compels, window, change.note))
    state.append_records("access", arcs, where)


@_apply_change.register
def _apply_add_flow(change: AddFlow, state: State, where: str) -> None:
    state.node(change.from_, f"{where}.from", store=True)
    state.node(change.to, f"{where}.to", store=True)
    if change.to == change.from_:
        raise ModelError("a flow copies to another store, not to its own", where=f"{where}.to")
    for i, name in enumerate(change.classes or ()):
        state.class_row(name, f"{where}.classes[{i}]")
    flows = state.tables["flows"]
    same = (flows["from"] == change.from_) & (flows["to"] == change.to) & (flows["share"] >= change.share)
    carried = np.array([_carries(held, change.classes) for held in flows["classes"]], dtype=bool)
    covering = _covering(state, "flows", same & carried, change) if len(carried) else carried
    if len(covering):
        raise _changes_nothing(
            f"add_flow from {quote(change.from_)} to {quote(change.to)}",
            f"flows[{covering[0]}] copies {'them' if change.classes else 'every class'} there already "
            f"with share {number_text(flows['share'][covering[0]])}",
            where,
        )
    record = {
        "from": change.from_,
        "to": change.to,
        "classes": None if change.classes is None else list(change.classes),
        "share": change.share,
        "window": _window_from(change.effective),
        "note": change.note,
    }
    state.append_records("flows", [record], where)


@_apply_change.register
def _apply_remove_flow(change: RemoveFlow, state: State, where: str) -> None:
    state.node(change.from_, f"{where}.from")
    state.node(change.to, f"{where}.to")
    flows = state.tables["flows"]
    mask = (flows["from"] == change.from_) & (flows["to"] == change.to)
    rows = state.in_force("flows", mask, _day_of(change))
    if not len(rows):
        raise ModelError(
            f"no flow from {quote(change.from_)} to {quote(change.to)}{dated_miss(mask, change.effective)}",
            where=f"{where}.to",
        )
    state.end_rows("flows", rows, _day_of(change))


@_apply_change.register
def _apply_disable(change: Disable, state: State, where: str) -> None:
    row = state.node(change.node, f"{where}.node")
    access = state.tables["access"]
    mask = (access["from"] == change.node) | (access["to"] == change.node)
    nodes = state.tables["nodes"]
    in_force = state.in_force("access", mask, _day_of(change))
    if not len(in_force) and nodes["rule_exempt"][row] and math.isnan(nodes["compels"][row]):
        raise _changes_nothing(
            f"disable of {quote(change.node)}",
            "no arc leads into or out of it"
            + (f" on or after {change.effective}" if change.effective else "")
            + " and no rule reaches it or leaves it (is it disabled already?)",
            where,
        )
    state.end_rows("access", in_force, _day_of(change))
    ids = nodes["id"]
    arcs = []
    compels = nodes["compels"][row]
    if not math.isnan(compels):  # a jurisdiction with a rule: the rule goes
        territory = nodes["territory"][row]
        if change.effective is not None:
            exempt = nodes["rule_exempt"]
            for v in range(len(ids)):
                if v != row and not exempt[v] and covers(nodes["region"][v], territory):
                    arcs.append(_rule_arc(change.node, ids[v], compels, [None, change.effective], change.note))
        state.set("nodes", "compels", np.array([row]), np.nan)
        state.set("nodes", "territory", np.array([row]), None)
    if not nodes["rule_exempt"][row]:
        if change.effective is not None:
            region = nodes["region"][row]
            for j, territory, p in state.rules():
                if j != row and covers(region, territory):
                    arcs.append(_rule_arc(ids[j], change.node, p, [None, change.effective], change.note))
        state.set("nodes", "rule_exempt", np.array([row]), True)
    state.append_records("access", arcs, where)


# --------------------------------------------------------------------------------------
# Helpers of the ops


def _changes_nothing(change: str, why: str, where: str) -> ModelError:
    """The error of a change that would leave the model as it is (docs/design.md §8,
    decision 11): almost always a typo or a wrong date, never a silent no-op."""
    return ModelError(f"{change} changes nothing: {why}", where=where)


def _covering(state: State, section: str, mask: np.ndarray, change: Change) -> np.ndarray:
    """Rows of ``mask`` whose window already holds everything ``change`` would add: from
    its ``effective`` date (or always, undated) on, without end."""
    table = state.tables[section]
    start, end = table["window_start"], table["window_end"]
    day = _day_of(change)
    begun = np.isnat(start) if day is None else (np.isnat(start) | (start <= day))
    return np.flatnonzero(mask & np.isnat(end) & begun)


def _carries(held: tuple[str, ...] | None, classes: Sequence[str] | None) -> bool:
    """Whether a flow's class filter ``held`` lets through every class of ``classes``
    (None: every class)."""
    if held is None:
        return True
    return classes is not None and set(classes) <= set(held)


def _isin(values: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    return np.asarray(pd.Series(values, dtype=object).isin(list(ids)), dtype=bool)


def _hull(starts: np.ndarray, ends: np.ndarray) -> list[Any] | None:
    """The smallest window holding every window given (None: open on both sides)."""
    start = None if np.isnat(starts).any() else starts.min().item()
    end = None if np.isnat(ends).any() else ends.max().item()
    return None if start is None and end is None else [start, end]


def _window_from(effective: datetime.date | None) -> list[Any] | None:
    return None if effective is None else [effective, None]


def _with_note(notes: np.ndarray, note: str | None) -> np.ndarray:
    if note is None:
        return notes
    return np.array([note] * len(notes), dtype=object)


def _common_region(a: str | None, b: str | None) -> str | None:
    """The longest region both ``a`` and ``b`` lie in, or None."""
    if a is None or b is None:
        return None
    shared = []
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        shared.append(x)
    return "/".join(shared) or None


def _rule_arc(jurisdiction: str, node: str, p: float, window: list[Any], note: str | None) -> dict[str, Any]:
    """An explicit arc standing for a jurisdiction rule's implicit arc during ``window``."""
    return {
        "from": jurisdiction,
        "to": node,
        "p": p,
        "kind": "compels",
        "window": window,
        "note": note if note is not None else f"the rule of jurisdiction {jurisdiction}",
    }
