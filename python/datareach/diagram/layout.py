"""Where everything of a diagram goes: nodes in columns by kind (jurisdictions,
organisations, roles, gateways, stores, left to right), ordered within a column to reduce
crossings, and every arc as one cubic Bézier curve with its arrowhead. The SVG and PNG
writers draw exactly this geometry, so the two pictures agree.

Ordering: nodes start grouped by region, then a few barycentre sweeps (alternately left to
right and right to left) move each node towards the mean position of its neighbours in the
other columns (rule arcs weigh less: they reach everything in a territory); the order with
the fewest crossings of straight segments is kept. Ties keep the current order, so the
layout is deterministic for a given model.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from . import style
from .content import AccessMap, MapArc, MapNode
from .highlight import BEST, CUT, HIGHLIGHT, Marks

__all__ = ["COLUMNS", "ArcShape", "Layout", "LegendItem", "NodeShape", "TextLine", "layout"]

Point = tuple[float, float]

# Columns by node kind, left to right, with their headers.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("jurisdiction", "Jurisdictions"),
    ("organization", "Organisations"),
    ("role", "Roles"),
    ("gateway", "Gateways"),
    ("store", "Stores"),
)
_RULE_WEIGHT = 0.25  # a rule arc's pull on the order, against 1 for an explicit arc or flow
_SWEEPS = 8
_MAX_COUNTED_ARCS = 250  # beyond this, crossings are not counted (quadratic): the last sweep is kept


@dataclasses.dataclass(frozen=True)
class TextLine:
    """One line of text: ``x``/``y`` its anchor and baseline, ``anchor`` start/middle/end."""

    x: float
    y: float
    text: str
    size: float
    colour: str = style.TEXT_COLOUR
    bold: bool = False
    anchor: str = "start"
    italic: bool = False


@dataclasses.dataclass(frozen=True)
class NodeShape:
    """A node's box (``x``, ``y`` its top-left corner) and its lines of text."""

    node: MapNode
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str
    stroke_width: float
    marks: frozenset[str]
    lines: tuple[TextLine, ...]
    tooltip: str

    @property
    def centre(self) -> Point:
        return (self.x + self.width / 2, self.y + self.height / 2)


@dataclasses.dataclass(frozen=True)
class ArcShape:
    """An arc: a cubic Bézier ``curve`` (4 points), its arrowhead (a triangle), its stroke,
    an optional label and, for a cut arc, a cross (two segments) at its middle."""

    arc: MapArc
    curve: tuple[Point, Point, Point, Point]
    head: tuple[Point, Point, Point]
    colour: str
    width: float
    dash: tuple[float, ...] | None
    opacity: float
    marks: frozenset[str]
    label: TextLine | None
    cross: tuple[tuple[Point, Point], tuple[Point, Point]] | None
    tooltip: str


@dataclasses.dataclass(frozen=True)
class LegendItem:
    """One legend entry: a sample (``swatch``: a region's box, ``line``: an arc style,
    ``ring``: the chokepoint ring) at ``x``, ``y`` (its left, vertical middle) and its text."""

    sample: str
    x: float
    y: float
    text: TextLine
    fill: str = "none"
    colour: str = style.ARC_COLOUR
    width: float = 1.0
    dash: tuple[float, ...] | None = None
    opacity: float = 1.0


@dataclasses.dataclass(frozen=True)
class Layout:
    """The whole picture, in pixels: drawing order is headers, arcs (as listed: rules,
    flows, explicit arcs, highlighted ones last), nodes, arc labels, legend."""

    width: float
    height: float
    title: tuple[TextLine, ...]
    headers: tuple[TextLine, ...]
    arcs: tuple[ArcShape, ...]
    nodes: tuple[NodeShape, ...]
    legend: tuple[LegendItem, ...]


def layout(content: AccessMap, marks: Marks) -> Layout:
    """The geometry of ``content`` with ``marks`` applied."""
    colours = style.region_colours(_colour_region(node) for node in content.nodes)
    kinds = [kind for kind, _ in COLUMNS if any(node.kind == kind for node in content.nodes)]
    column_of = {node.id: kinds.index(node.kind) for node in content.nodes}
    columns = _ordered_columns(content, kinds, column_of, colours)

    title = _title(content)
    top = style.MARGIN + len(title) * 20.0 + 10.0
    header_y = top + style.HEADER_SIZE
    body_top = header_y + 14.0
    xs, widths = [], []
    x = style.MARGIN
    for kind in kinds:
        width = style.STORE_WIDTH if kind == "store" else style.NODE_WIDTH
        xs.append(x)
        widths.append(width)
        x += width + style.COLUMN_GAP
    body_right = x - style.COLUMN_GAP if kinds else style.MARGIN + style.NODE_WIDTH
    loops = any(column_of[a.source] == column_of[a.target] for a in content.arcs)
    by_id = {node.id: node for node in content.nodes}
    heights = {node.id: _node_height(node) for node in content.nodes}
    column_heights = [sum(heights[n] for n in column) + style.NODE_GAP * max(0, len(column) - 1) for column in columns]
    body_height = max(column_heights, default=0.0)

    shapes: dict[str, NodeShape] = {}
    for c, column in enumerate(columns):
        y = body_top + (body_height - column_heights[c]) / 2
        for node_id in column:
            shapes[node_id] = _node_shape(by_id[node_id], xs[c], y, widths[c], heights[node_id], colours, marks)
            y += heights[node_id] + style.NODE_GAP
    arcs = _arc_shapes(content, shapes, column_of, colours, marks)
    headers = tuple(
        TextLine(
            xs[c] + widths[c] / 2, header_y, dict(COLUMNS)[kind], style.HEADER_SIZE, style.HEADER_COLOUR, True, "middle"
        )
        for c, kind in enumerate(kinds)
    )
    width = body_right + (style.LOOP_ROOM if loops else 0.0) + style.MARGIN
    width = max(width, 560.0)
    legend_top = body_top + body_height + 26.0
    legend, legend_height = _legend(content, marks, colours, arcs, width, legend_top)
    height = legend_top + legend_height + style.MARGIN
    return Layout(
        width=math.ceil(width),
        height=math.ceil(height),
        title=title,
        headers=headers,
        arcs=arcs,
        nodes=tuple(shapes[node.id] for node in content.nodes),
        legend=legend,
    )


# -- text ----------------------------------------------------------------------------------


def _title(content: AccessMap) -> tuple[TextLine, ...]:
    name = content.name or "Access map"
    when = "windows ignored (every entry drawn)" if content.at is None else f"as of {content.at}"
    parts = [when]
    if content.adversaries is not None:
        parts.append(f"what {', '.join(content.adversaries)} can possibly reach")
    if content.classes is not None and content.adversaries is not None:
        parts[-1] += f" of {', '.join(content.classes)}"
    room = 1400.0
    return (
        TextLine(
            style.MARGIN,
            style.MARGIN + style.TITLE_SIZE,
            style.fit(name, room, style.TITLE_SIZE, True),
            style.TITLE_SIZE,
            bold=True,
        ),
        TextLine(
            style.MARGIN,
            style.MARGIN + style.TITLE_SIZE + 18.0,
            style.fit(" · ".join(parts), room, style.SUBTITLE_SIZE),
            style.SUBTITLE_SIZE,
            style.DETAIL_COLOUR,
        ),
    )


def _colour_region(node: MapNode) -> str | None:
    """The region that colours a node: its own, or a jurisdiction's territory."""
    return node.region if node.region is not None else node.territory


def _details(node: MapNode) -> list[str]:
    """The lines under a node's name: where it is, whether it is an adversary."""
    lines = []
    if node.kind == "jurisdiction" and node.territory is not None:
        rule = f"compels {node.compels:.3g}" if node.compels is not None else ""
        lines.append(f"territory {node.territory}" + (f" · {rule}" if rule else ""))
        if node.region is not None:
            lines.append(f"in {node.region}")
    else:
        lines.append(node.region if node.region is not None else "no region")
    if node.adversary:
        lines.append("adversary")
    return lines


def _class_lines(node: MapNode) -> list[str]:
    shown = [f"■ {c}" if share >= 1 else f"■ {c} ({share:.0%})" for c, share in node.held]
    if len(shown) > style.MAX_CLASS_LINES:
        rest = len(shown) - (style.MAX_CLASS_LINES - 1)
        shown = [*shown[: style.MAX_CLASS_LINES - 1], f"+ {rest} more classes"]
    return shown


def _node_height(node: MapNode) -> float:
    lines = len(_details(node)) + len(_class_lines(node))
    classes = 4.0 if node.held else 0.0  # a gap above the class list
    return 2 * style.NODE_PAD + style.NAME_LINE + lines * style.DETAIL_LINE + classes


def _node_shape(
    node: MapNode, x: float, y: float, width: float, height: float, colours: dict[str, str], marks: Marks
) -> NodeShape:
    top = style.top_region(_colour_region(node))
    stroke = colours[top] if top is not None else style.NO_REGION
    fill = style.tint(stroke) if top is not None else style.NO_REGION_FILL
    node_marks = marks.of_node(node.id)
    stroke_width = 1.2
    if node.adversary:
        stroke_width = 2.6
    if HIGHLIGHT in node_marks:
        stroke, stroke_width = style.HIGHLIGHT_COLOUR, 3.0 if BEST in node_marks or marks.kind == "path" else 2.2
    room = width - 2 * style.NODE_PAD
    lines = [
        TextLine(
            x + style.NODE_PAD,
            y + style.NODE_PAD + style.NAME_SIZE,
            style.fit(node.id, room, style.NAME_SIZE, True),
            style.NAME_SIZE,
            bold=True,
        )
    ]
    line_y = y + style.NODE_PAD + style.NAME_LINE
    for detail in _details(node):
        line_y += style.DETAIL_LINE
        lines.append(
            TextLine(
                x + style.NODE_PAD,
                line_y - 2,
                style.fit(detail, room, style.DETAIL_SIZE),
                style.DETAIL_SIZE,
                style.DETAIL_COLOUR,
                italic=detail == "adversary",
            )
        )
    if node.held:
        line_y += 4.0
    for held in _class_lines(node):
        line_y += style.DETAIL_LINE
        lines.append(
            TextLine(x + style.NODE_PAD, line_y - 2, style.fit(held, room, style.DETAIL_SIZE), style.DETAIL_SIZE)
        )
    tooltip = "\n".join(
        [
            f"{node.id} ({node.kind})",
            *_details(node),
            *(f"holds {c}" + ("" if share >= 1 else f" (share {share:.3g})") for c, share in node.held),
        ]
    )
    return NodeShape(node, x, y, width, height, fill, stroke, stroke_width, node_marks, tuple(lines), tooltip)


# -- order within columns ------------------------------------------------------------------


def _ordered_columns(
    content: AccessMap, kinds: list[str], column_of: dict[str, int], colours: dict[str, str]
) -> list[list[str]]:
    region_rank = {top: i for i, top in enumerate(sorted(colours))}

    def start_key(node: MapNode) -> tuple[int, str, int]:
        region = _colour_region(node)
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


# -- arcs ------------------------------------------------------------------------------------

_HEAD_LENGTH = 9.0
_HEAD_HALF_WIDTH = 4.2


def _arc_style(
    arc: MapArc, arc_marks: frozenset[str], colours: dict[str, str], shapes: dict[str, NodeShape]
) -> tuple[str, float, tuple[float, ...] | None, float]:
    """Colour, width, dash pattern and opacity of an arc."""
    if arc.kind == "rule":
        top = style.top_region(_colour_region(shapes[arc.source].node))
        colour, width, dash, opacity = colours.get(top or "", style.NO_REGION), 1.0, (1.5, 3.0), 0.7
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


def _arc_shapes(
    content: AccessMap, shapes: dict[str, NodeShape], column_of: dict[str, int], colours: dict[str, str], marks: Marks
) -> tuple[ArcShape, ...]:
    sides: dict[tuple[str, str], list[tuple[float, int, int]]] = {}  # (node, side) → (other end's y, arc, end)
    ends: list[tuple[tuple[str, str], tuple[str, str]]] = []
    for index, arc in enumerate(content.arcs):
        cs, ct = column_of[arc.source], column_of[arc.target]
        source_side, target_side = (
            ("right", "left") if cs < ct else ("left", "right") if cs > ct else ("right", "right")
        )
        start, end = (arc.source, source_side), (arc.target, target_side)
        ends.append((start, end))
        sides.setdefault(start, []).append((shapes[arc.target].centre[1], index, 0))
        sides.setdefault(end, []).append((shapes[arc.source].centre[1], index, 1))
    ports: dict[tuple[int, int], Point] = {}
    for (node_id, side), attached in sides.items():
        shape = shapes[node_id]
        attached.sort()
        spacing = min(11.0, (shape.height - 12.0) / max(1, len(attached)))
        first = shape.centre[1] - spacing * (len(attached) - 1) / 2
        x = shape.x + shape.width if side == "right" else shape.x
        for k, (_, index, which) in enumerate(attached):
            ports[(index, which)] = (x, first + k * spacing)

    drawn = []
    for index, arc in enumerate(content.arcs):
        p0, p3 = ports[(index, 0)], ports[(index, 1)]
        (_, source_side), (_, target_side) = ends[index]
        if source_side == target_side:  # within one column: a loop out to the right
            reach = 34.0 + 0.22 * abs(p3[1] - p0[1])
            p1, p2 = (p0[0] + reach, p0[1]), (p3[0] + reach, p3[1])
        else:
            pull = max(30.0, abs(p3[0] - p0[0]) * 0.45)
            sign = 1.0 if source_side == "right" else -1.0
            p1, p2 = (p0[0] + sign * pull, p0[1]), (p3[0] - sign * pull, p3[1])
        arc_marks = marks.of_arc(arc.key)
        colour, width, dash, opacity = _arc_style(arc, arc_marks, colours, shapes)
        head, tip_base = _head(p2, p3, width)
        curve = (p0, p1, p2, tip_base)
        label = _label(arc, curve, column_of, colour)
        cross = _cross_mark(curve) if CUT in arc_marks else None
        drawn.append(
            ArcShape(arc, curve, head, colour, width, dash, opacity, arc_marks, label, cross, _arc_tooltip(arc))
        )
    # Draw order: rules under flows under explicit arcs, marked arcs on top.
    rank = {"rule": 0, "flow": 1, "access": 2}
    return tuple(sorted(drawn, key=lambda shape: (bool(shape.marks), rank[shape.arc.kind])))


def _head(control: Point, tip: Point, width: float) -> tuple[tuple[Point, Point, Point], Point]:
    """The arrowhead triangle at ``tip``, pointing away from ``control``, and the point where
    the line should end (the middle of the head's base)."""
    dx, dy = tip[0] - control[0], tip[1] - control[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    size = _HEAD_LENGTH + width
    half = _HEAD_HALF_WIDTH + width * 0.6
    base = (tip[0] - ux * size, tip[1] - uy * size)
    left = (base[0] - uy * half, base[1] + ux * half)
    right = (base[0] + uy * half, base[1] - ux * half)
    return (tip, left, right), (tip[0] - ux * size * 0.6, tip[1] - uy * size * 0.6)


def bezier(curve: Sequence[Point], t: float) -> Point:
    """The point at ``t`` of a cubic Bézier curve."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve
    u = 1 - t
    return (
        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
    )


def _arc_text(arc: MapArc) -> str | None:
    """An arc's visible label: what is not already said by its style."""
    if arc.kind == "flow":
        share = "" if arc.p >= 1 else f" {arc.p:.0%}"
        return (arc.label or "flow") + share
    if arc.kind == "access" and arc.p < 1:
        return f"p {arc.p:.2g}"
    return None


def _label(
    arc: MapArc, curve: tuple[Point, Point, Point, Point], column_of: dict[str, int], colour: str
) -> TextLine | None:
    text = _arc_text(arc)
    if text is None:
        return None
    span = abs(column_of[arc.target] - column_of[arc.source])
    if span <= 1:
        t = 0.5
    else:  # in the gap before the target column, clear of the nodes the arc passes
        goal = curve[3][0] - math.copysign(style.COLUMN_GAP * 0.5, curve[3][0] - curve[0][0])
        t = min((k / 40 for k in range(41)), key=lambda s: abs(bezier(curve, s)[0] - goal))
    x, y = bezier(curve, t)
    return TextLine(x, y - 3.0, text, style.LABEL_SIZE, colour, anchor="middle")


def _cross_mark(curve: tuple[Point, Point, Point, Point]) -> tuple[tuple[Point, Point], tuple[Point, Point]]:
    x, y = bezier(curve, 0.5)
    r = 6.0
    return ((x - r, y - r), (x + r, y + r)), ((x - r, y + r), (x + r, y - r))


def _arc_tooltip(arc: MapArc) -> str:
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


# -- legend --------------------------------------------------------------------------------


def _legend(
    content: AccessMap, marks: Marks, colours: dict[str, str], arcs: Sequence[ArcShape], width: float, top: float
) -> tuple[tuple[LegendItem, ...], float]:
    entries: list[tuple[str, str, dict[str, object]]] = []
    for region, colour in colours.items():
        entries.append(("swatch", f"region {region}", {"fill": style.tint(colour), "colour": colour}))
    if any(_colour_region(node) is None for node in content.nodes):
        entries.append(("swatch", "no region", {"fill": style.NO_REGION_FILL, "colour": style.NO_REGION}))
    kinds = {arc.kind for arc in content.arcs}
    if any(arc.kind == "access" and not arc.requires for arc in content.arcs):
        entries.append(("line", "access (thicker: more likely)", {"colour": style.ARC_COLOUR, "width": 2.2}))
    if any(arc.kind == "access" and arc.requires for arc in content.arcs):
        entries.append(
            ("line", "access that needs an event", {"colour": style.ARC_COLOUR, "width": 2.2, "dash": (6.0, 4.0)})
        )
    if "rule" in kinds:
        entries.append(
            ("line", "jurisdiction can compel", {"colour": style.NO_REGION, "width": 1.4, "dash": (1.5, 3.0)})
        )
    if "flow" in kinds:
        entries.append(("line", "data flow between stores", {"colour": style.FLOW_COLOUR, "width": 2.6}))
    if marks.kind in ("path", "paths") and marks.arcs:
        entries.append(
            (
                "line",
                "most likely path"
                if marks.kind == "path" or len({m for m in marks.arcs.values() if BEST in m}) == 0
                else "most likely paths (thickest: best)",
                {"colour": style.HIGHLIGHT_COLOUR, "width": 3.4},
            )
        )
    if marks.kind == "cut" and marks.arcs:
        entries.append(("cut", "cheapest cut: revoke these", {"colour": style.HIGHLIGHT_COLOUR, "width": 2.4}))
    if marks.kind == "chokepoints" and marks.nodes:
        entries.append(("ring", "chokepoint: on every path", {"colour": style.HIGHLIGHT_COLOUR, "width": 2.0}))
    if any(node.held for node in content.nodes):
        entries.append(("text", "■ data class held by a store", {}))

    items = []
    x, y = style.MARGIN, top + 8.0
    for sample, text, options in entries:
        item_width = 34.0 + style.text_width(text, style.LEGEND_SIZE) + 22.0
        if x + item_width > width - style.MARGIN and x > style.MARGIN:
            x, y = style.MARGIN, y + 20.0
        text_x = x + (0.0 if sample == "text" else 34.0)
        line = TextLine(text_x, y + style.LEGEND_SIZE * 0.36, text, style.LEGEND_SIZE, style.DETAIL_COLOUR)
        items.append(LegendItem(sample, x, y, line, **options))  # type: ignore[arg-type]
        x += item_width
    return tuple(items), (y - top + 14.0) if items else 0.0
