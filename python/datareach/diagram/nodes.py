"""A node's box: its name (shortened to fit, the full id in the tooltip), where it is
(region, or a jurisdiction's territory and rule), whether it is an adversary, and the
classes a store holds as of the date; coloured by its top-level region, its border
marking highlights."""

from __future__ import annotations

from collections.abc import Mapping

from . import style
from .content import MapNode
from .highlight import BEST, HIGHLIGHT, Marks
from .shapes import NodeShape, TextLine

__all__ = ["node_height", "node_shape"]


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


def node_height(node: MapNode) -> float:
    """The height of a node's box: its name, details and the classes it holds."""
    lines = len(_details(node)) + len(_class_lines(node))
    classes = 4.0 if node.held else 0.0  # a gap above the class list
    return 2 * style.NODE_PAD + style.NAME_LINE + lines * style.DETAIL_LINE + classes


def node_shape(
    node: MapNode, x: float, y: float, width: float, height: float, colours: Mapping[str, str], marks: Marks
) -> NodeShape:
    """The box of ``node`` at ``x``, ``y`` (top-left) with its lines of text."""
    top = style.top_region(node.colour_region)
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
