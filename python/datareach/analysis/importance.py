"""Importance of every random variable (docs/design.md §5a): Birnbaum's measure
P(exposed | up) - P(exposed | down) for each arc's coin (explicit arcs and jurisdiction rule
arcs) and each event that can change whether a class is reached, with the exposure if the
variable were removed; ``importance`` returns an ``Importance`` result, largest first."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..model.lowering import compile_model
from ..options import AnalysisOptions, OptionOverrides, Unpack
from ..results import AnalysisResult, Provenance, warn_if_not_converged
from ._engines import EXACT_STEP_LIMIT, _named_adversary, _sampling, progress_reporter, resolve_method
from .paths import atomic_request

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import Model

__all__ = ["Importance", "importance"]

COLUMNS = (
    "kind",
    "from",
    "to",
    "event",
    "p",
    "importance",
    "importance_low",
    "importance_high",
    "exposure_if_removed",
    "removed_low",
    "removed_high",
    "entry",
    "source",
)


class Importance(AnalysisResult):
    """The outcome of ``importance``: ``table`` with one row per random variable that can
    change whether the class is reached, largest importance first — ``kind`` ("access" for
    an explicit arc's coin, "compels" for a jurisdiction rule arc's, "event"), ``from`` /
    ``to`` (the arc's nodes; None for an event), ``event`` (its id; None for an arc), ``p``,
    ``importance`` with its interval, ``exposure_if_removed`` (the exposure with the variable
    down) with its interval, ``entry`` (``access[i]``, ``nodes[j].compels``, ``events[k]``)
    and ``source`` (its citation). Exact results have equal bounds. ``exposure`` and
    ``exposure_low`` / ``exposure_high``: the exposure probability of the class itself."""

    analysis: ClassVar[str] = "importance"

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None,
        adversary: str,
        data_class: str,
        exposure: tuple[float, float, float],
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.adversary = adversary
        self.data_class = data_class
        self.exposure, self.exposure_low, self.exposure_high = exposure

    def plot(self, ax: Axes | None = None, *, top: int | None = 15) -> Axes:
        """Horizontal bars of the importance of each variable, in percentage points, largest
        at the top, labelled ``from → to`` (arcs) or ``event id``, with the 95 % intervals
        of Monte Carlo as whiskers (docs/design.md §5b); ``top`` caps the bars (None: all).
        Returns the matplotlib Axes; draws on ``ax`` when given, else on a new figure;
        needs matplotlib (``pip install 'datareach[plot]'``)."""
        from ..plot.explain import plot_importance

        return plot_importance(self, ax, top=top)

    def _title(self) -> str:
        return f"{super()._title()}: {self.adversary} → {self.data_class}, exposure {self.exposure:.4g}"


def importance(
    model: Model,
    adversary: str,
    data_class: str,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Importance:
    """Birnbaum importance of every random variable (0 < p < 1) on some possible path from
    ``adversary`` to a store holding ``data_class`` (an atomic class): an arc's coin, a
    jurisdiction rule arc's, an event. Variables elsewhere have importance 0 and are not
    listed; so are constants (p = 0 or 1).

    ``method="exact"`` conditions the exact engine on each variable up and down;
    ``"monte_carlo"`` estimates every variable in one pass over the worlds that ``analyze``
    draws with the same seed (its ``exposure`` equals theirs), with Wilson intervals; a
    ``tolerance`` applies to every interval. ``"auto"``: exact when the model is small."""
    resolved = AnalysisOptions.resolve(options, **overrides).seeded()
    result = _importance(model, adversary, data_class, resolved)
    warn_if_not_converged(result)
    return result


def _importance(model: Model, adversary: str, data_class: str, options: AnalysisOptions) -> Importance:
    from .. import _core

    ids_adversary, row, cls = atomic_request(model, adversary, data_class, "importance is computed per stored class")
    graph = compile_model(model, options.at)
    method = resolve_method(options.method, [(graph, [row])])
    started = time.perf_counter()
    with progress_reporter(options.progress, "model" if method == "exact" else "world") as report:
        if method == "exact":
            try:
                found = _core.exact_importance(graph, row, cls, max_steps=EXACT_STEP_LIMIT, progress=report)
            except ModelError as error:
                raise _named_adversary(error, [ids_adversary]) from None
        else:
            found = _core.monte_carlo_importance(graph, row, cls, **_sampling(options), progress=report)
    elapsed = time.perf_counter() - started
    table = _table(model, found)
    if method == "exact":
        met: bool | None = True
    elif options.tolerance is None:
        met = None
    else:
        met = bool(found["max_half_width"] <= options.tolerance)
    provenance = Provenance.of_options(
        options,
        analysis="importance",
        method=method,
        worlds=None if method == "exact" else int(found["samples"]),
        seed=None if method == "exact" else options.seed,
        elapsed=elapsed,
        converged=met,
    )
    exposure = (float(found["exposure"]), float(found["exposure_low"]), float(found["exposure_high"]))
    return Importance(
        table,
        provenance,
        model=model.name,
        adversary=ids_adversary,
        data_class=data_class,
        exposure=exposure,
    )


def _table(model: Model, found: dict[str, Any]) -> pd.DataFrame:
    """The engine's rows named: arcs by their access entry or jurisdiction, events by id."""
    arcs = np.asarray(found["arc"], dtype=np.int64)
    events = np.asarray(found["event"], dtype=np.int64)
    node_ids = model.node_ids
    event_ids = model.event_ids
    column = model._column
    kinds: list[str] = []
    sources: list[str | None] = []
    entries: list[str] = []
    frm: list[str | None] = []
    to: list[str | None] = []
    named_events: list[str | None] = []
    origins = np.asarray(found["origin"], dtype=np.int64)
    sources_of = np.asarray(found["from"], dtype=np.int64)
    targets_of = np.asarray(found["to"], dtype=np.int64)
    for k in range(len(arcs)):
        if arcs[k] < 0:
            event = int(events[k])
            kinds.append("event")
            frm.append(None)
            to.append(None)
            named_events.append(event_ids[event])
            entries.append(f"events[{event}]")
            cited = column("events", "source")[event]
            sources.append(cited if isinstance(cited, str) else None)
            continue
        origin = int(origins[k])
        frm.append(node_ids[int(sources_of[k])])
        to.append(node_ids[int(targets_of[k])])
        named_events.append(None)
        if origin < 0:
            node = -1 - origin
            kinds.append("compels")
            entries.append(f"nodes[{node}].compels")
            cited = column("nodes", "source")[node]
        else:
            kinds.append("access")
            entries.append(f"access[{origin}]")
            cited = column("access", "source")[origin]
        sources.append(cited if isinstance(cited, str) else None)
    table = pd.DataFrame(
        {
            "kind": kinds,
            "from": frm,
            "to": to,
            "event": named_events,
            "p": np.asarray(found["p"], dtype=float),
            "importance": np.asarray(found["importance"], dtype=float),
            "importance_low": np.asarray(found["importance_low"], dtype=float),
            "importance_high": np.asarray(found["importance_high"], dtype=float),
            "exposure_if_removed": np.asarray(found["removed"], dtype=float),
            "removed_low": np.asarray(found["removed_low"], dtype=float),
            "removed_high": np.asarray(found["removed_high"], dtype=float),
            "entry": entries,
            "source": sources,
        },
        columns=list(COLUMNS),
    )
    # Largest first; ties keep the engine's order (arcs by compiled index, then events).
    order = np.argsort(-np.nan_to_num(table["importance"].to_numpy(), nan=-1.0), kind="stable")
    ordered: pd.DataFrame = table.iloc[order].reset_index(drop=True)
    return ordered
