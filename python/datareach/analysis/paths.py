"""The most likely access path (docs/design.md §2.6): ``most_likely_path`` returns a small
``Path`` result of ``PathStep`` arcs, each traced back to the model entry it comes from."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..model.lowering import adversary_indices, class_index, compile_model
from ..errors import ModelError
from ..options import shown
from ._requests import require_model

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Path", "PathStep", "most_likely_path"]


@dataclasses.dataclass(frozen=True)
class PathStep:
    """One arc of a path: an access entry of the model or the rule of a jurisdiction."""

    source: str
    target: str
    p: float
    kind: str | None
    requires: tuple[str, ...]
    entry: str  # where the arc comes from: "access[3]" or "nodes[0].compels"
    citation: str | None = None  # the entry's source (for a rule: the jurisdiction's)


@dataclasses.dataclass(frozen=True)
class Path:
    """The most likely access path from an adversary to a store holding a class.

    ``probability`` is the product of the distinct coins and events on the path (a shared
    event counted once): a lower bound on the probability that the class is exposed.
    """

    adversary: str
    data_class: str
    nodes: tuple[str, ...]
    arcs: tuple[PathStep, ...]
    probability: float

    @property
    def store(self) -> str:
        return self.nodes[-1]

    def __str__(self) -> str:
        return f"{' → '.join(self.nodes)} (p = {self.probability:.3g})"

    def _repr_html_(self) -> str:
        import html

        chain = " &rarr; ".join(f"<b>{html.escape(n)}</b>" for n in self.nodes)
        return f"<div>{chain} <i>p = {self.probability:.3g}</i></div>"


def _step(model: Model, source: str, target: str, origin: int) -> PathStep:
    # Straight from the model's column arrays: building the access DataFrame would cost
    # seconds on a model of ten million arcs, for a path of a dozen steps.
    if origin < 0:  # a jurisdiction's rule: cited by the jurisdiction's own source
        node = -1 - origin
        compels = model._column("nodes", "compels")[node]
        cited = model._column("nodes", "source")[node]
        return PathStep(
            source,
            target,
            float(compels),
            "compels",
            (),
            f"nodes[{node}].compels",
            cited if isinstance(cited, str) else None,
        )
    column = model._column
    kind = column("access", "kind")[origin]
    requires = column("access", "requires")[origin]
    citation = column("access", "source")[origin]
    return PathStep(
        source,
        target,
        float(column("access", "p")[origin]),
        kind if isinstance(kind, str) else None,
        tuple(requires) if requires is not None else (),
        f"access[{origin}]",
        citation if isinstance(citation, str) else None,
    )


def most_likely_path(model: Model, adversary: str, data_class: str, *, at: Any = None) -> Path | None:
    """The most likely path by which ``adversary`` reaches a store holding ``data_class``.

    The search is Dijkstra on -log of each arc's live probability over the arcs that admit
    the class; the returned probability is then computed exactly for the path. None when no
    store holding the class is possibly reachable. A composite class has no single path:
    ask for each component.
    """
    from .. import _core

    require_model(model, "model")
    if not isinstance(adversary, str):
        raise ModelError(f"expected a node id, got {shown(adversary)}", where="adversary")
    ids, rows = adversary_indices(model, [adversary], where="adversary")
    cls = class_index(model, data_class, where="data_class")
    components = model._column("classes", "components")[cls]
    if components is not None:
        raise ModelError(
            f"{data_class!r} is a composite class (of {', '.join(components)}); a path reaches"
            " one store: ask for each component",
            where="data_class",
        )
    graph = compile_model(model, at)
    found = _core.most_likely_path(graph, rows[0], cls)
    if found is None:
        return None
    nodes, _arcs, origins, probability = found
    names = [model.node_ids[v] for v in nodes]
    steps = tuple(_step(model, names[i], names[i + 1], int(o)) for i, o in enumerate(origins))
    return Path(ids[0], data_class, tuple(names), steps, float(probability))
