"""Access-map diagrams (docs/design.md §5b): ``dr.diagram(model, at=...)`` returns a
``Diagram`` with ``.svg`` (standalone SVG, no Graphviz needed), ``.dot`` (Graphviz DOT
text), ``.png()`` (through matplotlib, the ``plot`` extra) and ``.save(path)``; notebooks
display it (``_repr_svg_``).

The map: nodes in columns by kind (jurisdictions, organisations, roles, gateways, stores),
coloured by top-level region; explicit access arcs (thicker when more likely, dashed when
they need an event), jurisdiction rule arcs (thin, dotted), flows between stores; the data
classes each store holds as of the date. ``highlight=`` emphasises a path, the k most
likely paths, a cut or chokepoints.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..analysis._requests import require_model
from ..errors import ModelError, quote
from ..model.display import register_diagram
from .content import DEFAULT_MAX_NODES, AccessMap, access_map
from .highlight import Marks, marks_of
from .layout import layout
from .shapes import Layout

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["DEFAULT_MAX_NODES", "Diagram", "diagram"]


def diagram(
    model: Model,
    at: Any = None,
    *,
    highlight: Any = None,
    adversaries: str | Iterable[str] | None = None,
    classes: str | Iterable[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Diagram:
    """The access map of ``model`` as of ``at`` (a date; None ignores windows and draws
    every entry).

    ``highlight``: a ``Path`` (``dr.most_likely_path``), ``Paths`` (``dr.most_likely_paths``,
    the best drawn strongest), a ``Cut`` (``dr.cheapest_cut``: its arcs red and crossed) or
    ``Chokepoints`` (``dr.chokepoints``: nodes ringed), computed on the same model and date;
    an element not in the drawn map is a ModelError.

    ``adversaries`` / ``classes`` restrict the map to what can matter: the nodes and arcs on
    some possible path from an adversary (default: the model's) to a store holding one of
    the classes (default: all), with the flows between the stores kept. A map of more than
    ``max_nodes`` nodes (or more than ten arcs per node allowed) is a ModelError suggesting
    that restriction.
    """
    require_model(model, "model")
    content = access_map(model, at, adversaries=adversaries, classes=classes, max_nodes=max_nodes)
    return Diagram(content, marks_of(highlight, content))


def _display_svg(model: Model) -> str | None:
    """The model's display picture: its whole map, or None when too big to draw."""
    try:
        return diagram(model).svg
    except ModelError as error:
        if error.where == "max_nodes":
            return None
        raise


register_diagram(_display_svg)


class Diagram:
    """A drawn access map: ``svg`` (str), ``dot`` (str), ``png()`` (bytes), ``save(path)``.

    ``content`` is what is drawn (nodes, arcs, date), ``layout`` where (pixels); both are
    computed once, so the SVG, the PNG and the DOT text show the same map."""

    def __init__(self, content: AccessMap, marks: Marks) -> None:
        self.content = content
        self.marks = marks

    @functools.cached_property
    def layout(self) -> Layout:
        return layout(self.content, self.marks)

    @functools.cached_property
    def svg(self) -> str:
        """The standalone SVG document."""
        from .svg import svg

        return svg(self.layout)

    @functools.cached_property
    def dot(self) -> str:
        """The map as Graphviz DOT text (``dot -Tsvg``), columns as ranks."""
        from .dot import dot

        return dot(self.content, self.marks)

    def png(self, scale: float = 2.0) -> bytes:
        """The picture as PNG bytes, ``scale`` pixels per layout pixel (2: sharp on paper
        and high-density screens), drawn by matplotlib from the same layout as the SVG.
        Needs matplotlib: ``pip install 'datareach[plot]'``."""
        from .png import png

        return png(self.layout, scale)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the diagram to ``path``, the format chosen by its suffix: ``.svg``,
        ``.dot`` (or ``.gv``) or ``.png``."""
        if not isinstance(path, (str, os.PathLike)):
            raise ModelError(f"expected a file path, got {type(path).__name__}", where="path")
        suffix = os.path.splitext(os.fspath(path))[1].lower()
        if suffix == ".svg":
            data = self.svg.encode("utf-8")
        elif suffix in (".dot", ".gv"):
            data = self.dot.encode("utf-8")
        elif suffix == ".png":
            data = self.png()
        else:
            raise ModelError(
                f"unknown diagram format {quote(suffix or os.fspath(path))}: use .svg, .dot or .png", where="path"
            )
        with open(path, "wb") as file:
            file.write(data)

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        when = "windows ignored" if self.content.at is None else f"as of {self.content.at}"
        return f"Diagram({self.content.name!r}, {when}, nodes={len(self.content.nodes)}, arcs={len(self.content.arcs)})"
