"""Deterministic reach (docs/design.md §2.6): which classes each adversary can possibly and
certainly reach, and through which stores and regions; ``reach`` returns a ``ReachResult``."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..dates import to_day, to_iso
from ..model.lowering import compile_model
from ..results import AnalysisResult, Provenance
from ._requests import requested_adversaries, require_model

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["ReachResult", "reach"]


def _split(offsets: npt.NDArray[np.int64], values: npt.NDArray[Any], labels: npt.NDArray[Any]) -> list[list[str]]:
    named = labels[values]
    return [list(named[offsets[i] : offsets[i + 1]]) for i in range(len(offsets) - 1)]


def _regions_of(stores: list[str], region_of: dict[str, Any]) -> list[str]:
    return sorted({region_of[s] for s in stores if isinstance(region_of.get(s), str)})


def reach(model: Model, adversaries: str | Iterable[str] | None = None, *, at: Any = None) -> ReachResult:
    """Which classes each adversary can possibly and certainly reach.

    ``.table``: one row per (adversary, class): ``possible`` (exposed in some world: every arc
    with a live probability > 0 is used), ``certain`` (exposed in every world: only arcs whose
    p and events are all 1), ``possible_stores`` / ``certain_stores`` (the stores holding the
    class reached that way) and ``possible_regions`` / ``certain_regions``. A composite class
    counts as reached only when all its components are. ``at`` analyses the model as of a
    date (default: windows ignored). An adversary listed twice is an error. Reach samples nothing, so it takes no other option.
    """
    from .. import _core

    started = time.perf_counter()
    _, rows = requested_adversaries(require_model(model, "model"), adversaries)
    graph = compile_model(model, at)
    found = _core.reach(graph, rows)
    node_ids = model._id_array("nodes")
    class_ids = np.asarray(model.class_ids, dtype=object)
    possible = _split(found["possible_stores_offsets"], found["possible_stores_values"], node_ids)
    certain = _split(found["certain_stores_offsets"], found["certain_stores_values"], node_ids)
    region_of = dict(zip(node_ids.tolist(), model._column("nodes", "region").tolist()))
    table = pd.DataFrame(
        {
            "adversary": node_ids[found["adversary"]],
            "class": class_ids[found["class"]],
            "possible": found["possible"],
            "certain": found["certain"],
            "possible_stores": possible,
            "certain_stores": certain,
            "possible_regions": [_regions_of(s, region_of) for s in possible],
            "certain_regions": [_regions_of(s, region_of) for s in certain],
        }
    )
    provenance = Provenance(
        analysis="reach",
        method="deterministic",
        at=None if at is None else to_iso(to_day(at, where="at")),
        elapsed=time.perf_counter() - started,
    )
    return ReachResult(table, provenance, model=model.name)


class ReachResult(AnalysisResult):
    """The outcome of ``reach``: ``table`` with adversary, class, possible, certain,
    possible_stores, certain_stores, possible_regions, certain_regions."""

    analysis: ClassVar[str] = "reach"
