"""The legend under a diagram: one entry per region colour and per kind of line or mark
that the picture actually uses, laid out left to right and wrapped to the picture's
width."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from . import style
from .content import AccessMap
from .highlight import BEST, Marks
from .shapes import LegendItem, TextLine

__all__ = ["legend"]


@dataclasses.dataclass(frozen=True)
class _Entry:
    sample: str  # swatch, line, cut, ring or text (no sample)
    text: str
    fill: str = "none"
    colour: str = style.ARC_COLOUR
    width: float = 1.0
    dash: tuple[float, ...] | None = None


def _entries(content: AccessMap, marks: Marks, colours: Mapping[str, str]) -> list[_Entry]:
    entries = [_Entry("swatch", f"region {region}", style.tint(colour), colour) for region, colour in colours.items()]
    if any(node.colour_region is None for node in content.nodes):
        entries.append(_Entry("swatch", "no region", style.NO_REGION_FILL, style.NO_REGION))
    access = [arc for arc in content.arcs if arc.kind == "access"]
    if any(not arc.requires for arc in access):
        entries.append(_Entry("line", "access (thicker: more likely)", width=2.2))
    if any(arc.requires for arc in access):
        entries.append(_Entry("line", "access that needs an event", width=2.2, dash=(6.0, 4.0)))
    if any(arc.kind == "rule" for arc in content.arcs):
        entries.append(_Entry("line", "jurisdiction can compel", colour=style.NO_REGION, width=1.4, dash=(1.5, 3.0)))
    if any(arc.kind == "flow" for arc in content.arcs):
        entries.append(_Entry("line", "data flow between stores", colour=style.FLOW_COLOUR, width=2.6))
    if marks.kind in ("path", "paths") and marks.arcs:
        several = any(BEST in m for m in marks.arcs.values())
        text = "most likely paths (thickest: the best)" if several else "most likely path"
        entries.append(_Entry("line", text, colour=style.HIGHLIGHT_COLOUR, width=3.4))
    if marks.kind == "cut" and marks.arcs:
        entries.append(_Entry("cut", "cheapest cut: revoke these", colour=style.HIGHLIGHT_COLOUR, width=2.4))
    if marks.kind == "chokepoints" and marks.nodes:
        entries.append(_Entry("ring", "chokepoint: on every path", colour=style.HIGHLIGHT_COLOUR, width=2.2))
    if any(node.adversary for node in content.nodes):
        entries.append(_Entry("swatch", "adversary (thick border)", "#ffffff", style.TEXT_COLOUR, 2.6))
    if any(node.held for node in content.nodes):
        entries.append(_Entry("text", "■ data class a store holds"))
    return entries


def legend(
    content: AccessMap, marks: Marks, colours: Mapping[str, str], width: float, top: float
) -> tuple[tuple[LegendItem, ...], float]:
    """The legend items from ``top`` down, wrapped within ``width``, and their height."""
    items = []
    x, y = style.MARGIN, top + 8.0
    for entry in _entries(content, marks, colours):
        sample_width = 0.0 if entry.sample == "text" else 34.0
        item_width = sample_width + style.text_width(entry.text, style.LEGEND_SIZE) + 22.0
        if x + item_width > width - style.MARGIN and x > style.MARGIN:
            x, y = style.MARGIN, y + 20.0
        text = TextLine(
            x + sample_width, y + style.LEGEND_SIZE * 0.36, entry.text, style.LEGEND_SIZE, style.DETAIL_COLOUR
        )
        items.append(LegendItem(entry.sample, x, y, text, entry.fill, entry.colour, entry.width, entry.dash))
        x += item_width
    return tuple(items), (y - top + 14.0) if items else 0.0
