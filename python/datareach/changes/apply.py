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

from ..errors import ModelError, number_text, quote, with_article
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
    SetCompels,
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
    if change.event is not None:
        _set_event_p(change, change.event, state, where)
        return
    assert change.from_ is not None and change.to is not None  # the change checked its form
    rows = state.arcs_between(change.from_, change.to, _day_of(change), where)
    if (state.tables["access"]["p"][rows] == change.p).all():
        raise _changes_nothing(
            f"set_p from {quote(change.from_)} to {quote(change.to)}",
            f"{'its arc has' if len(rows) == 1 else 'its arcs have'} p {number_text(change.p)} already",
            where,
        )
    day = _day_of(change)
    if day is not None:
        state.split("access", rows, day, keep="after", earlier_sink=True)  # the earlier parts keep p and range
    state.set("access", "p", rows, change.p)
    state.drop_range("access", "p_range", rows)


def _set_event_p(change: SetP, event: str, state: State, where: str) -> None:
    """The event gets ``change.p``. Dated: the event keeps its id (its coin) from
    ``effective`` on; the arcs requiring it before then require a new event with the old p."""
    row = state.event(event, f"{where}.event")
    events = state.tables["events"]
    name = f"set_p of event {quote(event)}"
    if events["p"][row] == change.p:
        raise _changes_nothing(name, f"its p is {number_text(change.p)} already", where)
    day = _day_of(change)
    requiring = state.requiring(event)
    later = state.in_force("access", requiring, day)
    if not len(later):
        raise _changes_nothing(name, f"no arc requires it{_in_force_from(change.effective)}", where)
    if day is not None:
        end = state.tables["access"]["window_end"]
        earlier = np.flatnonzero(requiring & ~np.isnat(end) & (end <= day))  # wholly before the date
        _, copies = state.split("access", later, day, keep="after")  # the parts before the date
        if len(earlier) or len(copies["requires"]):
            before = _event_before(state, row, change, where)
            _replace_required(state, earlier, event, before)
            copies["requires"] = _required_instead(copies["requires"], event, before)
            state.append_columns("access", copies)
    state.set("events", "p", np.array([row]), change.p)
    state.drop_range("events", "p_range", np.array([row]))


def _event_before(state: State, row: int, change: SetP, where: str) -> str:
    """A new event holding the p (and range) event ``row`` has before ``change.effective``:
    its id is ``<id> before <date>`` (with a number when that is taken)."""
    events = state.tables["events"]
    event = str(events["id"][row])
    base = f"{event} before {change.effective}"
    new_id, n = base, 1
    while new_id in state.event_ids:
        n += 1
        new_id = f"{base} ({n})"
    record = {
        "id": new_id,
        "p": float(events["p"][row]),
        "p_range": state.value_range("events", "p_range", row),
        "source": events["source"][row],
        "note": change.note if change.note is not None else f"the p of event {event} before {change.effective}",
    }
    state.append_records("events", [record], where)
    return new_id


def _required_instead(lists: np.ndarray, event: str, instead: str) -> np.ndarray:
    """Class-filter-like id tuples with ``event`` replaced by ``instead``."""
    out = np.empty(len(lists), dtype=object)
    out[:] = [tuple(instead if e == event else e for e in required) for required in lists]
    return out


def _replace_required(state: State, rows: np.ndarray, event: str, instead: str) -> None:
    if len(rows):
        column = state.tables["access"]["requires"].copy()
        column[rows] = _required_instead(column[rows], event, instead)
        state.tables["access"]["requires"] = column


@_apply_change.register
def _apply_set_compels(change: SetCompels, state: State, where: str) -> None:
    row = state.node(change.node, f"{where}.node")
    nodes = state.tables["nodes"]
    compels = float(nodes["compels"][row])
    if math.isnan(compels):
        kind = nodes["kind"][row]
        reason = (
            f"jurisdiction {quote(change.node)} has no rule (territory and compels) whose p to set"
            if kind == "jurisdiction"
            else f"{quote(change.node)} is {with_article(kind)}; only a jurisdiction has a rule (compels)"
        )
        raise ModelError(reason, where=f"{where}.node")
    name = f"set_compels of {quote(change.node)}"
    if compels == change.p:
        raise _changes_nothing(name, f"its rule has compels {number_text(change.p)} already", where)
    targets = state.rule_targets(row)
    if not len(targets):
        territory = nodes["territory"][row]
        raise _changes_nothing(name, f"its rule reaches no node (no other node lies in {quote(territory)})", where)
    one = np.array([row])
    if change.effective is not None:
        # Nodes have no windows: the rule becomes explicit arcs, the old p before the date.
        old_range = state.value_range("nodes", "compels_range", row)
        arcs = []
        for v in targets.tolist():
            target = nodes["id"][v]
            arcs.append(_rule_arc(change.node, target, compels, [None, change.effective], change.note, old_range))
            arcs.append(_rule_arc(change.node, target, change.p, [change.effective, None], change.note))
        state.set("nodes", "compels", one, np.nan)
        state.set("nodes", "territory", one, None)
        state.append_records("access", arcs, where)
    else:
        state.set("nodes", "compels", one, change.p)
    state.drop_range("nodes", "compels_range", one)


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
                rule_range = state.value_range("nodes", "compels_range", j)
                arcs.append(_rule_arc(nodes["id"][j], change.node, compels, window, change.note, rule_range))
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
        if change.effective is not None:
            rule_range = state.value_range("nodes", "compels_range", row)
            for v in state.rule_targets(row).tolist():
                arcs.append(_rule_arc(change.node, ids[v], compels, [None, change.effective], change.note, rule_range))
        state.set("nodes", "compels", np.array([row]), np.nan)
        state.set("nodes", "territory", np.array([row]), None)
        state.drop_range("nodes", "compels_range", np.array([row]))
    if not nodes["rule_exempt"][row]:
        if change.effective is not None:
            region = nodes["region"][row]
            for j, territory, p in state.rules():
                if j != row and covers(region, territory):
                    rule_range = state.value_range("nodes", "compels_range", j)
                    arcs.append(_rule_arc(ids[j], change.node, p, [None, change.effective], change.note, rule_range))
        state.set("nodes", "rule_exempt", np.array([row]), True)
    state.append_records("access", arcs, where)


# --------------------------------------------------------------------------------------
# Helpers of the ops


def _changes_nothing(change: str, why: str, where: str) -> ModelError:
    """The error of a change that would leave the model as it is (docs/design.md §8,
    decision 11): almost always a typo or a wrong date, never a silent no-op."""
    return ModelError(f"{change} changes nothing: {why}", where=where)


def _in_force_from(effective: datetime.date | None) -> str:
    return "" if effective is None else f" in force on or after {effective}"


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


def _rule_arc(
    jurisdiction: str,
    node: str,
    p: float,
    window: list[Any],
    note: str | None,
    p_range: list[float] | None = None,
) -> dict[str, Any]:
    """An explicit arc standing for a jurisdiction rule's implicit arc during ``window``; it
    carries the rule's ``compels_range`` as its ``p_range``."""
    return {
        "from": jurisdiction,
        "to": node,
        "p": p,
        "p_range": p_range,
        "kind": "compels",
        "window": window,
        "note": note if note is not None else f"the rule of jurisdiction {jurisdiction}",
    }
