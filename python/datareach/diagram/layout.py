"""Where everything of a diagram goes: nodes in columns by kind (jurisdictions,
organisations, roles, gateways, stores, left to right), ordered within a column to reduce
crossings (:mod:`.order`), stacked with gaps wide enough for the arcs that pass them
(:mod:`.routes`), and the title, column headers and legend. The SVG and PNG writers draw
exactly this geometry, so the two pictures agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from . import style
from .content import AccessMap
from .highlight import Marks
from .legend import legend
from .nodes import node_height, node_shape
from .order import ordered_columns
from .routes import arc_shapes, plan
from .shapes import ArcShape, Layout, NodeShape, TextLine, bezier

__all__ = ["COLUMNS", "layout"]

# Columns by node kind, left to right, with their headers.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("jurisdiction", "Jurisdictions"),
    ("organization", "Organisations"),
    ("role", "Roles"),
    ("gateway", "Gateways"),
    ("store", "Stores"),
)
_GAP_PADDING = 10.0  # a gap holding arcs: this much more than they need


def layout(content: AccessMap, marks: Marks) -> Layout:
    """The geometry of ``content`` with ``marks`` applied."""
    colours = style.region_colours(node.colour_region for node in content.nodes)
    kinds = [kind for kind, _ in COLUMNS if any(node.kind == kind for node in content.nodes)]
    column_of = {node.id: kinds.index(node.kind) for node in content.nodes}
    columns = ordered_columns(content, kinds, column_of, colours)
    heights = {node.id: node_height(node) for node in content.nodes}

    title = _title(content)
    header_y = style.MARGIN + len(title) * 20.0 + 10.0 + style.HEADER_SIZE
    body_top = header_y + 14.0
    column_x = []
    x = style.MARGIN
    for kind in kinds:
        width = style.STORE_WIDTH if kind == "store" else style.NODE_WIDTH
        column_x.append((x, x + width))
        x += width + style.COLUMN_GAP

    # Provisional positions (plain gaps) to choose each arc's gaps, then the final ones with
    # the gaps as wide as their arcs need.
    provisional, _, _ = _stack(columns, heights, {}, body_top)
    routes = plan(content, columns, column_of, provisional)
    spans, gaps, body_height = _stack(columns, heights, routes.room, body_top)

    by_id = {node.id: node for node in content.nodes}
    shapes: dict[str, NodeShape] = {}
    for c, column in enumerate(columns):
        left, right = column_x[c]
        for node_id in column:
            top, bottom = spans[node_id]
            shapes[node_id] = node_shape(by_id[node_id], left, top, right - left, bottom - top, colours, marks)
    arcs = arc_shapes(content, routes, shapes, column_of, column_x, gaps, colours, marks)
    headers = tuple(
        TextLine(
            (left + right) / 2, header_y, dict(COLUMNS)[kind], style.HEADER_SIZE, style.HEADER_COLOUR, True, "middle"
        )
        for (left, right), kind in zip(column_x, kinds)
    )
    width = max(_right_edge(shapes.values(), arcs) + style.MARGIN, 560.0)
    legend_top = body_top + body_height + 26.0
    items, legend_height = legend(content, marks, colours, width, legend_top)
    return Layout(
        width=math.ceil(width),
        height=math.ceil(legend_top + legend_height + style.MARGIN),
        title=title,
        headers=headers,
        arcs=arcs,
        nodes=tuple(shapes[node.id] for node in content.nodes),
        legend=items,
    )


def _stack(
    columns: Sequence[Sequence[str]],
    heights: dict[str, float],
    room: Mapping[tuple[int, int], float],
    body_top: float,
) -> tuple[dict[str, tuple[float, float]], dict[tuple[int, int], tuple[float, float]], float]:
    """Nodes stacked in their columns, each column centred on the tallest: (top, bottom) of
    every node, (top, bottom) of every gap (``room`` says how much height its arcs need),
    and the height of the body."""
    plans = []
    for c, column in enumerate(columns):
        sizes = []
        for g in range(len(column) + 1):
            need = room.get((c, g), 0.0)
            if 0 < g < len(column):
                sizes.append(max(style.NODE_GAP, need + _GAP_PADDING if need else 0.0))
            else:  # above the first or below the last node: only what passing arcs need
                sizes.append(need + _GAP_PADDING if need else 0.0)
        plans.append(sizes)
    totals = [sum(heights[n] for n in column) + sum(sizes) for column, sizes in zip(columns, plans)]
    body_height = max(totals, default=0.0)
    spans: dict[str, tuple[float, float]] = {}
    gaps: dict[tuple[int, int], tuple[float, float]] = {}
    for c, (column, sizes) in enumerate(zip(columns, plans)):
        y = body_top + (body_height - totals[c]) / 2
        for g, node_id in enumerate(column):
            gaps[(c, g)] = (y, y + sizes[g])
            y += sizes[g]
            spans[node_id] = (y, y + heights[node_id])
            y += heights[node_id]
        gaps[(c, len(column))] = (y, y + sizes[-1])
    return spans, gaps, body_height


def _right_edge(nodes: Iterable[NodeShape], arcs: Iterable[ArcShape]) -> float:
    """The rightmost point drawn: node boxes, arcs (loops reach past the last column) and
    their labels."""
    right = max((shape.x + shape.width for shape in nodes), default=style.MARGIN)
    for shape in arcs:
        for segment in shape.segments:
            right = max(right, *(bezier(segment, k / 8)[0] for k in range(9)))
        if shape.label is not None:
            right = max(right, shape.label.x + style.text_width(shape.label.text, shape.label.size) / 2)
    return right


def _title(content: AccessMap) -> tuple[TextLine, ...]:
    name = content.name or "Access map"
    when = "windows ignored (every entry drawn)" if content.at is None else f"as of {content.at}"
    parts = [when]
    if content.adversaries is not None:
        reach = f"what {', '.join(content.adversaries)} can possibly reach"
        parts.append(reach + (f" of {', '.join(content.classes)}" if content.classes is not None else ""))
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
