"""The what-if changes as data: one frozen dataclass per op (docs/design.md §5).

A change holds checked, canonical values (ids as strings, lists as tuples, ``effective``
as a ``datetime.date``) and writes itself as file data (:meth:`Change.to_dict`). What a
change does to a model's tables is the apply engine's job (:mod:`datareach.changes.apply`);
the ops are described in :mod:`datareach.changes`.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, ClassVar

from ..errors import ModelError
from .fields import EFFECTIVE, NOTE, Spec, check_value, file_value

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
    "SetCompels",
    "SetP",
]


@dataclasses.dataclass(frozen=True, repr=False)
class Change:
    """One what-if change. Subclasses are the ops of docs/design.md §5; build them with
    the functions of :mod:`datareach.changes` (:func:`~datareach.changes.migrate`, ...)
    or from file data with :func:`~datareach.changes.change_from_dict`. Values are checked and normalised when a change is made
    (ids are strings, lists become tuples, ``effective`` a ``datetime.date``); references
    to the model are checked when it is applied."""

    effective: datetime.date | None = dataclasses.field(default=None, kw_only=True)
    note: str | None = dataclasses.field(default=None, kw_only=True)

    op: ClassVar[str] = ""
    _specs: ClassVar[tuple[Spec, ...]] = ()

    @classmethod
    def file_fields(cls) -> tuple[Spec, ...]:
        """The fields of this op as files name them, in the order they are written: its own,
        then ``effective`` and ``note``."""
        return (*cls._specs, EFFECTIVE, NOTE)

    def __post_init__(self) -> None:
        for spec in self.file_fields():
            value = getattr(self, spec.attr)
            location = f"{self.op}.{spec.key}"
            if value is None:
                if spec.required:
                    raise ModelError("is required", where=location)
                continue
            object.__setattr__(self, spec.attr, check_value(spec.kind, value, location))
        problem = self._form_problem()
        if problem is not None:
            key, reason = problem
            raise ModelError(reason, where=f"{self.op}.{key}")

    def _form_problem(self) -> tuple[str, str] | None:
        """(field, reason) when the fields given do not make one form of the op (an op
        with alternative forms, such as set_p, checks which one is meant), else None."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """The change as a file writes it: ``{op: migrate, class: ..., from: ..., to: ...,
        effective: 2023-01-01}`` (dates as ISO strings; fields at their default left
        out)."""
        out: dict[str, Any] = {"op": self.op}
        for spec in self.file_fields():
            value = getattr(self, spec.attr)
            if value is None or (not spec.required and value == spec.default):
                continue
            out[spec.key] = file_value(value)
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its op and field values and rebuilt through the constructor, so an
        # unpickled change is checked like every other (a default dataclass pickle would
        # set its fields unchecked).
        fields = {spec.attr: getattr(self, spec.attr) for spec in self.file_fields()}
        return (_rebuilt, (self.op, fields))

    def __repr__(self) -> str:
        parts = []
        for spec in self.file_fields():
            value = getattr(self, spec.attr)
            if value is not None and (spec.required or value != spec.default):
                shown = value.isoformat() if isinstance(value, datetime.date) else value
                parts.append(f"{spec.attr}={shown!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


@dataclasses.dataclass(frozen=True, repr=False)
class Migrate(Change):
    """The placements of ``data_class`` in store ``from_`` move to store ``to`` (shares and
    windows kept). Dated: they stay in ``from_`` until ``effective`` and are in ``to``
    from then on (within their original window)."""

    data_class: str
    from_: str
    to: str

    op: ClassVar[str] = "migrate"
    _specs: ClassVar[tuple[Spec, ...]] = (
        Spec("class", "data_class", "id"),
        Spec("from", "from_", "id"),
        Spec("to", "to", "id"),
    )


@dataclasses.dataclass(frozen=True, repr=False)
class Copy(Change):
    """A new placement of ``data_class`` in store ``to`` with ``share`` (default 1: the whole
    class); dated: from ``effective`` on."""

    data_class: str
    to: str
    share: float = 1.0

    op: ClassVar[str] = "copy"
    _specs: ClassVar[tuple[Spec, ...]] = (
        Spec("class", "data_class", "id"),
        Spec("to", "to", "id"),
        Spec("share", "share", "share", required=False, default=1.0),
    )


@dataclasses.dataclass(frozen=True, repr=False)
class Delete(Change):
    """The placements of ``data_class`` in ``store`` are removed (dated: they end at
    ``effective``). A flow that copies the class into the store keeps it there."""

    data_class: str
    store: str

    op: ClassVar[str] = "delete"
    _specs: ClassVar[tuple[Spec, ...]] = (
        Spec("class", "data_class", "id"),
        Spec("store", "store", "id"),
    )


@dataclasses.dataclass(frozen=True, repr=False)
class Revoke(Change):
    """The explicit access arcs from ``from_`` to ``to`` are removed (dated: they end at
    ``effective``). A jurisdiction rule is not an arc that revoke can name: use
    :class:`Relocate` or :class:`Disable`."""

    from_: str
    to: str

    op: ClassVar[str] = "revoke"
    _specs: ClassVar[tuple[Spec, ...]] = (Spec("from", "from_", "id"), Spec("to", "to", "id"))


@dataclasses.dataclass(frozen=True, repr=False)
class SetP(Change):
    """A probability set: of the explicit arcs from ``from_`` to ``to``, or of the event
    ``event`` (exactly one of the two forms). Dated, an arc is split at ``effective``, the
    earlier part keeping its old p; the later part stays in the arc's row so that it shares
    the base model's random coin. A dated event keeps its id (and so its coin) with the new
    p; the arcs requiring it are split at ``effective`` and their earlier parts require a
    new event holding the old p. A range of the value set (``p_range``) is dropped: the
    change sets the value (docs/design.md §8, decision 29)."""

    from_: str | None
    to: str | None
    p: float
    event: str | None = None

    op: ClassVar[str] = "set_p"
    _specs: ClassVar[tuple[Spec, ...]] = (
        Spec("from", "from_", "id", required=False),
        Spec("to", "to", "id", required=False),
        Spec("event", "event", "id", required=False),
        Spec("p", "p", "p"),
    )

    def _form_problem(self) -> tuple[str, str] | None:
        if self.event is not None:
            if self.from_ is not None or self.to is not None:
                return (
                    "event",
                    "set_p takes either from and to (the arcs between two nodes) or event (an event), not both",
                )
            return None
        if self.from_ is None and self.to is None:
            return ("from", "is required for set_p with to (an arc's p), or give event (an event's p)")
        if self.to is None:
            return ("to", "is required for set_p with from")
        if self.from_ is None:
            return ("from", "is required for set_p with to")
        return None


@dataclasses.dataclass(frozen=True, repr=False)
class SetCompels(Change):
    """The rule of the jurisdiction ``node`` gets probability ``p`` (its ``compels``). Dated:
    nodes carry no windows, so the rule is written out as explicit ``compels`` arcs to the
    nodes it reaches, with the old p until ``effective`` and ``p`` from then on (as a dated
    :class:`Disable` writes a rule out). A ``compels_range`` is dropped (the change sets
    the value); the arcs before ``effective`` keep it as their ``p_range``."""

    node: str
    p: float

    op: ClassVar[str] = "set_compels"
    _specs: ClassVar[tuple[Spec, ...]] = (Spec("node", "node", "id"), Spec("p", "p", "p"))


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
    _specs: ClassVar[tuple[Spec, ...]] = (
        Spec("id", "id", "id"),
        Spec("sources", "sources", "nodes"),
        Spec("targets", "targets", "nodes"),
        Spec("p", "p", "p"),
        Spec("classes", "classes", "classes", required=False),
        Spec("region", "region", "region", required=False),
    )


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
    _specs: ClassVar[tuple[Spec, ...]] = (Spec("node", "node", "id"), Spec("region", "region", "region"))


@dataclasses.dataclass(frozen=True, repr=False)
class AddFlow(Change):
    """A new flow from store ``from_`` to store ``to`` carrying ``classes`` (None: every
    class) with ``share``; dated: from ``effective`` on."""

    from_: str
    to: str
    classes: tuple[str, ...] | None = None
    share: float = 1.0

    op: ClassVar[str] = "add_flow"
    _specs: ClassVar[tuple[Spec, ...]] = (
        Spec("from", "from_", "id"),
        Spec("to", "to", "id"),
        Spec("classes", "classes", "classes", required=False),
        Spec("share", "share", "share", required=False, default=1.0),
    )


@dataclasses.dataclass(frozen=True, repr=False)
class RemoveFlow(Change):
    """The flows from ``from_`` to ``to`` are removed (dated: they end at
    ``effective``)."""

    from_: str
    to: str

    op: ClassVar[str] = "remove_flow"
    _specs: ClassVar[tuple[Spec, ...]] = (Spec("from", "from_", "id"), Spec("to", "to", "id"))


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
    _specs: ClassVar[tuple[Spec, ...]] = (Spec("node", "node", "id"),)


OPS: dict[str, type[Change]] = {
    cls.op: cls
    for cls in (Migrate, Copy, Delete, Revoke, SetP, SetCompels, AddGateway, Relocate, AddFlow, RemoveFlow, Disable)
}


def _rebuilt(op: Any, fields: Any) -> Change:
    """A change from the op and field values its pickle holds, checked as it is built."""
    if not isinstance(op, str) or op not in OPS or not isinstance(fields, dict):
        raise ModelError("not the pickle of a change")
    known = {spec.attr for spec in OPS[op].file_fields()}
    if not set(fields) <= known or not all(isinstance(key, str) for key in fields):
        raise ModelError(f"not the pickle of a {op} change")
    return OPS[op](**fields)
