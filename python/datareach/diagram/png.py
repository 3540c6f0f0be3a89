"""The diagram as PNG bytes, drawn by matplotlib (the optional ``plot`` extra) from the same
layout as the SVG: boxes, Bézier curves, arrowheads and text at the same pixel positions.

No pyplot: a private ``Figure`` on the Agg canvas, so nothing touches a notebook's global
figures. Text is drawn literally (``parse_math=False``: a ``$`` in an id is a dollar
sign). A character the font lacks is drawn as a box; matplotlib's warning about it is
silenced, since the SVG holds the true text.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from ..options import shown
from . import style
from .shapes import ArcShape, Layout, LegendItem, NodeShape, TextLine

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["png"]

# Layout pixels per inch at scale 1: one layout pixel is 1/100 inch, 0.72 point.
_PIXELS_PER_INCH = 100.0
_POINTS_PER_PIXEL = 72.0 / _PIXELS_PER_INCH


def png(layout: Layout, scale: float = 2.0) -> bytes:
    """PNG bytes of ``layout``, ``round(width * scale)`` × ``round(height * scale)`` pixels."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.25 <= scale <= 8:
        raise ModelError(f"must be a number from 0.25 to 8, got {shown(scale)}", where="scale")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:  # a missing extra, as for charts (docs/design.md §8 decision 38)
        raise ImportError(
            "a PNG diagram needs matplotlib: pip install 'datareach[plot]' (or use .svg / .dot)", name="matplotlib"
        ) from error

    width_px, height_px = round(layout.width * scale), round(layout.height * scale)
    dpi = _PIXELS_PER_INCH * scale
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_xlim(0, layout.width)
    axes.set_ylim(layout.height, 0)  # SVG coordinates: y grows downwards
    axes.set_axis_off()
    for line in (*layout.title, *layout.headers):
        _text(axes, line)
    for shape in layout.arcs:
        _arc(axes, shape)
    for node in layout.nodes:
        _node(axes, node)
    for shape in layout.arcs:
        if shape.label is not None:
            _text(axes, shape.label, halo=True)
    for item in layout.legend:
        _legend_item(axes, item)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support", category=UserWarning)
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _points(pixels: float) -> float:
    return pixels * _POINTS_PER_PIXEL


def _dashes(dash: tuple[float, ...] | None, width: float) -> Any:
    """A matplotlib line style for an SVG dash pattern in pixels (matplotlib scales dash
    lengths by the line width, so they are divided by it)."""
    if dash is None:
        return "solid"
    return (0, tuple(_points(d) / max(width, 0.1) for d in dash))


def _text(axes: Axes, line: TextLine, *, halo: bool = False) -> None:
    from matplotlib import patheffects

    effects = [patheffects.withStroke(linewidth=_points(3.0), foreground="white")] if halo else None
    axes.text(
        line.x,
        line.y,
        line.text,
        fontsize=_points(line.size),
        color=line.colour,
        fontweight="bold" if line.bold else "normal",
        fontstyle="italic" if line.italic else "normal",
        ha={"start": "left", "middle": "center", "end": "right"}[line.anchor],
        va="baseline",
        family="DejaVu Sans",
        parse_math=False,
        path_effects=effects,
        zorder=5 if halo else 4,
    )


def _node(axes: Axes, shape: NodeShape) -> None:
    from matplotlib.patches import FancyBboxPatch

    radius = 2.0 if shape.node.kind == "store" else 6.0
    if "chokepoint" in shape.marks:
        axes.add_patch(
            FancyBboxPatch(
                (shape.x - 5, shape.y - 5),
                shape.width + 10,
                shape.height + 10,
                boxstyle=f"round,pad=0,rounding_size={radius + 3}",
                facecolor="none",
                edgecolor=style.HIGHLIGHT_COLOUR,
                linewidth=_points(2.4),
                zorder=3,
            )
        )
    axes.add_patch(
        FancyBboxPatch(
            (shape.x, shape.y),
            shape.width,
            shape.height,
            boxstyle=f"round,pad=0,rounding_size={radius}",
            facecolor=shape.fill,
            edgecolor=shape.stroke,
            linewidth=_points(shape.stroke_width),
            zorder=3,
        )
    )
    for line in shape.lines:
        _text(axes, line)


def _arc(axes: Axes, shape: ArcShape) -> None:
    from matplotlib.patches import PathPatch, Polygon
    from matplotlib.path import Path

    vertices = [shape.segments[0][0]]
    codes = [Path.MOVETO]
    for _, first, second, end in shape.segments:
        vertices += [first, second, end]
        codes += [Path.CURVE4] * 3
    path = Path(vertices, codes)
    zorder = 2 if shape.marks else 1
    axes.add_patch(
        PathPatch(
            path,
            facecolor="none",
            edgecolor=shape.colour,
            linewidth=_points(shape.width),
            linestyle=_dashes(shape.dash, _points(shape.width)),
            alpha=shape.opacity,
            capstyle="butt",
            zorder=zorder,
        )
    )
    axes.add_patch(
        Polygon(
            list(shape.head), closed=True, facecolor=shape.colour, edgecolor="none", alpha=shape.opacity, zorder=zorder
        )
    )
    if shape.cross is not None:
        for (ax, ay), (bx, by) in shape.cross:
            axes.plot([ax, bx], [ay, by], color=style.HIGHLIGHT_COLOUR, linewidth=_points(3.0), zorder=zorder)


def _legend_item(axes: Axes, item: LegendItem) -> None:
    from matplotlib.patches import FancyBboxPatch

    x, y = item.x, item.y
    if item.sample in ("swatch", "ring"):
        axes.add_patch(
            FancyBboxPatch(
                (x, y - 7),
                26,
                14,
                boxstyle="round,pad=0,rounding_size=3",
                facecolor=item.fill,
                edgecolor=item.colour,
                linewidth=_points(item.width),
            )
        )
    elif item.sample in ("line", "cut"):
        axes.plot(
            [x, x + 26],
            [y, y],
            color=item.colour,
            linewidth=_points(item.width),
            linestyle=_dashes(item.dash, _points(item.width)),
        )
        if item.sample == "cut":
            axes.plot([x + 8, x + 18], [y - 5, y + 5], color=item.colour, linewidth=_points(2.4))
            axes.plot([x + 8, x + 18], [y + 5, y - 5], color=item.colour, linewidth=_points(2.4))
    _text(axes, item.text)
