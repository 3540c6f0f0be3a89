"""The cheapest cut (docs/design.md §5a): the least total ``cost`` of explicit arcs whose
removal leaves a class not possibly reachable; ``cheapest_cut`` returns a ``Cut``."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ..model.lowering import compile_model
from ..results import AnalysisResult, Provenance
from .paths import _date, atomic_request

if TYPE_CHECKING:
    from ..changes import Revoke
    from ..model import Model

__all__ = ["Cut", "cheapest_cut"]


class Cut(AnalysisResult):
    """The outcome of ``cheapest_cut``: ``cost`` (``math.inf`` when no finite cut exists, 0
    when the class is not possibly reachable already), ``arcs`` / ``table`` (one row per
    explicit arc cut: from, to, cost, source, kind, entry), ``pairs`` (the node pairs to
    revoke) and ``as_changes()``, revokes that feed ``model.apply`` and ``dr.compare``."""

    analysis: ClassVar[str] = "cut"

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None,
        cost: float,
        pairs: list[tuple[str, str]],
        reachable: bool,
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.cost = cost
        self.pairs = pairs
        self.reachable = reachable

    @property
    def arcs(self) -> pd.DataFrame:
        return self.table

    @property
    def finite(self) -> bool:
        return math.isfinite(self.cost)

    def as_changes(self) -> list[Revoke]:
        """One ``dr.changes.revoke(from, to)`` per pair; a revoke removes every explicit arc
        of its pair (at every date), which is why the cut prices pairs."""
        from ..changes import revoke

        return [revoke(u, v) for u, v in self.pairs]

    def _title(self) -> str:
        return f"{super()._title()}: cost {self.cost:g}"


def cheapest_cut(model: Model, adversary: str, data_class: str, *, at: Any = None) -> Cut:
    """The least total ``cost`` of explicit arcs whose removal leaves ``data_class`` not
    possibly reachable by ``adversary`` (max-flow/min-cut over possible arcs admitting the
    class, the holding stores joined to a virtual sink). The cut works on node pairs: a
    revoke removes every explicit arc from → to, so parallel arcs' costs add. Rule arcs
    cannot be cut, nor can arcs of infinite cost. A composite class: ask for each component."""
    from .. import _core

    started = time.perf_counter()
    _, row, cls = atomic_request(model, adversary, data_class, "a cut is found per stored class")
    graph = compile_model(model, at)
    costs = np.asarray(model._column("access", "cost"), dtype=np.float64)
    found = _core.cheapest_cut(graph, row, cls, costs)
    ids = model.node_ids
    origins = [int(o) for o in found["origins"]]
    kinds = model._column("access", "kind")
    cited = model._column("access", "source")
    frm = [str(model._column("access", "from")[o]) for o in origins]
    to = [str(model._column("access", "to")[o]) for o in origins]
    table = pd.DataFrame(
        {
            "from": frm,
            "to": to,
            "cost": [float(costs[o]) for o in origins],
            "source": [cited[o] if isinstance(cited[o], str) else None for o in origins],
            "kind": [kinds[o] if isinstance(kinds[o], str) else None for o in origins],
            "entry": [f"access[{o}]" for o in origins],
        },
        columns=["from", "to", "cost", "source", "kind", "entry"],
    )
    pairs = [(ids[u], ids[v]) for u, v in zip(found["from"], found["to"])]
    provenance = Provenance(analysis="cut", method="deterministic", at=_date(at), elapsed=time.perf_counter() - started)
    return Cut(
        table, provenance, model=model.name, cost=float(found["cost"]), pairs=pairs, reachable=bool(found["reachable"])
    )
