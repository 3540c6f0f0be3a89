"""The access map of a report: ``dr.diagram`` of the model as of the report's date, restricted
to what can matter (the adversaries analysed and the classes whose paths are listed), with
the most likely paths highlighted. A map too big to draw falls back to the paths alone, drawn
here as chains of nodes. Both are inline SVG with every label escaped and no id or external
reference."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...analysis import Path
    from ...model import Model

__all__ = ["access_map", "path_chains"]

_BOX_W, _BOX_H, _GAP, _ROW = 150, 34, 46, 58
_MAX_LABEL = 20


def _label(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


def access_map(
    model: Model, at: Any, paths: Sequence[Path], adversaries: Sequence[str], classes: Sequence[str]
) -> tuple[str, str | None]:
    """The SVG of the map and a note when only the paths could be drawn."""
    from ...diagram import diagram
    from ...errors import ModelError

    try:
        drawn = diagram(model, at, highlight=list(paths), adversaries=list(adversaries), classes=list(classes) or None)
    except ModelError as error:
        if error.where != "max_nodes":
            raise
        return path_chains(model, paths), f"the map is too large to draw ({error.reason}); the paths alone are shown"
    return drawn.svg, None


def path_chains(model: Model, paths: Sequence[Path]) -> str:
    """An SVG of ``paths``: one row per path, a box per node (its full id as a tooltip)
    and an arrow per arc labelled with the arc's kind and p."""
    kinds = dict(zip(model.node_ids, model._column("nodes", "kind")))
    longest = max((len(p.nodes) for p in paths), default=1)
    width = longest * _BOX_W + (longest - 1) * _GAP + 20
    height = max(len(paths), 1) * _ROW + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="access-map" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="most likely access paths">',
        '<defs><marker id="access-map-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#b03a2e"/></marker></defs>',
    ]
    for row, path in enumerate(paths):
        y = 10 + row * _ROW
        for column, node in enumerate(path.nodes):
            x = 10 + column * (_BOX_W + _GAP)
            kind = str(kinds.get(node, "node"))
            parts.append(
                f'<g class="node kind-{html.escape(kind)}"><title>{html.escape(node)} ({html.escape(kind)})</title>'
                f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="5"/>'
                f'<text x="{x + _BOX_W / 2}" y="{y + _BOX_H / 2 + 4}" text-anchor="middle">'
                f"{html.escape(_label(node))}</text></g>"
            )
            if column < len(path.arcs):
                step = path.arcs[column]
                x0, x1 = x + _BOX_W, x + _BOX_W + _GAP
                mid = y + _BOX_H / 2
                parts.append(
                    f'<g class="arc"><title>{html.escape(step.entry)}: {html.escape(str(step.kind or "access"))}, '
                    f"p {step.p:g}</title>"
                    f'<line x1="{x0}" y1="{mid}" x2="{x1 - 2}" y2="{mid}" marker-end="url(#access-map-arrow)"/>'
                    f'<text x="{(x0 + x1) / 2}" y="{mid - 6}" text-anchor="middle" class="arc-label">'
                    f"{html.escape(_label(str(step.kind or '')))}</text></g>"
                )
    parts.append("</svg>")
    return "".join(parts)
