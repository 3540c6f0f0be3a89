"""The look of a diagram, shared by the SVG, PNG and DOT writers: sizes (in pixels),
colours of regions and arcs, how text is measured and shortened."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

__all__ = [
    "ARC_COLOUR",
    "FLOW_COLOUR",
    "HIGHLIGHT_COLOUR",
    "NO_REGION",
    "fit",
    "region_colours",
    "tint",
    "top_region",
]

FONT_FAMILY = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
TITLE_SIZE = 16.0
SUBTITLE_SIZE = 11.5
HEADER_SIZE = 12.0
NAME_SIZE = 12.0
DETAIL_SIZE = 10.0
LABEL_SIZE = 9.5
LEGEND_SIZE = 10.5

MARGIN = 24.0
NODE_WIDTH = 176.0
STORE_WIDTH = 196.0
COLUMN_GAP = 150.0
NODE_GAP = 22.0
NODE_PAD = 7.0
NAME_LINE = 16.0
DETAIL_LINE = 13.0
LOOP_ROOM = 70.0  # right of the last column, for arcs between nodes of one column
MAX_CLASS_LINES = 12  # classes listed on a store; the rest are counted

TEXT_COLOUR = "#222222"
DETAIL_COLOUR = "#555555"
HEADER_COLOUR = "#666666"
ARC_COLOUR = "#4a4a4a"
IMPOSSIBLE_COLOUR = "#bbbbbb"  # an arc with p = 0 is never live
FLOW_COLOUR = "#1b7f79"
HIGHLIGHT_COLOUR = "#d62728"
NO_REGION = "#9a9a9a"
NO_REGION_FILL = "#f4f4f4"

# Region colours, without red: red is the highlight. Assigned to top-level regions in
# sorted order, so a model always gets the same colours.
PALETTE = (
    "#4e79a7",  # blue
    "#f28e2b",  # orange
    "#59a14f",  # green
    "#b07aa1",  # purple
    "#76b7b2",  # teal
    "#edc948",  # yellow
    "#9c755f",  # brown
    "#ff9da7",  # pink
    "#bab0ac",  # grey
)


def top_region(region: str | None) -> str | None:
    """``US`` for ``US/VA``; None for None."""
    return None if region is None else region.split("/", 1)[0]


def region_colours(regions: Iterable[str | None]) -> dict[str, str]:
    """Top-level region → colour, in sorted order of the regions given."""
    tops = sorted({top for top in map(top_region, regions) if top is not None})
    return {top: PALETTE[i % len(PALETTE)] for i, top in enumerate(tops)}


def tint(colour: str, amount: float = 0.78) -> str:
    """``colour`` mixed with white (``amount`` of white): a fill behind dark text."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(c + (255 - c) * amount) for c in (red, green, blue))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _char_width(char: str, bold: bool) -> float:
    """Width of a character in ems, roughly as DejaVu Sans sets it."""
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char in "il.,:;|!'` ":
        return 0.34
    if char.isupper() or char in "mwMW@%&_":
        return 0.78 if bold else 0.72
    return 0.64 if bold else 0.6


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The estimated width of ``text`` in pixels at font ``size``."""
    return size * sum(_char_width(char, bold) for char in text)


def fit(text: str, width: float, size: float, bold: bool = False) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels (as it is when it fits)."""
    if text_width(text, size, bold) <= width:
        return text
    room = width - text_width("…", size, bold)
    used = 0.0
    kept = []
    for char in text:
        used += size * _char_width(char, bold)
        if used > room:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"
