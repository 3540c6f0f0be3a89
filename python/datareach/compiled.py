"""The bridge from a Model to the compiled core: lowering, compilation as of a date, and
the translation of ids in requests (adversaries, classes) into core indices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .dates import to_day
from .errors import ModelError, did_you_mean

if TYPE_CHECKING:
    from . import _core
    from .model import Model

__all__ = ["compile_model", "core_model", "adversary_indices", "class_index"]


def core_model(model: Model) -> _core.ModelData:
    """The model's validated core tables, built once per revision of the model."""
    from . import _core
    from .lowering import lower

    key = model.revision
    cached = model._core_cache.get("model_data")
    if cached is None or cached[0] != key:
        cached = (key, _core.ModelData(lower(model)))
        model._core_cache.clear()
        model._core_cache["model_data"] = cached
    return cached[1]


def compile_model(model: Model, at: Any = None) -> _core.CompiledGraph:
    """The model compiled as of ``at`` (a date; None ignores windows), cached per date."""
    from . import _core

    day = None if at is None else to_day(at, where="at")
    data = core_model(model)
    graphs = model._core_cache.setdefault("graphs", {})
    graph = graphs.get(day)
    if graph is None:
        if len(graphs) >= 16:  # timelines compile many dates; keep the cache bounded
            graphs.pop(next(iter(graphs)))
        graph = graphs[day] = _core.CompiledGraph(data, day)
    return graph


def adversary_indices(
    model: Model, adversaries: str | Iterable[str] | None, *, where: str | None = None
) -> tuple[list[str], list[int]]:
    """Ids and node indices of the adversaries to analyse (default: the model's list).

    Errors name ``adversaries[i]``, or ``where`` when given (a request for one adversary)."""
    if adversaries is None:
        ids = list(model.adversaries)
        if not ids:
            raise ModelError("no adversaries given and the model lists none", where="adversaries")
    elif isinstance(adversaries, str):
        ids = [adversaries]
    elif isinstance(adversaries, Iterable) and not isinstance(adversaries, (bytes, Mapping)):
        ids = list(adversaries)
    else:
        raise ModelError(
            f"must be a node id or a list of node ids, got {type(adversaries).__name__} {adversaries!r}",
            where=where or "adversaries",
        )
    index = model.node_index
    rows = []
    for i, adversary in enumerate(ids):
        row = index.get(adversary) if isinstance(adversary, str) else None
        if row is None:
            raise ModelError(
                f"unknown node {adversary!r}{did_you_mean(str(adversary), model.node_ids)}",
                where=where or f"adversaries[{i}]",
            )
        rows.append(row)
    return ids, rows


def class_index(model: Model, class_id: str, *, where: str = "class") -> int:
    """The index of a class id, or a ModelError suggesting the closest id."""
    row = model.class_index.get(class_id) if isinstance(class_id, str) else None
    if row is None:
        raise ModelError(f"unknown class {class_id!r}{did_you_mean(str(class_id), model.class_ids)}", where=where)
    return row
