"""How arcs run: an arc between non-adjacent columns passes each column in between through
a gap between two nodes (or above or below the column), never under a box; the layout
widens a gap for the arcs passing it. Every arc is a chain of cubic Bézier segments with
horizontal tangents at the node sides and gaps, ending in an arrowhead. An arc between two
nodes of one column loops out to the column's right.

Two steps, because gap sizes depend on the routes and positions on the gap sizes:
:func:`plan` picks each arc's gaps from provisional positions, :func:`arc_shapes` draws
the arcs once the layout has placed the nodes with those gaps.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence

from . import style
from .content import AccessMap, MapArc
from .highlight import BEST, CUT, HIGHLIGHT, Marks
from .shapes import ArcShape, NodeShape, Point, Segment, TextLine, bezier

__all__ = ["Plan", "arc_shapes", "gap_room", "plan"]

# Height a gap needs per arc passing it: explicit arcs and flows, thin rule arcs.
_PER_ARC = 7.0
_PER_RULE_ARC = 4.0
_HEAD_LENGTH = 9.0
_HEAD_HALF_WIDTH = 4.2
_CLEARANCE = 6.0  # between a passing arc and a column's boxes, horizontally


@dataclasses.dataclass(frozen=True)
class Plan:
    """Each arc's passes (column, gap) in order from source to target, where gap ``g`` of a
    column lies just above its node ``g`` (``g`` = the column's length: below the last
    node), with the height each gap must hold."""

    passes: tuple[tuple[tuple[int, int], ...], ...]
    room: Mapping[tuple[int, int], float]


def gap_room(arc: MapArc) -> float:
    return _PER_RULE_ARC if arc.kind == "rule" else _PER_ARC


def plan(
    content: AccessMap,
    columns: Sequence[Sequence[str]],
    column_of: Mapping[str, int],
    spans: Mapping[str, tuple[float, float]],
) -> Plan:
    """The gaps each arc passes, from provisional vertical ``spans`` (top, bottom) of the
    nodes: in each column between its ends, the gap nearest to the straight line between
    the centres of its ends."""
    passes = []
    room: dict[tuple[int, int], float] = {}
    for arc in content.arcs:
        cs, ct = column_of[arc.source], column_of[arc.target]
        ys, yt = (sum(spans[arc.source]) / 2, sum(spans[arc.target]) / 2)
        step = 1 if ct > cs else -1
        chosen = []
        for c in range(cs + step, ct, step):
            wanted = ys + (yt - ys) * (c - cs) / (ct - cs)
            gap = _nearest_gap(columns[c], spans, wanted)
            chosen.append((c, gap))
            room[(c, gap)] = room.get((c, gap), 0.0) + gap_room(arc)
        passes.append(tuple(chosen))
    return Plan(tuple(passes), room)


def _nearest_gap(column: Sequence[str], spans: Mapping[str, tuple[float, float]], wanted: float) -> int:
    middles = [spans[column[0]][0] - style.NODE_GAP / 2]
    middles += [(spans[a][1] + spans[b][0]) / 2 for a, b in itertools.pairwise(column)]
    middles.append(spans[column[-1]][1] + style.NODE_GAP / 2)
    return min(range(len(middles)), key=lambda g: (abs(middles[g] - wanted), g))


def arc_shapes(
    content: AccessMap,
    routes: Plan,
    shapes: Mapping[str, NodeShape],
    column_of: Mapping[str, int],
    column_x: Sequence[tuple[float, float]],
    gaps: Mapping[tuple[int, int], tuple[float, float]],
    colours: Mapping[str, str],
    marks: Marks,
) -> tuple[ArcShape, ...]:
    """Every arc drawn: ``column_x`` the (left, right) of each column, ``gaps`` the (top,
    bottom) of each gap in the final layout. Draw order: rule arcs, flows, explicit arcs,
    marked arcs last (on top)."""
    waypoints = _waypoints(content, routes, shapes, gaps)
    ports = _ports(content, shapes, column_of, waypoints)
    drawn = []
    for index, arc in enumerate(content.arcs):
        start, end = ports[(index, 0)], ports[(index, 1)]
        points = [start]
        for (c, _), y in zip(routes.passes[index], waypoints[index]):
            left, right = column_x[c]
            near, far = (left - _CLEARANCE, right + _CLEARANCE)
            points += [(near, y), (far, y)] if start[0] < end[0] else [(far, y), (near, y)]
        points.append(end)
        arc_marks = marks.of_arc(arc.key)
        colour, width, dash, opacity = _arc_style(arc, arc_marks, colours, shapes)
        segments = _segments(points, loop=column_of[arc.source] == column_of[arc.target])
        head, base = _head(segments[-1][2], segments[-1][3], width)
        last = segments[-1]
        segments[-1] = (last[0], last[1], last[2], base)
        label = _label(arc, segments[-1], colour)
        cross = _cross_mark(segments[0], 0.5 if len(segments) > 1 else 0.3) if CUT in arc_marks else None
        drawn.append(
            ArcShape(arc, tuple(segments), head, colour, width, dash, opacity, arc_marks, label, cross, _tooltip(arc))
        )
    rank = {"rule": 0, "flow": 1, "access": 2}
    return tuple(sorted(drawn, key=lambda shape: (bool(shape.marks), rank[shape.arc.kind])))


def _waypoints(
    content: AccessMap,
    routes: Plan,
    shapes: Mapping[str, NodeShape],
    gaps: Mapping[tuple[int, int], tuple[float, float]],
) -> list[list[float]]:
    """The height at which each arc crosses each gap it passes: the arcs of one gap spread
    evenly over it, in the order of where they are heading."""
    users: dict[tuple[int, int], list[tuple[float, float, int, int]]] = {}
    for index, arc in enumerate(content.arcs):
        ys, yt = shapes[arc.source].centre[1], shapes[arc.target].centre[1]
        for k, where in enumerate(routes.passes[index]):
            users.setdefault(where, []).append((yt, ys, index, k))
    heights: list[list[float]] = [[0.0] * len(p) for p in routes.passes]
    for where, passing in users.items():
        top, bottom = gaps[where]
        passing.sort()
        weights = [gap_room(content.arcs[index]) for _, _, index, _ in passing]
        total = sum(weights)
        used = 0.0
        for (_, _, index, k), weight in zip(passing, weights):
            heights[index][k] = top + (bottom - top) * (used + weight / 2) / total
            used += weight
    return heights


def _ports(
    content: AccessMap,
    shapes: Mapping[str, NodeShape],
    column_of: Mapping[str, int],
    waypoints: Sequence[Sequence[float]],
) -> dict[tuple[int, int], Point]:
    """Where each arc leaves its source (end 0) and enters its target (end 1): spread along
    the node's side in the order of where the arcs go, so they do not pile up."""
    sides: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
    for index, arc in enumerate(content.arcs):
        cs, ct = column_of[arc.source], column_of[arc.target]
        source_side, target_side = (
            ("right", "left") if cs < ct else ("left", "right") if cs > ct else ("right", "right")
        )
        via = waypoints[index]
        towards = via[0] if via else shapes[arc.target].centre[1]
        back = via[-1] if via else shapes[arc.source].centre[1]
        sides.setdefault((arc.source, source_side), []).append((towards, index, 0))
        sides.setdefault((arc.target, target_side), []).append((back, index, 1))
    ports: dict[tuple[int, int], Point] = {}
    for (node_id, side), attached in sides.items():
        shape = shapes[node_id]
        attached.sort()
        spacing = min(11.0, (shape.height - 12.0) / max(1, len(attached)))
        first = shape.centre[1] - spacing * (len(attached) - 1) / 2
        x = shape.x + shape.width if side == "right" else shape.x
        for k, (_, index, which) in enumerate(attached):
            ports[(index, which)] = (x, first + k * spacing)
    return ports


def _segments(points: Sequence[Point], *, loop: bool) -> list[Segment]:
    """Cubic segments through ``points`` with horizontal tangents at each; a loop (both ends
    on the right side of one column) bulges out to the right."""
    if loop:
        (x0, y0), (x3, y3) = points[0], points[-1]
        reach = min(34.0 + 0.22 * abs(y3 - y0), 0.55 * style.COLUMN_GAP)  # never into the next column
        return [((x0, y0), (x0 + reach, y0), (x3 + reach, y3), (x3, y3))]
    segments: list[Segment] = []
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        pull = (xb - xa) * 0.45 if ya != yb else (xb - xa) / 3
        segments.append(((xa, ya), (xa + pull, ya), (xb - pull, yb), (xb, yb)))
    return segments


def _arc_style(
    arc: MapArc, arc_marks: frozenset[str], colours: Mapping[str, str], shapes: Mapping[str, NodeShape]
) -> tuple[str, float, tuple[float, ...] | None, float]:
    """Colour, width, dash pattern and opacity of an arc."""
    if arc.kind == "rule":
        top = style.top_region(shapes[arc.source].node.colour_region)
        colour, width, dash, opacity = colours.get(top or "", style.NO_REGION), 1.0, (1.5, 3.0), 0.75
    elif arc.kind == "flow":
        colour, width, dash, opacity = style.FLOW_COLOUR, 2.6, None, 0.95
    else:
        colour = style.ARC_COLOUR if arc.p > 0 else style.IMPOSSIBLE_COLOUR
        width, dash, opacity = 0.9 + 1.3 * arc.p, (6.0, 4.0) if arc.requires else None, 0.85
    if CUT in arc_marks:
        colour, width, opacity = style.HIGHLIGHT_COLOUR, max(width, 2.4), 1.0
    if HIGHLIGHT in arc_marks:
        colour, opacity = style.HIGHLIGHT_COLOUR, 1.0
        width = max(width, 2.0) + (1.8 if BEST in arc_marks else 1.0)
        if arc.kind == "rule":
            dash = (3.0, 3.0)
    return colour, width, dash, opacity


def _head(control: Point, tip: Point, width: float) -> tuple[tuple[Point, Point, Point], Point]:
    """The arrowhead triangle at ``tip``, pointing away from ``control``, and the point where
    the line should end (inside the head, so no line end shows past it)."""
    dx, dy = tip[0] - control[0], tip[1] - control[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    size = _HEAD_LENGTH + width
    half = _HEAD_HALF_WIDTH + width * 0.6
    base = (tip[0] - ux * size, tip[1] - uy * size)
    left = (base[0] - uy * half, base[1] + ux * half)
    right = (base[0] + uy * half, base[1] - ux * half)
    return (tip, left, right), (tip[0] - ux * size * 0.6, tip[1] - uy * size * 0.6)


def _text(arc: MapArc) -> str | None:
    """An arc's visible label: what its style does not already say."""
    if arc.kind == "flow":
        share = "" if arc.p >= 1 else f" {arc.p:.0%}"
        return (arc.label or "flow") + share
    if arc.kind == "access" and arc.p < 1:
        return f"p {arc.p:.2g}"
    return None


def _label(arc: MapArc, segment: Segment, colour: str) -> TextLine | None:
    """The label at the middle of the arc's last segment: in the gap before its target."""
    text = _text(arc)
    if text is None:
        return None
    x, y = bezier(segment, 0.5)
    return TextLine(x, y - 3.5, text, style.LABEL_SIZE, colour, anchor="middle")


def _cross_mark(segment: Segment, t: float) -> tuple[tuple[Point, Point], tuple[Point, Point]]:
    x, y = bezier(segment, t)
    r = 6.0
    return ((x - r, y - r), (x + r, y + r)), ((x - r, y + r), (x + r, y - r))


def _tooltip(arc: MapArc) -> str:
    what = {"access": "access", "rule": "jurisdiction rule", "flow": "flow"}[arc.kind]
    lines = [f"{arc.source} → {arc.target}", f"{what} {arc.entry}" + (f" ({arc.label})" if arc.label else "")]
    lines.append(f"share {arc.p:.3g}" if arc.kind == "flow" else f"p {arc.p:.3g}")
    if arc.requires:
        lines.append("requires " + ", ".join(arc.requires))
    if arc.classes is not None:
        lines.append("classes " + ", ".join(arc.classes))
    if arc.window != (None, None):
        lines.append(f"window [{arc.window[0] or 'open'}, {arc.window[1] or 'open'})")
    return "\n".join(lines)
