"""What a diagram emphasises: the nodes and arcs of a ``Path`` or ``Paths`` (the best one
more strongly), the arcs of a ``Cut``, the nodes of ``Chokepoints``, each checked against
the drawn map: a highlighted element that is not drawn (another model, another date, left
out by a restriction) is a ModelError naming it."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..analysis.chokepoints import Chokepoints
from ..analysis.cut import Cut
from ..analysis.paths import Path
from ..errors import ModelError, quote
from ..options import shown
from .content import AccessMap

__all__ = ["Marks", "marks_of"]

# Mark names: they become SVG classes of the marked elements and select the drawing style.
HIGHLIGHT = "highlight"  # on a highlighted path
BEST = "best"  # on the best of several highlighted paths
CUT = "cut"  # an arc of a cheapest cut
CHOKEPOINT = "chokepoint"  # a node on every possible path


@dataclasses.dataclass(frozen=True)
class Marks:
    """Marks per node id and per arc key (see :attr:`MapArc.key`), and what was
    highlighted (for the legend)."""

    nodes: dict[str, frozenset[str]]
    arcs: dict[tuple[str, str], frozenset[str]]
    kind: str | None = None  # "path", "paths", "cut", "chokepoints" or None

    def of_node(self, node_id: str) -> frozenset[str]:
        return self.nodes.get(node_id, frozenset())

    def of_arc(self, key: tuple[str, str]) -> frozenset[str]:
        return self.arcs.get(key, frozenset())


def marks_of(highlight: Any, content: AccessMap) -> Marks:
    """The marks of ``highlight`` (None, a Path, Paths or a list of Path, a Cut or
    Chokepoints) on ``content``."""
    if highlight is None:
        return Marks({}, {})
    checker = _Checker(content)
    if isinstance(highlight, (list, tuple)) and all(isinstance(path, Path) for path in highlight):
        # Paths (a list of Path, best first) or a plain list of paths
        for rank, path in enumerate(highlight):
            marks = (HIGHLIGHT, BEST) if rank == 0 and len(highlight) > 1 else (HIGHLIGHT,)
            checker.path(path, f"highlight[{rank}]", marks)
        return checker.marks("paths")
    if isinstance(highlight, Path):
        checker.path(highlight, "highlight", (HIGHLIGHT,))
        return checker.marks("path")
    if isinstance(highlight, Cut):
        for position, entry in enumerate(highlight.table["entry"]):
            source = str(highlight.table["from"].iloc[position])
            target = str(highlight.table["to"].iloc[position])
            checker.arc(str(entry), source, target, f"highlight.arcs[{position}]", (CUT,))
        return checker.marks("cut")
    if isinstance(highlight, Chokepoints):
        for position, node in enumerate(highlight.nodes):
            checker.node(node, f"highlight.nodes[{position}]", (CHOKEPOINT,))
        return checker.marks("chokepoints")
    raise ModelError(
        f"expected a Path, Paths (most_likely_paths), Cut or Chokepoints, got {shown(highlight)}",
        where="highlight",
    )


class _Checker:
    """Collects marks, refusing any element the map does not draw."""

    def __init__(self, content: AccessMap) -> None:
        self._content = content
        self._node_ids = content.node_ids()
        self._arcs = content.arcs_by_key()
        self._nodes: dict[str, set[str]] = {}
        self._arc_marks: dict[tuple[str, str], set[str]] = {}

    def _absent(self) -> str:
        when = "windows ignored" if self._content.at is None else f"as of {self._content.at}"
        restricted = " or left out by adversaries=/classes=" if self._content.adversaries is not None else ""
        return f"is not in the diagram ({when}{restricted}); highlight a result of the same model and date"

    def node(self, node_id: str, where: str, marks: tuple[str, ...]) -> None:
        if node_id not in self._node_ids:
            raise ModelError(f"node {quote(node_id)} {self._absent()}", where=where)
        self._nodes.setdefault(node_id, set()).update(marks)

    def arc(self, entry: str, source: str, target: str, where: str, marks: tuple[str, ...]) -> None:
        key = (entry, target if entry.endswith(".compels") else "")
        arc = self._arcs.get(key)
        if arc is None or (arc.source, arc.target) != (source, target):
            raise ModelError(f"arc {entry} {quote(source)} → {quote(target)} {self._absent()}", where=where)
        self._arc_marks.setdefault(key, set()).update(marks)

    def path(self, path: Path, where: str, marks: tuple[str, ...]) -> None:
        for position, node in enumerate(path.nodes):
            self.node(node, f"{where}.nodes[{position}]", marks)
        for position, step in enumerate(path.arcs):
            self.arc(step.entry, step.source, step.target, f"{where}.arcs[{position}]", marks)

    def marks(self, kind: str) -> Marks:
        return Marks(
            {node: frozenset(m) for node, m in self._nodes.items()},
            {key: frozenset(m) for key, m in self._arc_marks.items()},
            kind,
        )
