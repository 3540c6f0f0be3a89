"""The k most likely access paths (docs/design.md §2.6, §5a): ``most_likely_paths`` returns a
``Paths`` result (a list of ``Path``, best first, with ``.table`` and ``.provenance``) of
``PathStep`` arcs, each traced back to the model entry it comes from; ``most_likely_path``
is its k = 1."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ..dates import to_day, to_iso
from ..errors import ModelError, cut, quote
from ..model.lowering import adversary_indices, class_index, compile_model
from ..options import shown
from ..results import AnalysisResult, Provenance
from ._requests import require_model

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Path", "PathStep", "Paths", "atomic_request", "most_likely_path", "most_likely_paths"]


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

    def record(self) -> dict[str, Any]:
        """The step as a table row: from, to, p, kind, requires, entry, citation."""
        return {
            "from": self.source,
            "to": self.target,
            "p": self.p,
            "kind": self.kind,
            "requires": list(self.requires),
            "entry": self.entry,
            "citation": self.citation,
        }


@dataclasses.dataclass(frozen=True)
class Path:
    """An access path from an adversary to a store holding a class.

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

    def cell(name: str) -> Any:
        return model._cell("access", name, origin)

    kind = cell("kind")
    requires = cell("requires")
    citation = cell("source")
    return PathStep(
        source,
        target,
        float(cell("p")),
        kind if isinstance(kind, str) else None,
        tuple(requires) if requires is not None else (),
        f"access[{origin}]",
        citation if isinstance(citation, str) else None,
    )


def atomic_request(model: Model, adversary: str, data_class: str, why: str) -> tuple[str, int, int]:
    """``(adversary id, its row, class row)`` for an explanation of one atomic class; a
    ``ModelError`` naming the components for a composite (``why`` says why it needs one)."""
    require_model(model, "model")
    if not isinstance(adversary, str):
        raise ModelError(f"expected a node id, got {shown(adversary)}", where="adversary")
    ids, rows = adversary_indices(model, [adversary], where="adversary")
    cls = class_index(model, data_class, where="data_class")
    components = model._column("classes", "components")[cls]
    if components is not None:
        raise ModelError(
            f"{quote(data_class)} is a composite class (of {', '.join(cut(c) for c in components[:10])}"
            f"{', …' if len(components) > 10 else ''}); {why}: ask for each component",
            where="data_class",
        )
    return ids[0], rows[0], cls


def _date(at: Any) -> str | None:
    return None if at is None else to_iso(to_day(at, where="at"))


class Paths(list[Path], AnalysisResult):
    """The outcome of ``most_likely_paths``: a list of ``Path``, best first, which is also a
    result: ``table`` (one row per path: rank, adversary, class, probability, store, arcs,
    path), ``steps`` (one row per arc of each path, with its entry and citation) and
    ``provenance``."""

    analysis: ClassVar[str] = "paths"
    extra_tables: ClassVar[tuple[str, ...]] = ("steps",)

    def __init__(self, paths: Iterable[Path], provenance: Provenance, *, model: str | None = None) -> None:
        list.__init__(self, paths)
        table = pd.DataFrame(
            {
                "rank": range(1, len(self) + 1),
                "adversary": [p.adversary for p in self],
                "class": [p.data_class for p in self],
                "probability": [p.probability for p in self],
                "store": [p.store for p in self],
                "arcs": [len(p.arcs) for p in self],
                "path": [" → ".join(p.nodes) for p in self],
            }
        )
        AnalysisResult.__init__(self, table, provenance, model=model)

    @property
    def steps(self) -> pd.DataFrame:
        rows = [
            {"rank": rank, "step": k + 1, **step.record()}
            for rank, path in enumerate(self, start=1)
            for k, step in enumerate(path.arcs)
        ]
        columns = ["rank", "step", "from", "to", "p", "kind", "requires", "entry", "citation"]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame

    def __eq__(self, other: object) -> bool:
        return list.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return AnalysisResult.__repr__(self)

    def __str__(self) -> str:
        return AnalysisResult.__str__(self)


# The most partial paths one search may build (about 40 bytes each): past it the search
# stops with a ModelError instead of exhausting memory or time on a hostile model.
MAX_EXPANSIONS = 2_000_000


def most_likely_paths(
    model: Model, adversary: str, data_class: str, k: int = 5, *, at: Any = None, max_expansions: int = MAX_EXPANSIONS
) -> Paths:
    """The ``k`` most likely paths by which ``adversary`` reaches a store holding ``data_class``.

    Paths are simple, follow possible arcs admitting the class (jurisdiction rule arcs
    included) and end at the first store holding the class on them. A path's probability
    is the product of the distinct random variables on it (each arc's coin, each required
    event once), and the ranking is exact for that measure (a best-first search, docs/design.md
    §5a). Ties: fewer arcs first, then the order of the access table (rule arcs last).
    Fewer than ``k`` paths when fewer exist; an empty list when the class is not possibly
    reachable. A composite class has no single path: ask for each component. More than
    ``max_expansions`` partial paths searched is a ``ModelError``.
    """
    from .. import _core

    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ModelError(f"must be a whole number >= 1, got {shown(k)}", where="k")
    if isinstance(max_expansions, bool) or not isinstance(max_expansions, int) or max_expansions < 1:
        raise ModelError(f"must be a whole number >= 1, got {shown(max_expansions)}", where="max_expansions")
    started = time.perf_counter()
    name, row, cls = atomic_request(model, adversary, data_class, "a path reaches one store")
    graph = compile_model(model, at)
    found = _core.most_likely_paths(graph, row, cls, k, max_expansions)
    paths = []
    node_ids = model._id_array("nodes")
    for nodes, _arcs, origins, probability in found:
        names = node_ids[np.asarray(nodes, dtype=np.intp)].tolist()
        steps = tuple(_step(model, names[i], names[i + 1], int(o)) for i, o in enumerate(origins))
        paths.append(Path(name, data_class, tuple(names), steps, float(probability)))
    provenance = Provenance(
        analysis="paths", method="deterministic", at=_date(at), elapsed=time.perf_counter() - started
    )
    return Paths(paths, provenance, model=model.name)


def most_likely_path(model: Model, adversary: str, data_class: str, *, at: Any = None) -> Path | None:
    """The most likely path by which ``adversary`` reaches a store holding ``data_class``:
    ``most_likely_paths`` with ``k = 1`` (exact, shared events counted once), or None when no
    store holding the class is possibly reachable. A composite class has no single path:
    ask for each component."""
    paths = most_likely_paths(model, adversary, data_class, 1, at=at)
    return paths[0] if paths else None
