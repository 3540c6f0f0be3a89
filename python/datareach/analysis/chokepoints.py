"""Chokepoints (docs/design.md §5a): the nodes on every possible path from an adversary to any
store holding a class; ``chokepoints`` returns a ``Chokepoints`` result."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ..model.lowering import compile_model
from ..results import AnalysisResult, Provenance
from .paths import _date, atomic_request

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["Chokepoints", "chokepoints"]


class Chokepoints(AnalysisResult):
    """The outcome of ``chokepoints``: ``table`` with one row per chokepoint, outward from
    the adversary: order, node, kind, region, arcs_in (possible arcs admitting the class
    that enter it from nodes the adversary can reach); ``nodes`` the ids in that order and
    ``reachable`` whether the class is possibly reachable at all.

    Each chokepoint carries all of the exposure: every possible path passes through it, so
    disabling it (``dr.changes.disable``) leaves the class not possibly reachable."""

    analysis: ClassVar[str] = "chokepoints"

    def __init__(self, table: pd.DataFrame, provenance: Provenance, *, model: str | None, reachable: bool) -> None:
        super().__init__(table, provenance, model=model)
        self.reachable = reachable

    @property
    def nodes(self) -> list[str]:
        return list(self.table["node"])


def chokepoints(model: Model, adversary: str, data_class: str, *, at: Any = None) -> Chokepoints:
    """The nodes (not the adversary) on every possible path from ``adversary`` to any store
    holding ``data_class``, outward from the adversary: the dominators of a virtual sink
    joined from every holding store, over possible arcs admitting the class (rule arcs
    included). Empty when the class is not possibly reachable, or when the adversary holds
    it itself. A composite class: ask for each component."""
    from .. import _core

    started = time.perf_counter()
    _, row, cls = atomic_request(model, adversary, data_class, "chokepoints are found per stored class")
    graph = compile_model(model, at)
    found = _core.chokepoints(graph, row, cls)
    nodes = model._id_array("nodes")[np.asarray(found["nodes"], dtype=np.intp)].tolist()
    kinds = model._column("nodes", "kind")
    regions = model._column("nodes", "region")
    table = pd.DataFrame(
        {
            "order": range(1, len(nodes) + 1),
            "node": nodes,
            "kind": [str(kinds[v]) for v in found["nodes"]],
            "region": [regions[v] if isinstance(regions[v], str) else None for v in found["nodes"]],
            "arcs_in": [int(n) for n in found["arcs_in"]],
        }
    )
    provenance = Provenance(
        analysis="chokepoints", method="deterministic", at=_date(at), elapsed=time.perf_counter() - started
    )
    return Chokepoints(table, provenance, model=model.name, reachable=bool(found["reachable"]))
