"""What-if changes as data (DESIGN section 5).

A change is a small frozen dataclass; :meth:`Model.apply <datareach.model.Model.apply>`
returns a new model with a list of them applied in order and never modifies the base::

    import datareach as dr
    texas = m.apply([
        dr.changes.migrate("public_videos", "tiktok_virginia", "oracle_texas",
                           effective="2023-01-01"),
        dr.changes.revoke("beijing_master_admin", "tiktok_virginia"),
    ])

In files (variant files, change lists in YAML or JSON) a change is a mapping with an
``op``: ``{op: migrate, class: public_videos, from: tiktok_virginia, to: oracle_texas,
effective: 2023-01-01}``. :func:`change_from_dict` / :func:`from_dicts` read them with
strict checks, :meth:`Change.to_dict` / :func:`to_dicts` write them, :func:`save_variant`
writes a variant file (``dr.load`` of it gives the changed model).

Every change may carry ``effective: DATE`` (it holds from that date on; without it the
change holds at every date) and ``note`` (free text, copied onto the entries it creates).

What each op does to the tables
===============================

``migrate(class, from, to)``
    Every placement of ``class`` in store ``from`` moves to store ``to``, keeping its share
    and window. Dated: the placement keeps its window up to ``effective`` in ``from`` and
    a copy in ``to`` covers [effective, old end); a placement that starts on or after
    ``effective`` moves whole.
``copy(class, to, share=1)``
    Adds a placement (window [effective, open) when dated).
``delete(class, store)``
    Removes the placements of ``class`` in ``store`` (dated: they end at ``effective``).
    Data that a *flow* brings to the store stays: remove the flow too.
``revoke(from, to)``
    Removes the explicit access arcs from → to (dated: they end at ``effective``).
``set_p(from, to, p)``
    Sets the p of the arcs from → to. Dated: each arc is split into [.., effective) with
    its old p and [effective, ..) with the new one. The *later* part keeps the arc's row
    (so its common-random-numbers key, the one the base model uses): comparisons of the
    base and the variant after ``effective`` see the same coin with two thresholds.
``add_gateway(id, sources, targets, p, classes=None, region=None)``
    Creates the node ``id`` (kind gateway, ``region``); every explicit arc s → t with s in
    ``sources`` and t in ``targets`` becomes s → gateway, keeping everything else (p,
    requires, class filter, kind, cost, window, source, note); then ONE arc gateway → t
    (kind ``gateway``) per target that received a rerouted arc, with the gateway's ``p``
    and class filter, and as window the span of the rerouted arcs' windows into that
    target (so that the gateway is not a way in at dates when no rerouted arc led there).
    Dated: the old arcs end at ``effective``, the rerouted ones and the gateway arcs start
    there. As DESIGN says, the gateway pools its inputs: a source that reached only t1
    now reaches t2 too whenever the gateway arc to t2 lets it through. Jurisdiction rules
    are not rerouted (legal compulsion does not pass through a technical gateway).
``relocate(node, region)``
    The node's region changes; jurisdiction rules follow, since the core expands them from
    regions when it compiles the model.
``add_flow(from, to, classes=None, share=1)`` / ``remove_flow(from, to)``
    Adds a flow (dated: from ``effective``) / removes the flows from → to (dated: they end
    at ``effective``).
``disable(node)``
    Removes every arc into and out of the node, the implicit arcs of jurisdiction rules
    included (see :class:`Disable`). Flows and placements are untouched.

Decisions on the points DESIGN leaves open
==========================================

- **Nothing to change is an error.** A migrate, delete, revoke, set_p or remove_flow
  that finds no entry (or, when dated, none in force on or after ``effective``) raises
  :class:`~datareach.errors.ModelError`: a plan that silently does nothing is almost always
  a typo or a wrong date. An add_gateway that reroutes no arc at all is an error too;
  a listed source or target without matching arcs is not (plans list groups broadly), and
  a target that receives no rerouted arc gets no gateway arc (the gateway opens no
  target that its sources did not reach before).
- **add_gateway needs a new id**: an existing node of that id is an error (reusing it
  would merge two gateways' filters and p silently).
- **Jurisdiction rules are not arcs that revoke, set_p or add_gateway can name**: they
  act on explicit arcs only; a revoke whose only link is a rule says so. ``disable`` and
  ``relocate`` are the changes that act on rules.
- **Dated relocate**: nodes have no windows, so the node's region becomes the part its
  old and new regions share (``US/VA`` → ``US/TX`` gives ``US``; ``CN`` → ``US`` gives no
  region), and each jurisdiction rule that covered only the old region (only the new one)
  becomes an explicit ``compels`` arc that ends (starts) at ``effective``. Reach and
  exposure are exact at every date; per-region tables see the node only in the shared
  part. The node's note records the move.
- **Dated disable** of a jurisdiction: its rule is cleared and replaced by explicit
  ``compels`` arcs that end at ``effective``. Rules into a disabled node: the node gets
  the node field ``rule_exempt: true``, which the core must honour when it expands rules
  (``ModelData::node_rule_exempt``); see :class:`Disable`.
- **Windows that a dated change empties** are dropped (a dated delete of a placement that
  starts after ``effective`` removes it).
- A change applies to the model as the earlier changes of the list left it (an
  add_gateway then a revoke of one of the new arcs works); error locations count the list
  given to :func:`apply` (``changes[2].to``).
- New rows are appended to their table; a row changed in place keeps its position, which
  keeps the arc keys of the common random numbers stable for arcs that stay.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from . import dates
from .errors import ModelError, did_you_mean
from .schema import (
    FORMAT,
    SECTIONS,
    IdIndex,
    _describe,
    _region_problem,
    check_name,
    check_text,
    normalise,
    records_to_columns,
)

if TYPE_CHECKING:
    from .model import Model

__all__ = [
    "OPS",
    "AddFlow",
    "AddGateway",
    "Change",
    "Copy",
    "Delete",
    "Disable",
    "Migrate",
    "Relocate",
    "RemoveFlow",
    "Revoke",
    "SetP",
    "add_flow",
    "add_gateway",
    "apply",
    "change_from_dict",
    "copy",
    "delete",
    "disable",
    "dumps",
    "from_dicts",
    "loads",
    "migrate",
    "relocate",
    "remove_flow",
    "revoke",
    "save_variant",
    "set_p",
    "to_dicts",
    "variant_dict",
]

# --------------------------------------------------------------------------------------
# Fields of the changes


@dataclasses.dataclass(frozen=True)
class _Spec:
    key: str  # the name in files
    attr: str  # the attribute of the dataclass
    kind: str  # how the value is checked: see _check
    required: bool = True
    default: Any = None


_EFFECTIVE = _Spec("effective", "effective", "date", required=False)
_NOTE = _Spec("note", "note", "text", required=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _number(value: Any, location: str, low_open: bool) -> float:
    if not _is_number(value):
        raise ModelError(f"must be a number, got {_describe(value)}", where=location)
    number = float(value)
    low_ok = number > 0 if low_open else number >= 0
    if not (math.isfinite(number) and low_ok and number <= 1):
        span = "(0, 1]" if low_open else "[0, 1]"
        raise ModelError(f"must lie in {span}, got {value}", where=location)
    return number


def _names(value: Any, location: str, noun: str) -> tuple[str, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise ModelError(f"must be a list of {noun} ids, got {_describe(value)}", where=location)
    if not value:
        reason = f"must name at least one {noun}"
        if noun == "class":
            reason += "; leave the field out to mean every class"
        raise ModelError(reason, where=location)
    out: list[str] = []
    for i, item in enumerate(value):
        name = check_name(item, f"{location}[{i}]")
        if name in out:
            raise ModelError(f"names {name!r} twice", where=f"{location}[{i}]")
        out.append(name)
    return tuple(out)


def _check(kind: str, value: Any, location: str) -> Any:
    """A field's value in canonical form, or a ModelError at ``location``."""
    if kind == "id":
        return check_name(value, location)
    if kind == "nodes":
        return _names(value, location, "node")
    if kind == "classes":
        return _names(value, location, "class")
    if kind == "p":
        return _number(value, location, low_open=False)
    if kind == "share":
        return _number(value, location, low_open=True)
    if kind == "region":
        if not isinstance(value, str):
            raise ModelError(f"must be a region such as 'US/VA', got {_describe(value)}", where=location)
        problem = _region_problem(value)
        if problem is not None:
            raise ModelError(problem, where=location)
        return str(value)
    if kind == "date":
        return dates.from_day(dates.to_day(value, where=location))
    if kind == "text":
        return check_text(value, location)
    raise AssertionError(kind)


def _plain(value: Any) -> Any:
    """A canonical field value as plain file data."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --------------------------------------------------------------------------------------
# The changes


@dataclasses.dataclass(frozen=True, repr=False)
class Change:
    """One what-if change. Subclasses are the ops of DESIGN section 5; build them with
    the functions of this module (:func:`migrate`, ...) or from file data with
    :func:`change_from_dict`. Values are checked and normalised when a change is made
    (ids are strings, lists become tuples, ``effective`` a ``datetime.date``); references
    to the model are checked when it is applied."""

    effective: datetime.date | None = dataclasses.field(default=None, kw_only=True)
    note: str | None = dataclasses.field(default=None, kw_only=True)

    op: ClassVar[str] = ""
    _specs: ClassVar[tuple[_Spec, ...]] = ()

    def __post_init__(self) -> None:
        for spec in (*self._specs, _EFFECTIVE, _NOTE):
            value = getattr(self, spec.attr)
            location = f"{self.op}.{spec.key}"
            if value is None:
                if spec.required:
                    raise ModelError("is required", where=location)
                continue
            object.__setattr__(self, spec.attr, _check(spec.kind, value, location))

    def to_dict(self) -> dict[str, Any]:
        """The change as a file writes it: ``{op: migrate, class: ..., from: ..., to: ...,
        effective: 2023-01-01}`` (dates as ISO strings; fields at their default left
        out)."""
        out: dict[str, Any] = {"op": self.op}
        for spec in (*self._specs, _EFFECTIVE, _NOTE):
            value = getattr(self, spec.attr)
            if value is None or (not spec.required and value == spec.default):
                continue
            out[spec.key] = _plain(value)
        return out

    def __repr__(self) -> str:
        parts = []
        for spec in (*self._specs, _EFFECTIVE, _NOTE):
            value = getattr(self, spec.attr)
            if value is not None and (spec.required or value != spec.default):
                shown = value.isoformat() if isinstance(value, datetime.date) else value
                parts.append(f"{spec.attr}={shown!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _apply(self, state: _State, where: str) -> None:
        raise NotImplementedError

    @property
    def _day(self) -> np.datetime64 | None:
        if self.effective is None:
            return None
        return np.datetime64(self.effective, "D")


@dataclasses.dataclass(frozen=True, repr=False)
class Migrate(Change):
    """The placements of ``class_`` in store ``from_`` move to store ``to`` (shares and
    windows kept). Dated: they stay in ``from_`` until ``effective`` and are in ``to``
    from then on (within their original window)."""

    class_: str
    from_: str
    to: str

    op: ClassVar[str] = "migrate"
    _specs: ClassVar[tuple[_Spec, ...]] = (
        _Spec("class", "class_", "id"),
        _Spec("from", "from_", "id"),
        _Spec("to", "to", "id"),
    )

    def _apply(self, state: _State, where: str) -> None:
        state.atomic_class(self.class_, f"{where}.class")
        state.node(self.from_, f"{where}.from", store=True)
        state.node(self.to, f"{where}.to", store=True)
        if self.to == self.from_:
            raise ModelError(
                f"is the store the placement is in ({self.from_!r}); migrate to another store",
                where=f"{where}.to",
            )
        rows = state.placements_of(self.class_, self.from_, self._day, f"{where}.from")
        day = self._day
        if day is None:
            state.set("placements", "store", rows, self.to)
            return
        whole, later = state.split("placements", rows, day, keep="before")
        state.set("placements", "store", whole, self.to)
        later["store"][:] = self.to
        later["note"] = _with_note(later["note"], self.note)
        state.append_columns("placements", later)


@dataclasses.dataclass(frozen=True, repr=False)
class Copy(Change):
    """A new placement of ``class_`` in store ``to`` with ``share`` (default 1: the whole
    class); dated: from ``effective`` on."""

    class_: str
    to: str
    share: float = 1.0

    op: ClassVar[str] = "copy"
    _specs: ClassVar[tuple[_Spec, ...]] = (
        _Spec("class", "class_", "id"),
        _Spec("to", "to", "id"),
        _Spec("share", "share", "share", required=False, default=1.0),
    )

    def _apply(self, state: _State, where: str) -> None:
        state.atomic_class(self.class_, f"{where}.class")
        state.node(self.to, f"{where}.to", store=True)
        record = {
            "class": self.class_,
            "store": self.to,
            "share": self.share,
            "window": _window_from(self.effective),
            "note": self.note,
        }
        state.append_records("placements", [record], where)


@dataclasses.dataclass(frozen=True, repr=False)
class Delete(Change):
    """The placements of ``class_`` in ``store`` are removed (dated: they end at
    ``effective``). A flow that copies the class into the store keeps it there."""

    class_: str
    store: str

    op: ClassVar[str] = "delete"
    _specs: ClassVar[tuple[_Spec, ...]] = (
        _Spec("class", "class_", "id"),
        _Spec("store", "store", "id"),
    )

    def _apply(self, state: _State, where: str) -> None:
        state.atomic_class(self.class_, f"{where}.class")
        state.node(self.store, f"{where}.store", store=True)
        rows = state.placements_of(self.class_, self.store, self._day, f"{where}.store")
        state.end_rows("placements", rows, self._day)


@dataclasses.dataclass(frozen=True, repr=False)
class Revoke(Change):
    """The explicit access arcs from ``from_`` to ``to`` are removed (dated: they end at
    ``effective``). A jurisdiction rule is not an arc that revoke can name: use
    :class:`Relocate` or :class:`Disable`."""

    from_: str
    to: str

    op: ClassVar[str] = "revoke"
    _specs: ClassVar[tuple[_Spec, ...]] = (_Spec("from", "from_", "id"), _Spec("to", "to", "id"))

    def _apply(self, state: _State, where: str) -> None:
        rows = state.arcs_between(self.from_, self.to, self._day, where)
        state.end_rows("access", rows, self._day)


@dataclasses.dataclass(frozen=True, repr=False)
class SetP(Change):
    """The arcs from ``from_`` to ``to`` get probability ``p``. Dated: each arc is split
    at ``effective``, the earlier part keeping its old p; the later part stays in the
    arc's row so that it shares the base model's random coin."""

    from_: str
    to: str
    p: float

    op: ClassVar[str] = "set_p"
    _specs: ClassVar[tuple[_Spec, ...]] = (
        _Spec("from", "from_", "id"),
        _Spec("to", "to", "id"),
        _Spec("p", "p", "p"),
    )

    def _apply(self, state: _State, where: str) -> None:
        rows = state.arcs_between(self.from_, self.to, self._day, where)
        day = self._day
        if day is None:
            state.set("access", "p", rows, self.p)
            return
        state.split("access", rows, day, keep="after", earlier_sink=True)
        state.set("access", "p", rows, self.p)


@dataclasses.dataclass(frozen=True, repr=False)
class AddGateway(Change):
    """Route the explicit arcs from ``sources`` to ``targets`` through a new gateway node
    ``id``: each arc s → t becomes s → ``id`` (everything else kept), and one arc
    ``id`` → t with ``p`` and the class filter ``classes`` (None: every class) is added per
    target that received a rerouted arc, windowed to the span of the rerouted arcs' windows
    into that target. Dated: the old arcs end at ``effective``, the rerouted and the
    gateway arcs start there. ``id`` must be a new node id; jurisdiction rules are not
    rerouted."""

    id: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    p: float
    classes: tuple[str, ...] | None = None
    region: str | None = None

    op: ClassVar[str] = "add_gateway"
    _specs: ClassVar[tuple[_Spec, ...]] = (
        _Spec("id", "id", "id"),
        _Spec("sources", "sources", "nodes"),
        _Spec("targets", "targets", "nodes"),
        _Spec("p", "p", "p"),
        _Spec("classes", "classes", "classes", required=False),
        _Spec("region", "region", "region", required=False),
    )

    def _apply(self, state: _State, where: str) -> None:
        if self.id in state.node_ids:
            raise ModelError(
                f"node {self.id!r} already exists; add_gateway creates a new node: choose "
                f"another id",
                where=f"{where}.id",
            )
        for field, ids in (("sources", self.sources), ("targets", self.targets)):
            for i, node in enumerate(ids):
                state.node(node, f"{where}.{field}[{i}]")
        for i, name in enumerate(self.classes or ()):
            state.class_row(name, f"{where}.classes[{i}]")
        access = state.tables["access"]
        mask = _isin(access["from"], self.sources) & _isin(access["to"], self.targets)
        rows = state.in_force("access", mask, self._day)
        if not len(rows):
            sources, targets = ", ".join(self.sources), ", ".join(self.targets)
            raise ModelError(
                f"no explicit arc from [{sources}] to [{targets}]"
                f"{_dated_miss(mask, self.effective)}: nothing to route through the gateway",
                where=f"{where}.targets",
            )
        state.append_records(
            "nodes", [{"id": self.id, "kind": "gateway", "region": self.region, "note": self.note}], where
        )
        day = self._day
        if day is None:
            rerouted = {name: access[name][rows] for name in ("to", "window_start", "window_end")}
            state.set("access", "to", rows, self.id)
        else:
            whole, later = state.split("access", rows, day, keep="before")
            access = state.tables["access"]
            rerouted = {
                name: np.concatenate([access[name][whole], later[name]])
                for name in ("to", "window_start", "window_end")
            }
            state.set("access", "to", whole, self.id)
            later["to"][:] = self.id
            state.append_columns("access", later)
        arcs = []
        for target in self.targets:
            into = rerouted["to"] == target
            if not into.any():  # no arc of the sources reached it: the gateway adds none
                continue
            arcs.append(
                {
                    "from": self.id,
                    "to": target,
                    "p": self.p,
                    "classes": None if self.classes is None else list(self.classes),
                    "kind": "gateway",
                    "window": _hull(rerouted["window_start"][into], rerouted["window_end"][into]),
                    "note": self.note,
                }
            )
        state.append_records("access", arcs, where)


@dataclasses.dataclass(frozen=True, repr=False)
class Relocate(Change):
    """``node`` moves to ``region``; jurisdiction rules follow the new region.

    Dated: nodes carry no windows, so the node's region becomes the part its old and new
    regions share (``US/VA`` → ``US/TX``: ``US``; ``CN`` → ``US``: no region), and every
    jurisdiction rule that covered only the old region (only the new one) is written as an
    explicit ``compels`` arc with the rule's p that ends (starts) at ``effective``. Reach
    and exposure are exact at every date; per-region tables count the node only in the
    shared part of its regions. The move is appended to the node's note."""

    node: str
    region: str

    op: ClassVar[str] = "relocate"
    _specs: ClassVar[tuple[_Spec, ...]] = (_Spec("node", "node", "id"), _Spec("region", "region", "region"))

    def _apply(self, state: _State, where: str) -> None:
        row = state.node(self.node, f"{where}.node")
        nodes = state.tables["nodes"]
        old = nodes["region"][row]
        if old == self.region:
            raise ModelError(f"{self.node!r} is in region {old!r} already", where=f"{where}.region")
        day = self._day
        if day is None:
            state.set("nodes", "region", np.array([row]), self.region)
            return
        shared = _common_region(old, self.region)
        state.set("nodes", "region", np.array([row]), shared)
        moved = f"relocated from {old or 'no region'} to {self.region} on {self.effective}"
        if shared is not None:
            moved += f" (region shown: {shared}, the part both share)"
        note = nodes["note"][row]
        state.set("nodes", "note", np.array([row]), moved if note is None else f"{note}; {moved}")
        if nodes["rule_exempt"][row]:
            return
        arcs = []
        for j, territory, compels in state.rules():
            if j == row or _covers(shared, territory):
                continue
            for region, window in ((old, [None, self.effective]), (self.region, [self.effective, None])):
                if _covers(region, territory):
                    arcs.append(_rule_arc(nodes["id"][j], self.node, compels, window, self.note))
        state.append_records("access", arcs, where)


@dataclasses.dataclass(frozen=True, repr=False)
class AddFlow(Change):
    """A new flow from store ``from_`` to store ``to`` carrying ``classes`` (None: every
    class) with ``share``; dated: from ``effective`` on."""

    from_: str
    to: str
    classes: tuple[str, ...] | None = None
    share: float = 1.0

    op: ClassVar[str] = "add_flow"
    _specs: ClassVar[tuple[_Spec, ...]] = (
        _Spec("from", "from_", "id"),
        _Spec("to", "to", "id"),
        _Spec("classes", "classes", "classes", required=False),
        _Spec("share", "share", "share", required=False, default=1.0),
    )

    def _apply(self, state: _State, where: str) -> None:
        state.node(self.from_, f"{where}.from", store=True)
        state.node(self.to, f"{where}.to", store=True)
        if self.to == self.from_:
            raise ModelError("a flow copies to another store, not to its own", where=f"{where}.to")
        for i, name in enumerate(self.classes or ()):
            state.class_row(name, f"{where}.classes[{i}]")
        record = {
            "from": self.from_,
            "to": self.to,
            "classes": None if self.classes is None else list(self.classes),
            "share": self.share,
            "window": _window_from(self.effective),
            "note": self.note,
        }
        state.append_records("flows", [record], where)


@dataclasses.dataclass(frozen=True, repr=False)
class RemoveFlow(Change):
    """The flows from ``from_`` to ``to`` are removed (dated: they end at
    ``effective``)."""

    from_: str
    to: str

    op: ClassVar[str] = "remove_flow"
    _specs: ClassVar[tuple[_Spec, ...]] = (_Spec("from", "from_", "id"), _Spec("to", "to", "id"))

    def _apply(self, state: _State, where: str) -> None:
        state.node(self.from_, f"{where}.from")
        state.node(self.to, f"{where}.to")
        flows = state.tables["flows"]
        mask = (flows["from"] == self.from_) & (flows["to"] == self.to)
        rows = state.in_force("flows", mask, self._day)
        if not len(rows):
            raise ModelError(
                f"no flow from {self.from_!r} to {self.to!r}{_dated_miss(mask, self.effective)}",
                where=f"{where}.to",
            )
        state.end_rows("flows", rows, self._day)


@dataclasses.dataclass(frozen=True, repr=False)
class Disable(Change):
    """Every arc into and out of ``node`` is removed (dated: ends at ``effective``),
    the implicit arcs of jurisdiction rules included:

    - *out of* a disabled jurisdiction: its rule (``territory``, ``compels``) is cleared;
      dated, the rule is replaced by explicit ``compels`` arcs ending at ``effective``;
    - *into* the node: the node gets ``rule_exempt: true``, a node field that keeps every
      jurisdiction rule from reaching it (lowered as ``ModelData::node_rule_exempt``);
      dated, the rules that reached it become explicit ``compels`` arcs ending at
      ``effective``.

    Flows into and out of the node and its placements are untouched (a disabled store
    still holds and copies data; nobody reaches it). Arcs that later changes add to the
    node are kept."""

    node: str

    op: ClassVar[str] = "disable"
    _specs: ClassVar[tuple[_Spec, ...]] = (_Spec("node", "node", "id"),)

    def _apply(self, state: _State, where: str) -> None:
        row = state.node(self.node, f"{where}.node")
        access = state.tables["access"]
        mask = (access["from"] == self.node) | (access["to"] == self.node)
        state.end_rows("access", state.in_force("access", mask, self._day), self._day)
        nodes = state.tables["nodes"]
        ids = nodes["id"]
        arcs = []
        compels = nodes["compels"][row]
        if not math.isnan(compels):  # a jurisdiction with a rule: the rule goes
            territory = nodes["territory"][row]
            if self.effective is not None:
                exempt = nodes["rule_exempt"]
                for v in range(len(ids)):
                    if v != row and not exempt[v] and _covers(nodes["region"][v], territory):
                        arcs.append(_rule_arc(self.node, ids[v], compels, [None, self.effective], self.note))
            state.set("nodes", "compels", np.array([row]), np.nan)
            state.set("nodes", "territory", np.array([row]), None)
        if not nodes["rule_exempt"][row]:
            if self.effective is not None:
                region = nodes["region"][row]
                for j, territory, p in state.rules():
                    if j != row and _covers(region, territory):
                        arcs.append(_rule_arc(ids[j], self.node, p, [None, self.effective], self.note))
            state.set("nodes", "rule_exempt", np.array([row]), True)
        state.append_records("access", arcs, where)


OPS: dict[str, type[Change]] = {
    cls.op: cls
    for cls in (Migrate, Copy, Delete, Revoke, SetP, AddGateway, Relocate, AddFlow, RemoveFlow, Disable)
}

# Sentinels in the ops that are also DESIGN's file names, for messages.
_OP_NAMES = ", ".join(OPS)


# --------------------------------------------------------------------------------------
# Builders


def migrate(class_: str, from_: str, to: str, *, effective: Any = None, note: str | None = None) -> Migrate:
    """Move the placements of ``class_`` in store ``from_`` to store ``to``."""
    return Migrate(class_, from_, to, effective=effective, note=note)


def copy(class_: str, to: str, share: float = 1.0, *, effective: Any = None, note: str | None = None) -> Copy:
    """Place ``share`` of ``class_`` in store ``to`` as well."""
    return Copy(class_, to, share, effective=effective, note=note)


def delete(class_: str, store: str, *, effective: Any = None, note: str | None = None) -> Delete:
    """Remove the placements of ``class_`` in ``store``."""
    return Delete(class_, store, effective=effective, note=note)


def revoke(from_: str, to: str, *, effective: Any = None, note: str | None = None) -> Revoke:
    """Remove the access arcs from ``from_`` to ``to``."""
    return Revoke(from_, to, effective=effective, note=note)


def set_p(from_: str, to: str, p: float, *, effective: Any = None, note: str | None = None) -> SetP:
    """Set the probability of the access arcs from ``from_`` to ``to``."""
    return SetP(from_, to, p, effective=effective, note=note)


def add_gateway(
    id: str,
    sources: Sequence[str],
    targets: Sequence[str],
    p: float,
    classes: Sequence[str] | None = None,
    region: str | None = None,
    *,
    effective: Any = None,
    note: str | None = None,
) -> AddGateway:
    """Route the arcs from ``sources`` to ``targets`` through a new gateway ``id``."""
    return AddGateway(
        id,
        _listed(sources),
        _listed(targets),
        p,
        None if classes is None else _listed(classes),
        region,
        effective=effective,
        note=note,
    )


def relocate(node: str, region: str, *, effective: Any = None, note: str | None = None) -> Relocate:
    """Move ``node`` to ``region``."""
    return Relocate(node, region, effective=effective, note=note)


def add_flow(
    from_: str,
    to: str,
    classes: Sequence[str] | None = None,
    share: float = 1.0,
    *,
    effective: Any = None,
    note: str | None = None,
) -> AddFlow:
    """Add a flow (a copy) from store ``from_`` to store ``to``."""
    return AddFlow(from_, to, None if classes is None else _listed(classes), share, effective=effective, note=note)


def remove_flow(from_: str, to: str, *, effective: Any = None, note: str | None = None) -> RemoveFlow:
    """Remove the flows from ``from_`` to ``to``."""
    return RemoveFlow(from_, to, effective=effective, note=note)


def disable(node: str, *, effective: Any = None, note: str | None = None) -> Disable:
    """Remove every arc into and out of ``node`` (jurisdiction rules included)."""
    return Disable(node, effective=effective, note=note)


def _listed(values: Any) -> Any:
    """A list argument as a tuple (strings and mappings are left for the check to refuse)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        return values
    return tuple(values)


# --------------------------------------------------------------------------------------
# Reading and writing


def change_from_dict(data: Any, where: str = "change") -> Change:
    """One change from its file form (``{op: migrate, class: ..., ...}``), checked
    strictly: errors name ``<where>.<field>`` (``changes[3].to``)."""
    if isinstance(data, Change):
        return data
    if not isinstance(data, Mapping):
        raise ModelError(
            f"must be a mapping with an op ({_OP_NAMES}), got {_describe(data)}", where=where
        )
    if "op" not in data:
        raise ModelError(f"missing; one of {_OP_NAMES}", where=f"{where}.op")
    op = data["op"]
    if not isinstance(op, str) or op not in OPS:
        hint = did_you_mean(op, OPS) if isinstance(op, str) else ""
        raise ModelError(
            f"unknown op {op!r}{hint}; one of {_OP_NAMES}", where=f"{where}.op"
        )
    cls = OPS[op]
    specs = (*cls._specs, _EFFECTIVE, _NOTE)
    known = [spec.key for spec in specs]
    for key in data:
        if key != "op" and key not in known:
            shown = key if isinstance(key, str) else repr(key)
            raise ModelError(
                f"unknown field of {op}{did_you_mean(str(key), known)}; its fields are "
                f"{', '.join(known)}",
                where=f"{where}.{shown}",
            )
    values: dict[str, Any] = {}
    for spec in specs:
        value = data.get(spec.key)
        location = f"{where}.{spec.key}"
        if value is None:
            if spec.required:
                raise ModelError(f"is required for {op}", where=location)
            continue
        values[spec.attr] = _check(spec.kind, value, location)
    return cls(**values)


def from_dicts(data: Any, where: str = "changes") -> list[Change]:
    """A list of changes from file data (a list of mappings); errors name
    ``changes[i].field``."""
    if isinstance(data, (str, bytes, Mapping)) or not isinstance(data, (list, tuple)):
        raise ModelError(f"must be a list of changes, got {_describe(data)}", where=where)
    return [change_from_dict(item, f"{where}[{i}]") for i, item in enumerate(data)]


def to_dicts(changes: Iterable[Change] | Change) -> list[dict[str, Any]]:
    """Changes as plain file data: a list of ``{op: ..., ...}`` mappings."""
    return [change.to_dict() for change in _as_changes(changes)]


def dumps(changes: Iterable[Change] | Change, format: str = "yaml") -> str:
    """A change list as YAML (one flow-style line per change, dates unquoted) or JSON."""
    return _dump({"changes": to_dicts(changes)}, format, bare="changes")


def loads(text: str, format: str = "yaml") -> list[Change]:
    """A change list from YAML or JSON text: a list of changes, or a mapping with a
    ``changes`` list (a variant file)."""
    from .files import _parse

    data = _parse(text, format)  # type: ignore[arg-type]
    if isinstance(data, Mapping) and "changes" in data:
        data = data["changes"]
    return from_dicts(data)


def variant_dict(base: str | os.PathLike[str], changes: Iterable[Change] | Change, name: str | None = None) -> dict[str, Any]:
    """The mapping of a variant file: ``{format, base, name, changes}``."""
    data: dict[str, Any] = {"format": FORMAT, "base": os.fspath(base)}
    if name is not None:
        data["name"] = check_text(name, "name")
    data["changes"] = to_dicts(changes)
    return data


def save_variant(
    path: str | os.PathLike[str],
    base: str | os.PathLike[str],
    changes: Iterable[Change] | Change,
    name: str | None = None,
    *,
    format: str | None = None,
    check: bool = True,
) -> None:
    """Write a variant file: ``base`` (written as given; a relative path is read relative
    to the variant file's folder, as ``dr.load`` resolves it) and ``changes``. With
    ``check`` the base is loaded and the changes applied first, so that a variant that
    would not load is never written. The format comes from the suffix unless given.

    ``dr.save`` of the changed model itself writes the full model instead."""
    from .files import _format_of, _load_path

    target = Path(path)
    chosen = format or _format_of(os.fspath(path), default=None)
    data = variant_dict(base, changes, name)
    if check:
        base_path = target.parent / Path(base)
        _load_path(base_path, ()).apply(_as_changes(changes))
    target.write_text(_dump(data, chosen, bare=None), encoding="utf-8")


def _dump(data: dict[str, Any], format: str, bare: str | None) -> str:
    """YAML or JSON text of a variant mapping (or, with ``bare``, of one list of it)."""
    from .files import _WIDTH, _dump_json, _Dumper, _Entry

    if format == "json":
        if bare is not None:
            lines = ",\n".join(f"  {json.dumps(c, ensure_ascii=False)}" for c in data[bare])
            return f"[\n{lines}\n]\n" if lines else "[]\n"
        return _dump_json(data)
    if format != "yaml":
        raise ModelError(f"unknown file format {format!r}; use 'yaml' or 'json'")
    readable = dict(data)
    readable["changes"] = [_Entry(_with_date(c)) for c in data["changes"]]
    payload: Any = readable[bare] if bare is not None else readable
    return _yaml_dump(payload, _Dumper, _WIDTH)


def _yaml_dump(payload: Any, dumper: Any, width: int) -> str:
    import yaml

    return yaml.dump(payload, Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=width)


def _with_date(change: dict[str, Any]) -> dict[str, Any]:
    if "effective" in change:
        return {**change, "effective": datetime.date.fromisoformat(change["effective"])}
    return change


# Top-level fields of a variant file, in the order they are written.
VARIANT_FIELDS = ("format", "base", "name", "changes")


def variant_from_dict(
    data: Mapping[str, Any],
    folder: Path,
    chain: tuple[Path, ...],
    load_base: Callable[[Path, tuple[Path, ...]], Model],
) -> Model:
    """The model of a variant file's mapping: its base (``folder``/base, loaded with
    ``load_base``) with its changes applied. ``chain``: the files being loaded, outermost
    first, to refuse a cycle of bases. The hook behind ``dr.load`` of a variant file."""
    from .schema import FORMAT as _FORMAT

    for key in data:
        if key not in VARIANT_FIELDS:
            raise ModelError(
                f"unknown field of a variant file{did_you_mean(str(key), VARIANT_FIELDS)}; a "
                f"variant file has {', '.join(VARIANT_FIELDS)}",
                where=str(key),
            )
    if "format" not in data:
        raise ModelError(f"missing; write format: {_FORMAT} first", where="format")
    if data["format"] != _FORMAT:
        raise ModelError(f"unsupported format {data['format']!r}; expected {_FORMAT!r}", where="format")
    if data.get("base") is None:
        raise ModelError("missing: the path of the base model file", where="base")
    base = data["base"]
    if not isinstance(base, str) or not base.strip():
        raise ModelError(f"must be the path of the base model file, got {_describe(base)}", where="base")
    if "changes" not in data:
        raise ModelError("missing: the list of changes (may be empty)", where="changes")
    changes = from_dicts(data["changes"] if data["changes"] is not None else [])
    name = data.get("name")
    if name is not None:
        name = check_text(name, "name")
    base_path = (folder / base).resolve()
    if base_path in chain:
        cycle = " → ".join(p.name for p in (*chain[chain.index(base_path) :], base_path))
        raise ModelError(f"variant files form a cycle: {cycle}", where="base")
    try:
        model = load_base(base_path, chain)
    except ModelError as error:
        raise ModelError(f"in base file {base!r}: {error}", where="base") from None
    if model.variant_of is None:
        model._variant_of = str(base_path)
    result = model.apply(changes)
    if name is not None:
        result.name = name
    return result


# --------------------------------------------------------------------------------------
# Applying


def apply(model: Model, changes: Iterable[Change | Mapping[str, Any]] | Change | Mapping[str, Any]) -> Model:
    """A new model: ``model`` with ``changes`` applied in order (see the module docstring).
    ``model`` is never modified. The result remembers the changes (``result.changes``:
    the base's own changes, then these) and the base's :attr:`~Model.variant_of`."""
    from .model import MODEL_PICKLE_VERSION, Model

    if not isinstance(model, Model):
        raise ModelError(f"expected a Model to apply changes to, got {_describe(model)}")
    items = _as_changes(changes)
    state = _State(model)
    for i, change in enumerate(items):
        change._apply(state, f"changes[{i}]")
    result = Model.__new__(Model)
    result.__setstate__(
        {
            "version": MODEL_PICKLE_VERSION,
            "name": model.name,
            "sources": model.sources,
            "adversaries": model.adversaries,
            "tables": state.tables,
            "variant_of": model.variant_of,
            "changes": (*model.changes, *items),
        }
    )
    result._revision = model.revision + 1
    return result


def _as_changes(changes: Any) -> tuple[Change, ...]:
    if isinstance(changes, (Change, Mapping)):
        changes = [changes]
    if isinstance(changes, (str, bytes)) or not isinstance(changes, Iterable):
        raise ModelError(
            f"must be a change or a list of changes (dr.changes.migrate(...), ...), got "
            f"{_describe(changes)}",
            where="changes",
        )
    out = []
    for i, item in enumerate(changes):
        if isinstance(item, Mapping):
            item = change_from_dict(item, f"changes[{i}]")
        elif not isinstance(item, Change):
            raise ModelError(
                f"must be a change (dr.changes.migrate(...), ...) or a mapping with an op, "
                f"got {_describe(item)}",
                where=f"changes[{i}]",
            )
        out.append(item)
    return tuple(out)


class _Context:
    """The state as :func:`datareach.schema.normalise` sees a model."""

    def __init__(self, state: _State) -> None:
        self._state = state

    def ids(self, section: str) -> IdIndex:
        if section == "sources":
            return self._state.model._source_ids
        if section == "nodes":
            return self._state.node_ids
        ids = self._state.model._tables[section].ids  # classes and events never change
        assert ids is not None
        return ids

    def column(self, section: str, name: str) -> np.ndarray:
        return self._state.tables[section][name]


class _State:
    """The tables of the model being built: the base's canonical columns, replaced (never
    written into: they are shared with the base) as changes apply."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.tables: dict[str, dict[str, np.ndarray]] = {
            section: dict(model._tables[section].columns()) for section in SECTIONS
        }
        ids = model._tables["nodes"].ids
        assert ids is not None
        self.node_ids: IdIndex = ids

    # -- lookups -------------------------------------------------------------------------

    def node(self, node_id: str, location: str, *, store: bool = False) -> int:
        row = self.node_ids.mapping.get(node_id)
        if row is None:
            raise ModelError(
                f"unknown node {node_id!r}{did_you_mean(node_id, self.node_ids.array)}",
                where=location,
            )
        if store:
            kind = self.tables["nodes"]["kind"][row]
            if kind != "store":
                raise ModelError(f"{node_id!r} is a {kind}, not a store", where=location)
        return row

    def class_row(self, class_id: str, location: str) -> int:
        index = self.model.class_index
        row = index.get(class_id)
        if row is None:
            raise ModelError(
                f"unknown class {class_id!r}{did_you_mean(class_id, self.model.class_ids)}",
                where=location,
            )
        return row

    def atomic_class(self, class_id: str, location: str) -> int:
        row = self.class_row(class_id, location)
        if self.tables["classes"]["components"][row] is not None:
            raise ModelError(
                f"{class_id!r} is a composite class, which is not placed; name its components",
                where=location,
            )
        return row

    def rules(self) -> list[tuple[int, str, float]]:
        """(row, territory, compels) of every jurisdiction with a rule."""
        nodes = self.tables["nodes"]
        rows = np.flatnonzero(~np.isnan(nodes["compels"]))
        return [(int(j), nodes["territory"][j], float(nodes["compels"][j])) for j in rows]

    def in_force(self, section: str, mask: np.ndarray, day: np.datetime64 | None) -> np.ndarray:
        """Rows of ``mask`` that hold at some date on or after ``day`` (all with no day)."""
        if day is not None:
            end = self.tables[section]["window_end"]
            mask = mask & (np.isnat(end) | (end > day))
        return np.flatnonzero(mask)

    def placements_of(self, class_id: str, store: str, day: np.datetime64 | None, location: str) -> np.ndarray:
        placements = self.tables["placements"]
        mask = (placements["class"] == class_id) & (placements["store"] == store)
        rows = self.in_force("placements", mask, day)
        if len(rows):
            return rows
        effective = None if day is None else dates.from_day(int(day.astype(np.int64)))
        reason = f"no placement of class {class_id!r} in store {store!r}{_dated_miss(mask, effective)}"
        holders = sorted(set(placements["store"][placements["class"] == class_id].tolist()))
        if holders and not mask.any():
            reason += f"; it is placed in {', '.join(map(repr, holders))}"
        flows = self.tables["flows"]
        if (flows["to"] == store).any() and not mask.any():
            reason += " (data that flows bring there is not a placement: remove_flow stops it)"
        raise ModelError(reason, where=location)

    def arcs_between(self, source: str, target: str, day: np.datetime64 | None, where: str) -> np.ndarray:
        self.node(source, f"{where}.from")
        target_row = self.node(target, f"{where}.to")
        access = self.tables["access"]
        mask = (access["from"] == source) & (access["to"] == target)
        rows = self.in_force("access", mask, day)
        if len(rows):
            return rows
        effective = None if day is None else dates.from_day(int(day.astype(np.int64)))
        reason = f"no arc from {source!r} to {target!r}{_dated_miss(mask, effective)}"
        if not mask.any():
            nodes = self.tables["nodes"]
            source_row = self.node_ids.mapping[source]
            territory = nodes["territory"][source_row]
            if (
                territory is not None
                and not nodes["rule_exempt"][target_row]
                and _covers(nodes["region"][target_row], territory)
            ):
                reason += (
                    f"; only the rule of jurisdiction {source!r} reaches it, which is no explicit "
                    f"arc: relocate or disable {target!r} instead"
                )
            elif ((access["from"] == target) & (access["to"] == source)).any():
                reason += f" (there are arcs from {target!r} to {source!r})"
        raise ModelError(reason, where=f"{where}.to")

    # -- edits ---------------------------------------------------------------------------

    def set(self, section: str, name: str, rows: np.ndarray, value: Any) -> None:
        if not len(rows):
            return
        column = self.tables[section][name].copy()
        column[rows] = value
        self.tables[section][name] = column

    def keep(self, section: str, mask: np.ndarray) -> None:
        self.tables[section] = {name: values[mask] for name, values in self.tables[section].items()}

    def append_columns(self, section: str, columns: Mapping[str, np.ndarray]) -> None:
        if not len(next(iter(columns.values()))):
            return
        table = self.tables[section]
        self.tables[section] = {name: np.concatenate([table[name], columns[name]]) for name in table}
        if section == "nodes":
            self.node_ids = IdIndex(self.tables["nodes"]["id"])

    def append_records(self, section: str, records: list[dict[str, Any]], where: str) -> None:
        if not records:
            return
        first = len(next(iter(self.tables[section].values())))
        try:
            columns = normalise(section, records_to_columns(section, records, first), first, _Context(self))
        except ModelError as error:  # the change's own checks should have caught it
            raise ModelError(error.reason, where=where) from None
        self.append_columns(section, columns)

    def end_rows(self, section: str, rows: np.ndarray, day: np.datetime64 | None) -> None:
        """Rows (all in force on or after ``day``) end at ``day``; with no day, or for
        rows that start on or after it, they are removed."""
        if day is not None:
            rows, _ = self.split(section, rows, day, keep="before", later=False)
        keep = np.ones(len(self.tables[section]["window_end"]), dtype=bool)
        keep[rows] = False
        if len(rows):
            self.keep(section, keep)

    def split(
        self,
        section: str,
        rows: np.ndarray,
        day: np.datetime64,
        *,
        keep: str,
        later: bool = True,
        earlier_sink: bool = False,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Split rows that are in force on or after ``day`` at ``day``.

        Returns the rows that lie wholly on or after ``day`` (untouched) and, for the
        others, ``keep="before"``: the rows are cut to end at ``day`` and copies covering
        [day, old end) are returned (not appended; only when ``later``);
        ``keep="after"``: the rows start at ``day`` and copies covering [old start, day)
        are appended at once (``earlier_sink``)."""
        table = self.tables[section]
        start = table["window_start"][rows]
        whole = ~np.isnat(start) & (start >= day)
        parts = rows[~whole]
        copies = {name: values[parts].copy() for name, values in table.items()} if (later or earlier_sink) else {}
        if keep == "before":
            self.set(section, "window_end", parts, day)
            if copies:
                copies["window_start"][:] = day
        else:
            self.set(section, "window_start", parts, day)
            if copies:
                copies["window_end"][:] = day
                if earlier_sink:
                    self.append_columns(section, copies)
                    copies = {}
        return rows[whole], copies


# --------------------------------------------------------------------------------------
# Helpers


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


def _dated_miss(mask: np.ndarray, effective: datetime.date | None) -> str:
    if effective is None:
        return ""
    if mask.any():
        return f" in force on or after {effective} (they end before)"
    return f" in force on or after {effective}"


def _covers(region: str | None, territory: str) -> bool:
    """Whether ``region`` lies in ``territory`` (prefix match on '/' boundaries)."""
    return region is not None and (region == territory or region.startswith(territory + "/"))


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
