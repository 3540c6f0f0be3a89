"""The diagram as Graphviz DOT text, for those who have Graphviz (``dot -Tsvg map.dot``).

Columns become ranks (``rankdir=LR``, one ``rank=same`` group per node kind, chained by
invisible edges); the arcs do not constrain the ranks, so arcs between nodes of one column
or backwards stay where the kinds put their ends. Styles follow the SVG: rule arcs dotted,
arcs needing an event dashed, flows teal, highlighted arcs and nodes red. Every id is a
quoted DOT string with ``\\`` and ``"`` escaped.
"""

from __future__ import annotations

import itertools
import re

from . import style
from .content import AccessMap, MapArc, MapNode
from .highlight import BEST, CHOKEPOINT, CUT, HIGHLIGHT, Marks
from .layout import COLUMNS

__all__ = ["dot", "quoted"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def quoted(value: str) -> str:
    """``value`` as a quoted DOT string (backslashes and quotes escaped, control characters
    as spaces: a quoted DOT string cannot end early)."""
    value = _CONTROL.sub(" ", value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(*lines: str) -> str:
    """A multi-line label: each line escaped on its own, joined by DOT's ``\\n``."""
    return '"' + "\\n".join(quoted(line)[1:-1] for line in lines) + '"'


def dot(content: AccessMap, marks: Marks) -> str:
    """DOT text of the map."""
    colours = style.region_colours(node.region if node.region is not None else node.territory for node in content.nodes)
    when = "windows ignored" if content.at is None else f"as of {content.at}"
    title = f"{content.name or 'Access map'} ({when})"
    out = [
        f"digraph {quoted(content.name or 'access map')} {{",
        f"  graph [rankdir=LR, newrank=true, nodesep=0.3, ranksep=1.4, labelloc=t, label={quoted(title)}];",
        f'  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color={quoted(style.NO_REGION)}, fillcolor={quoted(style.NO_REGION_FILL)}];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    groups = []
    for kind, header in COLUMNS:
        members = [node for node in content.nodes if node.kind == kind]
        if members:
            groups.append(members)
            out.append(f"  subgraph {quoted('kind ' + kind)} {{")
            out.append(f"    rank=same; label={quoted(header)};")
            out.extend(f"    {_node(node, colours, marks)}" for node in members)
            out.append("  }")
    for left, right in itertools.pairwise(groups):
        out.append(f"  {quoted(left[0].id)} -> {quoted(right[0].id)} [style=invis, weight=10];")
    out.extend(f"  {_arc(arc, colours, marks, content)}" for arc in content.arcs)
    out.append("}")
    return "\n".join(out) + "\n"


def _node(node: MapNode, colours: dict[str, str], marks: Marks) -> str:
    region = node.region if node.region is not None else node.territory
    top = style.top_region(region)
    lines = [
        node.id,
        (f"territory {node.territory}" if node.kind == "jurisdiction" and node.territory else region) or "no region",
    ]
    if node.adversary:
        lines.append("adversary")
    lines.extend(c if share >= 1 else f"{c} ({share:.0%})" for c, share in node.held)
    attributes = [f"label={_label(*lines)}", f"tooltip={quoted(node.id)}"]
    if top is not None:
        attributes += [f"color={quoted(colours[top])}", f"fillcolor={quoted(style.tint(colours[top]))}"]
    if node.kind == "store":
        attributes.append('style="filled"')
    node_marks = marks.of_node(node.id)
    if HIGHLIGHT in node_marks:
        attributes += [f"color={quoted(style.HIGHLIGHT_COLOUR)}", f"penwidth={3 if BEST in node_marks else 2}"]
    elif node.adversary:
        attributes.append("penwidth=2.5")
    if CHOKEPOINT in node_marks:
        attributes += ["peripheries=2", f"color={quoted(style.HIGHLIGHT_COLOUR)}"]
    return f"{quoted(node.id)} [{', '.join(attributes)}];"


def _arc(arc: MapArc, colours: dict[str, str], marks: Marks, content: AccessMap) -> str:
    arc_marks = marks.of_arc(arc.key)
    attributes = ["constraint=false", f"tooltip={quoted(arc.entry)}"]
    if arc.kind == "rule":
        source = next(node for node in content.nodes if node.id == arc.source)
        top = style.top_region(source.region if source.region is not None else source.territory)
        attributes += ["style=dotted", f"color={quoted(colours.get(top or '', style.NO_REGION))}", "arrowsize=0.5"]
    elif arc.kind == "flow":
        attributes += [f"color={quoted(style.FLOW_COLOUR)}", "penwidth=2.5", f"label={quoted(arc.label or 'flow')}"]
    else:
        attributes.append(f"penwidth={0.9 + 1.3 * arc.p:.2f}")
        if arc.requires:
            attributes.append("style=dashed")
        if arc.p < 1:
            attributes.append(f"label={quoted(f'p {arc.p:.2g}')}")
    if HIGHLIGHT in arc_marks:
        attributes += [f"color={quoted(style.HIGHLIGHT_COLOUR)}", f"penwidth={4 if BEST in arc_marks else 3}"]
    if CUT in arc_marks:
        attributes += [
            f"color={quoted(style.HIGHLIGHT_COLOUR)}",
            "penwidth=3",
            "arrowhead=tee",
            f"xlabel={quoted('cut')}",
        ]
    return f"{quoted(arc.source)} -> {quoted(arc.target)} [{', '.join(attributes)}];"
