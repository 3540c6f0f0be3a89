"""The order of nodes within their columns: fewer crossings, deterministically.

Nodes start grouped by region (top-level regions in sorted order, then the region, then
model order); a few barycentre sweeps, alternately left to right and right to left, move
each node towards the mean position of its neighbours in other columns (rule arcs weigh
less: they reach everything in a territory, and would pull everything together). The
order with the fewest crossings of straight segments (column, position) is kept; ties keep
the current order, so the result depends only on the model.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import style
from .content import AccessMap, MapNode
from .shapes import Point

__all__ = ["ordered_columns"]

_RULE_WEIGHT = 0.25  # a rule arc's pull on the order, against 1 for an explicit arc or flow
_SWEEPS = 8
_MAX_COUNTED_ARCS = 250  # beyond this, crossings are not counted (quadratic): the last sweep is kept


def ordered_columns(
    content: AccessMap, kinds: list[str], column_of: dict[str, int], colours: dict[str, str]
) -> list[list[str]]:
    """Node ids per column (one column per kind of ``kinds``), top to bottom."""
    region_rank = {top: i for i, top in enumerate(sorted(colours))}

    def start_key(node: MapNode) -> tuple[int, str, int]:
        region = node.colour_region
        top = style.top_region(region)
        return (region_rank.get(top, len(region_rank)) if top else len(region_rank), region or "", node.row)

    columns = [[n.id for n in sorted((n for n in content.nodes if n.kind == kind), key=start_key)] for kind in kinds]
    edges = [
        (arc.source, arc.target, _RULE_WEIGHT if arc.kind == "rule" else 1.0)
        for arc in content.arcs
        if column_of[arc.source] != column_of[arc.target]
    ]
    neighbours: dict[str, list[tuple[str, float]]] = {node.id: [] for node in content.nodes}
    for source, target, weight in edges:
        neighbours[source].append((target, weight))
        neighbours[target].append((source, weight))

    position: dict[str, float] = {}

    def place(c: int) -> None:
        column = columns[c]
        for i, node_id in enumerate(column):
            position[node_id] = (i + 0.5) / len(column)

    for c in range(len(columns)):
        place(c)
    best = [list(column) for column in columns]
    best_crossings = _crossings(edges, position, column_of)
    for sweep in range(_SWEEPS):
        order = range(len(columns)) if sweep % 2 == 0 else range(len(columns) - 1, -1, -1)
        for c in order:
            centre: dict[str, float] = {}
            for node_id in columns[c]:
                pulls = neighbours[node_id]
                total = sum(weight for _, weight in pulls)
                centre[node_id] = (
                    sum(position[other] * weight for other, weight in pulls) / total if total else position[node_id]
                )
            current = {node_id: i for i, node_id in enumerate(columns[c])}
            columns[c].sort(key=lambda node_id: (centre[node_id], current[node_id]))
            place(c)
        crossings = _crossings(edges, position, column_of)
        if crossings is not None and best_crossings is not None and crossings < best_crossings:
            best, best_crossings = [list(column) for column in columns], crossings
        elif best_crossings is None:
            best = [list(column) for column in columns]
    return best


def _crossings(
    edges: Sequence[tuple[str, str, float]], position: dict[str, float], column_of: dict[str, int]
) -> float | None:
    """Weighted count of crossing pairs of straight segments (column, position); None when
    there are too many arcs to count."""
    if len(edges) > _MAX_COUNTED_ARCS:
        return None
    segments = []
    for source, target, weight in edges:
        a = (float(column_of[source]), position[source])
        b = (float(column_of[target]), position[target])
        segments.append((min(a, b), max(a, b), weight))
    total = 0.0
    for i, (a1, b1, w1) in enumerate(segments):
        for a2, b2, w2 in segments[i + 1 :]:
            if a1 in (a2, b2) or b1 in (a2, b2):
                continue  # segments sharing an end do not cross
            if _cross(a1, b1, a2, b2):
                total += w1 * w2
    return total


def _cross(a1: Point, b1: Point, a2: Point, b2: Point) -> bool:
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = side(a1, b1, a2), side(a1, b1, b2)
    d3, d4 = side(a2, b2, a1), side(a2, b2, b1)
    return d1 * d2 < 0 and d3 * d4 < 0
