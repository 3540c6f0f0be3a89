"""The diagram as a standalone SVG document, written by hand from the layout.

Every piece of text from the model (ids, regions, names, kinds) goes through :func:`text`
or :func:`attribute`: escaped for XML, characters XML 1.0 cannot hold replaced, so a
hostile id renders as text and never as markup. Styles are presentation attributes, not a
``<style>`` sheet, so an SVG inlined in an HTML page cannot restyle the page. Numbers are
written with one decimal: the same input gives the same bytes.

Structure, for readers and tests: ``<g class="node <kind> [marks]" data-id="...">`` per
node (its ``<title>`` the full id and details), ``<g class="arc <access|rule|flow>
[marks]" data-entry="access[3]" data-from="..." data-to="...">`` per arc, marks being
``highlight``, ``best``, ``cut``, ``chokepoint``, ``adversary``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import style
from .shapes import ArcShape, Layout, LegendItem, NodeShape, TextLine

__all__ = ["attribute", "svg", "text"]

# Characters XML 1.0 does not allow (besides tab, newline, carriage return), and the
# noncharacters U+FFFE/U+FFFF: replaced by U+FFFD so any id gives a well-formed document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: str) -> str:
    """``value`` as XML character data."""
    value = _NOT_XML.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attribute(value: str) -> str:
    """``value`` as the content of a double-quoted XML attribute."""
    return text(value).replace('"', "&quot;").replace("'", "&#39;").replace("\n", "&#10;").replace("\t", "&#9;")


def _n(value: float) -> str:
    rounded = round(value, 1)
    return f"{rounded:.1f}".rstrip("0").rstrip(".") if rounded != 0 else "0"


def _dash(dash: tuple[float, ...] | None) -> str:
    return "" if dash is None else f' stroke-dasharray="{" ".join(_n(d) for d in dash)}"'


def svg(layout: Layout) -> str:
    """The SVG document of ``layout``."""
    out: list[str] = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{_n(layout.width)}" height="{_n(layout.height)}" viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" '
        f'font-family="{attribute(style.FONT_FAMILY)}" class="datareach-diagram">',
        f"<title>{text(' — '.join(line.text for line in layout.title))}</title>",
        f'<rect class="background" x="0" y="0" width="{_n(layout.width)}" height="{_n(layout.height)}" fill="#ffffff"/>',
    ]
    out.extend(_text(line) for line in layout.title)
    out.append('<g class="headers">')
    out.extend(_text(line) for line in layout.headers)
    out.append("</g>")
    out.append('<g class="arcs">')
    out.extend(_arc(shape) for shape in layout.arcs)
    out.append("</g>")
    out.append('<g class="nodes">')
    out.extend(_node(shape) for shape in layout.nodes)
    out.append("</g>")
    out.append('<g class="arc-labels">')
    out.extend(_label(shape) for shape in layout.arcs if shape.label is not None)
    out.append("</g>")
    out.append('<g class="legend">')
    out.extend(_legend_item(item) for item in layout.legend)
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _text(line: TextLine, extra: str = "") -> str:
    weight = ' font-weight="bold"' if line.bold else ""
    italic = ' font-style="italic"' if line.italic else ""
    anchor = "" if line.anchor == "start" else f' text-anchor="{line.anchor}"'
    return (
        f'<text x="{_n(line.x)}" y="{_n(line.y)}" font-size="{_n(line.size)}" fill="{line.colour}"'
        f"{weight}{italic}{anchor}{extra}>{text(line.text)}</text>"
    )


def _classes(*names: Iterable[str] | str) -> str:
    words: list[str] = []
    for name in names:
        words.extend([name] if isinstance(name, str) else sorted(name))
    return " ".join(words)


def _node(shape: NodeShape) -> str:
    node = shape.node
    marks = set(shape.marks) | ({"adversary"} if node.adversary else set())
    parts = [
        f'<g class="{_classes("node", node.kind, marks)}" data-id="{attribute(node.id)}">',
        f"<title>{text(shape.tooltip)}</title>",
    ]
    if "chokepoint" in shape.marks:
        parts.append(
            f'<rect x="{_n(shape.x - 5)}" y="{_n(shape.y - 5)}" width="{_n(shape.width + 10)}" '
            f'height="{_n(shape.height + 10)}" rx="9" fill="none" stroke="{style.HIGHLIGHT_COLOUR}" stroke-width="2.4"/>'
        )
    parts.append(
        f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.width)}" height="{_n(shape.height)}" '
        f'rx="{6 if node.kind != "store" else 2}" fill="{shape.fill}" stroke="{shape.stroke}" stroke-width="{_n(shape.stroke_width)}"/>'
    )
    parts.extend(_text(line) for line in shape.lines)
    parts.append("</g>")
    return "\n".join(parts)


def _path(shape: ArcShape) -> str:
    (x0, y0) = shape.segments[0][0]
    curves = " ".join(
        f"C{_n(x1)},{_n(y1)} {_n(x2)},{_n(y2)} {_n(x3)},{_n(y3)}" for _, (x1, y1), (x2, y2), (x3, y3) in shape.segments
    )
    return f"M{_n(x0)},{_n(y0)} {curves}"


def _arc(shape: ArcShape) -> str:
    arc = shape.arc
    head = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.head)
    opacity = "" if shape.opacity >= 1 else f' opacity="{shape.opacity:.2f}"'
    parts = [
        f'<g class="{_classes("arc", arc.kind, shape.marks)}" data-entry="{attribute(arc.entry)}" '
        f'data-from="{attribute(arc.source)}" data-to="{attribute(arc.target)}"{opacity}>',
        f"<title>{text(shape.tooltip)}</title>",
        f'<path d="{_path(shape)}" fill="none" stroke="{shape.colour}" stroke-width="{_n(shape.width)}"{_dash(shape.dash)}/>',
        f'<polygon points="{head}" fill="{shape.colour}"/>',
    ]
    if shape.cross is not None:
        for (ax, ay), (bx, by) in shape.cross:
            parts.append(
                f'<line x1="{_n(ax)}" y1="{_n(ay)}" x2="{_n(bx)}" y2="{_n(by)}" stroke="{style.HIGHLIGHT_COLOUR}" stroke-width="3"/>'
            )
    parts.append("</g>")
    return "\n".join(parts)


def _label(shape: ArcShape) -> str:
    assert shape.label is not None
    halo = ' stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'
    return _text(shape.label, halo)


def _legend_item(item: LegendItem) -> str:
    x, y = item.x, item.y
    sample = ""
    if item.sample == "swatch":
        sample = (
            f'<rect x="{_n(x)}" y="{_n(y - 7)}" width="26" height="14" rx="3" fill="{item.fill}" '
            f'stroke="{item.colour}" stroke-width="{_n(item.width)}"/>'
        )
    elif item.sample in ("line", "cut"):
        sample = (
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 26)}" y2="{_n(y)}" stroke="{item.colour}" '
            f'stroke-width="{_n(item.width)}"{_dash(item.dash)}/>'
        )
        if item.sample == "cut":
            sample += (
                f'<line x1="{_n(x + 8)}" y1="{_n(y - 5)}" x2="{_n(x + 18)}" y2="{_n(y + 5)}" stroke="{item.colour}" stroke-width="2.4"/>'
                f'<line x1="{_n(x + 8)}" y1="{_n(y + 5)}" x2="{_n(x + 18)}" y2="{_n(y - 5)}" stroke="{item.colour}" stroke-width="2.4"/>'
            )
    elif item.sample == "ring":
        sample = f'<rect x="{_n(x)}" y="{_n(y - 7)}" width="26" height="14" rx="4" fill="none" stroke="{item.colour}" stroke-width="{_n(item.width)}"/>'
    return f'<g class="legend-item">{sample}{_text(item.text)}</g>'
