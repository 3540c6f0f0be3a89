"""How a model shows itself: ``Model.summary()`` (text) and ``Model._repr_html_`` (a
notebook's rich display): entries per section and nodes per kind, the adversaries, the
dates the windows span, the number of sources and, for a model small enough, its access
map.

The map comes from :mod:`datareach.diagram`, which builds on the model, so the model cannot
import it; the diagram package registers its renderer here when it is imported (importing
``datareach`` does). Without one registered, the display simply has no picture.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from .fields import NODE_KINDS

__all__ = ["Summarised", "register_diagram", "summary_html", "summary_text"]

_SECTIONS = ("nodes", "classes", "events", "placements", "flows", "access")
_WINDOWED = ("placements", "flows", "access")


class Summarised(Protocol):
    """What a summary reads of a model."""

    @property
    def name(self) -> str | None: ...
    @property
    def adversaries(self) -> tuple[str, ...]: ...
    @property
    def source_ids(self) -> list[str]: ...
    @property
    def node_ids(self) -> list[str]: ...

    def _column(self, section: str, name: str) -> np.ndarray: ...


# The access map of a model as SVG, or None when it is too big to draw: set by
# datareach.diagram on import.
_diagram_svg: Callable[[Any], str | None] | None = None


def register_diagram(render: Callable[[Any], str | None]) -> None:
    """Use ``render(model)`` (SVG text, or None for no picture) in the model's display."""
    global _diagram_svg
    _diagram_svg = render


def _counts(model: Summarised) -> dict[str, int]:
    return {section: len(model._column(section, "source")) for section in _SECTIONS}


def _kinds(model: Summarised) -> dict[str, int]:
    kinds = model._column("nodes", "kind")
    return {kind: int((kinds == kind).sum()) for kind in NODE_KINDS if (kinds == kind).any()}


def window_span(model: Summarised) -> tuple[str, str] | None:
    """The earliest and latest window bound (start or end) of any placement, flow or arc,
    as ISO dates; None when every window is open."""
    bounds = [
        model._column(section, side).astype("datetime64[D]")
        for section in _WINDOWED
        for side in ("window_start", "window_end")
    ]
    given = np.concatenate(bounds) if bounds else np.array([], dtype="datetime64[D]")
    given = given[~np.isnat(given)]
    if not len(given):
        return None
    return str(given.min()), str(given.max())


def summary_text(model: Summarised) -> str:
    """A few lines: name, counts, adversaries, window span, sources."""
    counts, kinds = _counts(model), _kinds(model)
    kind_text = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    lines = [
        f"Model {model.name!r}" if model.name is not None else "Model (no name)",
        f"  {counts['nodes']} nodes" + (f" ({kind_text})" if kind_text else ""),
        f"  {counts['classes']} classes, {counts['events']} events, {counts['placements']} placements, "
        f"{counts['flows']} flows, {counts['access']} access arcs, {len(model.source_ids)} sources",
        "  adversaries: " + (", ".join(model.adversaries) if model.adversaries else "none listed"),
    ]
    span = window_span(model)
    lines.append(f"  windows: {span[0]} to {span[1]}" if span else "  windows: none dated (every entry always present)")
    return "\n".join(lines)


def _rows(items: Mapping[str, Any] | Sequence[tuple[str, Any]], header: bool = True) -> str:
    pairs = items.items() if isinstance(items, Mapping) else items
    cell = "th" if header else "td"
    return "".join(
        f"<tr><{cell} style='text-align:left'>{html.escape(str(k))}</{cell}><td>{html.escape(str(v))}</td></tr>"
        for k, v in pairs
    )


def summary_html(model: Summarised) -> str:
    """The rich display: tables of counts, adversaries, window span, sources, and the
    access map (every entry, windows ignored) when the model is small enough to draw."""
    escape = html.escape
    counts, kinds = _counts(model), _kinds(model)
    span = window_span(model)
    facts: list[tuple[str, Any]] = [
        ("adversaries", ", ".join(model.adversaries) if model.adversaries else "none listed"),
        ("windows", f"{span[0]} to {span[1]}" if span else "none dated"),
        ("sources", len(model.source_ids)),
    ]
    title = escape(model.name) if model.name is not None else "<i>no name</i>"
    picture = _diagram_svg(model) if _diagram_svg is not None else None
    if picture is not None:
        figure = (
            "<div style='overflow:auto;max-height:640px'>"
            f"{picture}</div><div style='color:#666'>Every entry drawn (windows ignored); "
            "<code>dr.diagram(model, at=...)</code> draws the model as of a date.</div>"
        )
    else:
        figure = (
            f"<div style='color:#666'>{len(model.node_ids):,} nodes: too many to draw here; "
            "<code>dr.diagram(model, adversaries=..., classes=...)</code> draws what an adversary can reach.</div>"
        )
    tables = (
        "<div style='display:flex;gap:2em;align-items:flex-start'>"
        f"<table><thead><tr><th>section</th><th>entries</th></tr></thead><tbody>{_rows(counts)}</tbody></table>"
        f"<table><thead><tr><th>node kind</th><th>nodes</th></tr></thead><tbody>{_rows(kinds, header=False)}</tbody></table>"
        f"<table><tbody>{_rows(facts)}</tbody></table></div>"
    )
    return f"<div class='datareach-model'><p><b>datareach Model</b> {title}</p>{tables}{figure}</div>"
