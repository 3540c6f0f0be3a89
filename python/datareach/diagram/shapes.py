"""The geometry a diagram is drawn from, in pixels (y grows downwards, as in SVG): text
lines, node boxes, arcs as chains of cubic Bézier segments, legend entries, and the whole
:class:`Layout`. :mod:`datareach.diagram.layout` computes it; the SVG and PNG writers only
draw it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from . import style
from .content import MapArc, MapNode

__all__ = ["ArcShape", "Layout", "LegendItem", "NodeShape", "Point", "Segment", "TextLine", "bezier"]

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]


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
    """An arc: a chain of cubic Bézier ``segments`` (4 points each, each starting where the
    last ended), its arrowhead (a triangle), its stroke, an optional label and, for a cut
    arc, a cross (two strokes)."""

    arc: MapArc
    segments: tuple[Segment, ...]
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


def bezier(segment: Sequence[Point], t: float) -> Point:
    """The point at ``t`` (0 to 1) of a cubic Bézier segment."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    u = 1 - t
    return (
        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
    )
