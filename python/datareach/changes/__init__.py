"""What-if changes as data (docs/design.md §5): the builders, and the package of the change
types (:mod:`~datareach.changes.types`), their fields (:mod:`~datareach.changes.fields`),
their file form (:mod:`~datareach.changes.convert`) and the apply engine
(:mod:`~datareach.changes.apply`, :mod:`~datareach.changes.state`).

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
``set_p(event=id, p=p)``
    Sets the p of an event. Dated: events carry no windows, so the event keeps its id (and
    its coin) with the new p, and each arc requiring it is split at ``effective``: the
    earlier part requires a new event ``<id> before <effective>`` holding the old p (and
    range), the later part keeps the arc's row and the event.
``set_compels(node, p)``
    Sets the p of a jurisdiction's rule. Dated: nodes carry no windows, so the rule is
    written out as explicit ``compels`` arcs to every node it reaches, with the old p
    until ``effective`` and the new one from then on, and the node's own rule is cleared
    (as a dated ``disable`` writes out a rule).
``add_gateway(id, sources, targets, p, classes=None, region=None)``
    Creates the node ``id`` (kind gateway, ``region``); every explicit arc s → t with s in
    ``sources`` and t in ``targets`` becomes s → gateway, keeping everything else (p,
    requires, class filter, kind, cost, window, source, note); then ONE arc gateway → t
    (kind ``gateway``) per target that received a rerouted arc, with the gateway's ``p``
    and class filter, and as window the span of the rerouted arcs' windows into that
    target (so that the gateway is not a way in at dates when no rerouted arc led there).
    Dated: the old arcs end at ``effective``, the rerouted ones and the gateway arcs start
    there. As docs/design.md §5 says, the gateway pools its inputs: a source that reached only t1
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

Decisions on the points docs/design.md leaves open
==================================================

- **Nothing to change is an error.** A migrate, delete, revoke, set_p or remove_flow
  that finds no entry (or, when dated, none in force on or after ``effective``) raises
  :class:`~datareach.errors.ModelError`: a plan that silently does nothing is almost always
  a typo or a wrong date. So does a set_p or set_compels to the p the entry has already,
  a set_p of an event that no arc requires (dated: none in force on or after
  ``effective``) and a set_compels of a rule that reaches no node.
- **A value set loses its range.** ``set_p`` and ``set_compels`` drop the ``p_range`` /
  ``compels_range`` of what they set: the plan decides the value, so the range that
  described the uncertain assumption no longer applies (dated: the part before
  ``effective`` keeps it). Explicit arcs written out for a rule carry the rule's
  ``compels_range`` as their ``p_range``. An add_gateway that reroutes no arc at all is an error too;
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

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import ModelError
from ..io.variants import dumps_changes as dumps
from ..io.variants import loads_changes as loads
from ..io.variants import save_variant, variant_dict
from ..model import Model
from ..model.values import describe
from .convert import change_from_dict, from_dicts, to_dicts
from .types import (
    OPS,
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
    "set_compels",
    "set_p",
    "to_dicts",
    "variant_dict",
]


def apply(model: Model, changes: Iterable[Change | Mapping[str, Any]] | Change | Mapping[str, Any]) -> Model:
    """A new model: ``model`` with ``changes`` applied in order (see the module docstring);
    the same as ``model.apply(changes)``. ``model`` is never modified. The result remembers
    the changes (``result.changes``: the base's own changes, then these) and the base's
    :attr:`~datareach.model.Model.variant_of`."""
    if not isinstance(model, Model):
        raise ModelError(f"expected a Model to apply changes to, got {describe(model)}")
    return model.apply(changes)


# --------------------------------------------------------------------------------------
# Builders


def migrate(data_class: str, from_: str, to: str, *, effective: Any = None, note: str | None = None) -> Migrate:
    """Move the placements of ``data_class`` in store ``from_`` to store ``to``."""
    return Migrate(data_class, from_, to, effective=effective, note=note)


def copy(data_class: str, to: str, share: float = 1.0, *, effective: Any = None, note: str | None = None) -> Copy:
    """Place ``share`` of ``data_class`` in store ``to`` as well."""
    return Copy(data_class, to, share, effective=effective, note=note)


def delete(data_class: str, store: str, *, effective: Any = None, note: str | None = None) -> Delete:
    """Remove the placements of ``data_class`` in ``store``."""
    return Delete(data_class, store, effective=effective, note=note)


def revoke(from_: str, to: str, *, effective: Any = None, note: str | None = None) -> Revoke:
    """Remove the access arcs from ``from_`` to ``to``."""
    return Revoke(from_, to, effective=effective, note=note)


def set_p(
    from_: str | None = None,
    to: str | None = None,
    p: float | None = None,
    *,
    event: str | None = None,
    effective: Any = None,
    note: str | None = None,
) -> SetP:
    """Set the probability of the access arcs from ``from_`` to ``to`` (``set_p("a", "b",
    0.5)``), or of an event (``set_p(event="insider", p=0.5)``): exactly one of the two."""
    return SetP(from_, to, p, event, effective=effective, note=note)  # type: ignore[arg-type]  # p: checked


def set_compels(node: str, p: float, *, effective: Any = None, note: str | None = None) -> SetCompels:
    """Set the probability of the rule of the jurisdiction ``node`` (its ``compels``)."""
    return SetCompels(node, p, effective=effective, note=note)


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
