"""What an access-map diagram shows (docs/design.md §5b): the nodes, explicit access arcs,
jurisdiction rule arcs and flows of a model as of a date, the data classes each store holds,
optionally restricted to what some adversaries can possibly reach. No geometry here: that
is :mod:`datareach.diagram.layout`'s job.

Windows are applied as the core applies them (an entry is present at ``at`` iff its window
``[start, end)`` contains it); presence (``share_d(s)``, docs/design.md §2.1) comes from the
compiled core, so a store shows the classes flows bring to it too. The restriction uses the
core's ``relevant_arcs``: the possible arcs admitting a class on some possible path from the
adversary to a store holding it (the arcs importance and the cheapest reduction consider).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..dates import OPEN_END, OPEN_START, dates_to_days, from_day, to_day, to_iso
from ..errors import ModelError
from ..model.lowering import class_index, compile_model
from ..options import shown

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["AccessMap", "ArcKind", "MapArc", "MapNode", "access_map", "max_nodes_value"]

ArcKind = Literal["access", "rule", "flow"]

# The most nodes a diagram draws by default: a readable page, and a bound on the work and
# the size of the SVG (docs/design.md §8 decision 40).
DEFAULT_MAX_NODES = 150
# Arcs allowed per node allowed: beyond this the picture is a solid mesh and the SVG
# megabytes long; the same remedy (restrict) applies.
ARCS_PER_NODE = 10


@dataclasses.dataclass(frozen=True)
class MapNode:
    """A node as the diagram draws it; ``held``: the atomic classes the node holds as of the
    date, with their share (stores only), in class order."""

    id: str
    row: int
    kind: str
    region: str | None
    territory: str | None
    compels: float | None
    held: tuple[tuple[str, float], ...]
    adversary: bool

    @property
    def colour_region(self) -> str | None:
        """The region that colours the node: its own, or a jurisdiction's territory."""
        return self.region if self.region is not None else self.territory


@dataclasses.dataclass(frozen=True)
class MapArc:
    """An arc as the diagram draws it.

    ``entry`` names where it comes from (``access[3]``, ``nodes[0].compels`` for a rule arc,
    ``flows[1]``); ``key`` identifies it (a rule's entry is shared by all its arcs, so its
    key adds the target). ``p`` is the arc's probability (a flow: its share)."""

    kind: ArcKind
    source: str
    target: str
    entry: str
    p: float
    requires: tuple[str, ...] = ()
    classes: tuple[str, ...] | None = None
    label: str | None = None  # the entry's own `kind` field: "admin", "backup", ...
    window: tuple[str | None, str | None] = (None, None)

    @property
    def key(self) -> tuple[str, str]:
        return (self.entry, self.target if self.kind == "rule" else "")


@dataclasses.dataclass(frozen=True)
class AccessMap:
    """The content of a diagram: nodes in model order, arcs (explicit in access-table order,
    then rule arcs, then flows), the date and, when restricted, to which adversaries and
    classes."""

    name: str | None
    at: str | None
    nodes: tuple[MapNode, ...]
    arcs: tuple[MapArc, ...]
    adversaries: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None

    def node_ids(self) -> set[str]:
        return {node.id for node in self.nodes}

    def arcs_by_key(self) -> dict[tuple[str, str], MapArc]:
        return {arc.key: arc for arc in self.arcs}


def max_nodes_value(value: Any) -> int:
    """``max_nodes`` checked: a whole number ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ModelError(f"must be a whole number >= 1, got {shown(value)}", where="max_nodes")
    return int(value)


def access_map(
    model: Model,
    at: Any = None,
    *,
    adversaries: str | Iterable[str] | None = None,
    classes: str | Iterable[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> AccessMap:
    """The content of the diagram of ``model`` as of ``at`` (None: windows ignored).

    With ``adversaries`` or ``classes`` (either may be left out: the model's adversaries,
    every class) only the nodes and arcs on some possible path from an adversary to a store
    holding one of the classes are kept, with the flows between kept stores. More than
    ``max_nodes`` nodes, or more than ten arcs per allowed node, is a ModelError saying how
    to restrict the map."""
    from .._core import relevant_arcs

    limit = max_nodes_value(max_nodes)
    day = None if at is None else to_day(at, where="at")
    restricted = adversaries is not None or classes is not None
    if not restricted:
        _check_size(len(model.node_ids), limit, restricted=False)
    graph = compile_model(model, at)
    present = {section: _present(model, section, day) for section in ("access", "flows")}

    adversary_ids: tuple[str, ...] | None = None
    class_ids: tuple[str, ...] | None = None
    shown_classes = list(range(len(model.class_ids)))
    if restricted:
        adversary_ids, adversary_rows = _adversaries(model, adversaries)
        class_ids, shown_classes = _classes(model, classes)
        keep_nodes: set[int] = set(adversary_rows)
        keep_access: set[int] = set()
        keep_rules: set[tuple[int, int]] = set()
        for row in adversary_rows:
            for atomic in shown_classes:
                found = relevant_arcs(graph, row, atomic)
                for origin, source, target in zip(found["origin"], found["from"], found["to"]):
                    keep_nodes.update((int(source), int(target)))
                    if origin >= 0:
                        keep_access.add(int(origin))
                    else:
                        keep_rules.add((-1 - int(origin), int(target)))
        _check_size(len(keep_nodes), limit, restricted=True)
        node_rows = sorted(keep_nodes)
        access_rows = sorted(keep_access)  # relevant arcs are present arcs
        rules = sorted(keep_rules)
    else:
        node_rows = list(range(len(model.node_ids)))
        access_rows = [int(i) for i in np.flatnonzero(present["access"])]
        rules = _rule_arcs(model)
    kept = set(node_rows)
    flow_from = model._positions("nodes", model._column("flows", "from"))
    flow_to = model._positions("nodes", model._column("flows", "to"))
    flow_rows = [
        int(i) for i in np.flatnonzero(present["flows"]) if int(flow_from[i]) in kept and int(flow_to[i]) in kept
    ]
    arc_count = len(access_rows) + len(rules) + len(flow_rows)
    if arc_count > ARCS_PER_NODE * limit:
        raise ModelError(
            f"the map has {arc_count:,} arcs (rule arcs included), more than {ARCS_PER_NODE} per node of "
            f"max_nodes={limit}: restrict it with adversaries= and classes= to what an adversary can reach",
            where="max_nodes",
        )

    held = _held(model, graph, shown_classes, kept)
    nodes = tuple(_node(model, row, held.get(row, ()), adversary_ids) for row in node_rows)
    arcs = (
        [_access_arc(model, row) for row in access_rows]
        + [_rule_arc(model, jurisdiction, target) for jurisdiction, target in rules]
        + [_flow_arc(model, row) for row in flow_rows]
    )
    return AccessMap(
        name=model.name,
        at=None if day is None else to_iso(day),
        nodes=nodes,
        arcs=tuple(arcs),
        adversaries=adversary_ids,
        classes=class_ids,
    )


def _check_size(count: int, limit: int, *, restricted: bool) -> None:
    if count <= limit:
        return
    advice = (
        "restrict it further (fewer adversaries or classes) or raise max_nodes"
        if restricted
        else "restrict it with adversaries= and classes= to what an adversary can possibly reach, or raise max_nodes"
    )
    raise ModelError(f"the map has {count:,} nodes, more than max_nodes={limit}: {advice}", where="max_nodes")


def _present(model: Model, section: str, day: int | None) -> np.ndarray:
    """Rows of ``section`` whose window contains ``day`` (every row when None)."""
    start = dates_to_days(model._column(section, "window_start"), OPEN_START)
    if day is None:
        return np.ones(len(start), dtype=bool)
    end = dates_to_days(model._column(section, "window_end"), OPEN_END)
    mask: np.ndarray = (start <= day) & (day < end)
    return mask


def _rule_arcs(model: Model) -> list[tuple[int, int]]:
    """(jurisdiction row, target row) of every rule arc (docs/design.md §1): to every other
    node whose region lies in the territory, except rule-exempt nodes."""
    territory = model._column("nodes", "territory")
    compels = model._column("nodes", "compels")
    region = model._column("nodes", "region")
    exempt = model._column("nodes", "rule_exempt")
    arcs: list[tuple[int, int]] = []
    for j in np.flatnonzero(territory != None):  # noqa: E711  (elementwise on an object column)
        if compels[j] is None or math.isnan(float(compels[j])):
            continue
        place = str(territory[j])
        for v, name in enumerate(region):
            if v != j and not exempt[v] and isinstance(name, str) and (name == place or name.startswith(place + "/")):
                arcs.append((int(j), v))
    return arcs


def _adversaries(model: Model, adversaries: str | Iterable[str] | None) -> tuple[tuple[str, ...], list[int]]:
    from ..analysis._requests import requested_adversaries

    ids, rows = requested_adversaries(model, adversaries)
    return tuple(ids), rows


def _classes(model: Model, classes: str | Iterable[str] | None) -> tuple[tuple[str, ...], list[int]]:
    """The requested class ids and the atomic classes they stand for (composites flattened),
    in class order."""
    if classes is None:
        ids = list(model.class_ids)
    elif isinstance(classes, str):
        ids = [classes]
    elif isinstance(classes, Iterable) and not isinstance(classes, (bytes, dict)):
        ids = list(classes)
    else:
        raise ModelError(f"must be a class id or a list of class ids, got {shown(classes)}", where="classes")
    if not ids:
        raise ModelError("is empty: name at least one class, or leave it out for every class", where="classes")
    components = model._column("classes", "components")
    atomic: set[int] = set()
    for position, class_id in enumerate(ids):
        pending = [
            class_index(model, class_id, where="classes" if isinstance(classes, str) else f"classes[{position}]")
        ]
        while pending:  # composites nest; the model refuses cycles of components
            row = pending.pop()
            if components[row] is None:
                atomic.add(row)
            else:
                pending.extend(model.class_index[c] for c in components[row])
    return tuple(ids), sorted(atomic)


def _held(model: Model, graph: Any, classes: Sequence[int], nodes: set[int]) -> dict[int, list[tuple[str, float]]]:
    """Node row → (class id, share) of the given atomic classes it holds (share > 0), in class
    order, from the compiled core's presence (flows included)."""
    offsets, stores, shares = graph.presence_offsets, graph.presence_stores, graph.presence_shares
    held: dict[int, list[tuple[str, float]]] = {}
    for c in classes:
        for k in range(int(offsets[c]), int(offsets[c + 1])):
            store, share = int(stores[k]), float(shares[k])
            if store in nodes and share > 0:
                held.setdefault(store, []).append((model.class_ids[c], share))
    return held


def _node(model: Model, row: int, held: Sequence[tuple[str, float]], adversaries: tuple[str, ...] | None) -> MapNode:
    column = model._column
    compels = column("nodes", "compels")[row]
    node_id = model._id_array("nodes")[row]
    chosen = model.adversaries if adversaries is None else adversaries
    return MapNode(
        id=node_id,
        row=row,
        kind=str(column("nodes", "kind")[row]),
        region=_text(column("nodes", "region")[row]),
        territory=_text(column("nodes", "territory")[row]),
        compels=None if compels is None or math.isnan(float(compels)) else float(compels),
        held=tuple(held),
        adversary=node_id in chosen,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _window(model: Model, section: str, row: int) -> tuple[str | None, str | None]:
    start = dates_to_days(model._column(section, "window_start")[row : row + 1], OPEN_START)[0]
    end = dates_to_days(model._column(section, "window_end")[row : row + 1], OPEN_END)[0]
    return (
        None if start == OPEN_START else from_day(int(start)).isoformat(),
        None if end == OPEN_END else from_day(int(end)).isoformat(),
    )


def _access_arc(model: Model, row: int) -> MapArc:
    def cell(name: str) -> Any:  # one row, leaving the model's list columns unmade
        return model._cell("access", name, row)

    requires = cell("requires")
    classes = cell("classes")
    return MapArc(
        kind="access",
        source=str(cell("from")),
        target=str(cell("to")),
        entry=f"access[{row}]",
        p=float(cell("p")),
        requires=tuple(requires) if requires is not None else (),
        classes=tuple(classes) if classes is not None else None,
        label=_text(cell("kind")),
        window=_window(model, "access", row),
    )


def _rule_arc(model: Model, jurisdiction: int, target: int) -> MapArc:
    return MapArc(
        kind="rule",
        source=model._id_array("nodes")[jurisdiction],
        target=model._id_array("nodes")[target],
        entry=f"nodes[{jurisdiction}].compels",
        p=float(model._column("nodes", "compels")[jurisdiction]),
        label="compels",
    )


def _flow_arc(model: Model, row: int) -> MapArc:
    column = model._column
    classes = column("flows", "classes")[row]
    return MapArc(
        kind="flow",
        source=str(column("flows", "from")[row]),
        target=str(column("flows", "to")[row]),
        entry=f"flows[{row}]",
        p=float(column("flows", "share")[row]),
        classes=tuple(classes) if classes is not None else None,
        label=_text(column("flows", "kind")[row]),
        window=_window(model, "flows", row),
    )
