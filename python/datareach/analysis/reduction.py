"""A cheap set of revokes that brings an exposure down to a target (docs/design.md §5a):
``cheapest_reduction`` returns a ``Reduction``. A heuristic, and it says so: greedy by
exposure removed per unit of cost, the cheapest cut where the greedy steps stall or cost
more, then a pass that drops every revoke the target does not need."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..model.lowering import compile_model
from ..options import AnalysisOptions, OptionOverrides, Unpack, shown
from ..results import AnalysisResult, Provenance
from ._engines import EXACT_STEP_LIMIT, _named_adversary, _threads, progress_reporter, resolve_method
from .cut import cheapest_cut
from .paths import atomic_request

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..changes import Revoke
    from ..model import Model

__all__ = ["Reduction", "cheapest_reduction"]

HEURISTIC = (
    "greedy: revoke the node pair removing the most exposure per unit of cost, until the "
    "target is met; the cheapest cut where no single revoke helps or where it costs less; "
    "then drop every revoke the target does not need. Not guaranteed to be the cheapest."
)

Pair = tuple[int, int]


class Reduction(AnalysisResult):
    """The outcome of ``cheapest_reduction``: ``table`` (one row per revoke, in the order
    applied: from, to, cost, arcs (the access entries it removes), exposure_after — the
    exposure with this and every earlier revoke applied — and the sources), ``cost`` (their
    total), ``exposure`` with ``exposure_low`` / ``exposure_high`` (equal when exact), the
    ``base_exposure``, the ``target``, the ``adversary`` and ``data_class`` asked about, ``met`` (the exposure reached is <= target; for Monte
    Carlo judged by the point estimate, the interval is in the table), ``heuristic`` (how
    the set was found) and ``as_changes()``, revokes that feed ``model.apply`` and
    ``dr.compare``."""

    analysis: ClassVar[str] = "reduction"

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None,
        target: float,
        base_exposure: float,
        exposure: tuple[float, float, float],
        pairs: list[tuple[str, str]],
        adversary: str | None = None,
        data_class: str | None = None,
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.adversary = adversary
        self.data_class = data_class
        self.target = target
        self.base_exposure = base_exposure
        self.exposure, self.exposure_low, self.exposure_high = exposure
        self.pairs = pairs
        self.cost = float(table["cost"].sum()) if len(table) else 0.0
        self.heuristic = HEURISTIC

    @property
    def met(self) -> bool:
        return self.exposure <= self.target

    def as_changes(self) -> list[Revoke]:
        """One ``dr.changes.revoke(from, to)`` per row."""
        from ..changes import revoke

        return [revoke(u, v) for u, v in self.pairs]

    def plot(self, ax: Axes | None = None) -> Axes:
        """Bars of the exposure probability now and after each revoke, in percent, in the
        order applied, with the target as a dashed line and the 95 % intervals of Monte
        Carlo as whiskers (docs/design.md §5b). Returns the matplotlib Axes; draws on
        ``ax`` when given, else on a new figure; needs matplotlib (``pip install
        'datareach[plot]'``)."""
        from ..plot.explain import plot_reduction

        return plot_reduction(self, ax)

    def _title(self) -> str:
        return (
            f"{super()._title()}: exposure {self.base_exposure:.4g} → {self.exposure:.4g} "
            f"(target {self.target:g}{'' if self.met else ', NOT met'}), cost {self.cost:g}"
        )


def cheapest_reduction(
    model: Model,
    adversary: str,
    data_class: str,
    target: float,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Reduction:
    """Revokes of explicit arcs (by node pair, as ``cheapest_cut`` prices them: the costs of
    a pair's arcs add) bringing the exposure probability of ``data_class`` (atomic) to
    ``adversary`` to at most ``target`` (0 to 1), at low total cost. A heuristic (see
    ``Reduction.heuristic``); rule arcs and arcs of infinite cost are never revoked, so a
    target may be out of reach (``met`` is False then). Exposures are exact or, on large
    models, Monte Carlo on common random numbers (every candidate judged on the same
    worlds); the method, samples and seed come from the shared options."""
    options = AnalysisOptions.resolve(options, **overrides).seeded()
    if options.tolerance is not None:
        raise ModelError(
            "does not apply: every candidate is judged on the same fixed sample; set samples instead",
            where="tolerance",
        )
    goal = _target(target)
    started = time.perf_counter()
    name, row, cls = atomic_request(model, adversary, data_class, "a reduction is found per stored class")
    graph = compile_model(model, options.at)
    method = resolve_method(options.method, [(graph, [row])])
    with progress_reporter(options.progress, "step") as report:
        search = _Search(model, graph, name, row, cls, method, options)
        pairs, evaluated = search.run(goal, data_class)
        if report is not None:
            report(1, 1)
    table = search.table(pairs, evaluated)
    provenance = Provenance.of_options(
        options,
        analysis="reduction",
        method=method,
        worlds=None if method == "exact" else search.worlds,
        seed=None if method == "exact" else options.seed,
        elapsed=time.perf_counter() - started,
    )
    final = evaluated[-1] if evaluated else (search.base, search.base_low, search.base_high)
    ids = model.node_ids
    return Reduction(
        table,
        provenance,
        model=model.name,
        target=goal,
        base_exposure=search.base,
        exposure=final,
        pairs=[(ids[u], ids[v]) for u, v in pairs],
        adversary=name,
        data_class=data_class,
    )


def _target(target: Any) -> float:
    if isinstance(target, bool) or not isinstance(target, (int, float, np.integer, np.floating)):
        raise ModelError(f"expected a probability from 0 to 1, got {shown(target)}", where="target")
    value = float(target)
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise ModelError(f"expected a probability from 0 to 1, got {value}", where="target")
    return value


class _Search:
    """The candidates (node pairs of explicit arcs that can matter, with finite cost) and the
    core calls that judge sets of them."""

    def __init__(
        self, model: Model, graph: Any, adversary: str, row: int, cls: int, method: str, options: AnalysisOptions
    ) -> None:
        from .. import _core

        self.model, self.graph, self.adversary, self.row, self.cls = model, graph, adversary, row, cls
        self.method, self.options = method, options
        relevant = _core.relevant_arcs(graph, row, cls)
        costs = np.asarray(model._column("access", "cost"), dtype=np.float64)
        arcs_of: dict[Pair, list[int]] = {}
        origins_of: dict[Pair, list[int]] = {}
        for arc, origin, u, v in zip(relevant["arc"], relevant["origin"], relevant["from"], relevant["to"]):
            if origin < 0:  # a rule arc: a law is not an arc an operator revokes
                continue
            pair = (int(u), int(v))
            arcs_of.setdefault(pair, []).append(int(arc))
            origins_of.setdefault(pair, []).append(int(origin))
        self.cost = {pair: float(costs[origins].sum()) for pair, origins in origins_of.items()}
        self.candidates = [pair for pair in arcs_of if math.isfinite(self.cost[pair])]
        self.arcs_of, self.origins_of = arcs_of, origins_of
        self.worlds = 0
        base = self.exposures([[]])[0]
        self.base, self.base_low, self.base_high = base

    def exposures(self, sets: Sequence[Sequence[Pair]]) -> list[tuple[float, float, float]]:
        """The exposure (point, low, high) with each set of pairs revoked."""
        from .. import _core

        removals = [[arc for pair in chosen for arc in self.arcs_of[pair]] for chosen in sets]
        if self.method == "exact":
            try:
                found = _core.exact_removal_exposures(
                    self.graph, self.row, self.cls, removals, max_steps=EXACT_STEP_LIMIT
                )
            except ModelError as error:
                raise _named_adversary(error, [self.adversary]) from None
        else:
            assert self.options.seed is not None
            found = _core.monte_carlo_removal_exposures(
                self.graph,
                self.row,
                self.cls,
                removals,
                samples=self.options.samples,
                seed=self.options.seed,
                threads=_threads(self.options),
            )
            self.worlds = int(found["samples"])
        return [(float(p), float(lo), float(hi)) for p, lo, hi in zip(found["exposure"], found["low"], found["high"])]

    def run(self, goal: float, data_class: str) -> tuple[list[Pair], list[tuple[float, float, float]]]:
        """The pairs chosen, in order, and the exposure after each prefix of them."""
        if self.base <= goal:
            return [], []
        chosen = self._greedy(goal, data_class)
        met = self.exposures([chosen])[0][0] <= goal
        cut = self._cut_pairs(self.model, data_class)
        if cut is not None and (not met or sum(self.cost[p] for p in cut) < sum(self.cost[p] for p in chosen)):
            chosen = cut  # the cheapest cut reaches exposure 0: it meets the goal, here for less
        chosen = self._prune(chosen, goal)
        return chosen, self.exposures([chosen[: k + 1] for k in range(len(chosen))]) if chosen else []

    def _greedy(self, goal: float, data_class: str) -> list[Pair]:
        chosen: list[Pair] = []
        exposure = self.base
        while exposure > goal:
            left = [pair for pair in self.candidates if pair not in chosen]
            if not left:
                break
            after = self.exposures([[*chosen, pair] for pair in left])
            best, best_score = None, 0.0
            for pair, (value, _, _) in zip(left, after):
                gain = exposure - value
                if gain <= 0:
                    continue
                score = math.inf if self.cost[pair] == 0 else gain / self.cost[pair]
                if best is None or score > best_score:
                    best, best_score = (pair, value), score
            if best is None:  # no single revoke helps: only a cut of every path will
                from ..changes import revoke

                ids = self.model.node_ids
                rest = self._cut_pairs(self.model.apply([revoke(ids[u], ids[v]) for u, v in chosen]), data_class)
                if rest is not None:
                    chosen += [pair for pair in rest if pair not in chosen]
                break
            chosen.append(best[0])
            exposure = best[1]
        return chosen

    def _cut_pairs(self, model: Model, data_class: str) -> list[Pair] | None:
        """The pairs of the cheapest cut of ``model`` (which leaves the class not possibly
        reachable: exposure 0), or None when no finite cut exists."""
        cut = cheapest_cut(model, self.adversary, data_class, at=self.options.at)
        if not cut.finite:
            return None
        index = {node: k for k, node in enumerate(self.model.node_ids)}
        pairs = [(index[u], index[v]) for u, v in cut.pairs]
        return [pair for pair in pairs if pair in self.cost]

    def _prune(self, chosen: list[Pair], goal: float) -> list[Pair]:
        """Drops, most expensive first, every pair without which the goal is still met."""
        while chosen:
            without = [[p for p in chosen if p != pair] for pair in chosen]
            after = self.exposures(without)
            droppable = [
                (self.cost[pair], k) for k, (pair, (value, _, _)) in enumerate(zip(chosen, after)) if value <= goal
            ]
            if not droppable:
                break
            _, k = max(droppable)
            chosen = without[k]
        return chosen

    def table(self, pairs: list[Pair], evaluated: list[tuple[float, float, float]]) -> pd.DataFrame:
        ids = self.model.node_ids
        cited = self.model._column("access", "source")
        rows = []
        for k, pair in enumerate(pairs):
            origins = sorted(self.origins_of[pair])
            sources = sorted({cited[o] for o in origins if isinstance(cited[o], str)})
            value, low, high = evaluated[k]
            rows.append(
                {
                    "step": k + 1,
                    "from": ids[pair[0]],
                    "to": ids[pair[1]],
                    "cost": self.cost[pair],
                    "exposure_after": value,
                    "exposure_low": low,
                    "exposure_high": high,
                    "arcs": ", ".join(f"access[{o}]" for o in origins),
                    "sources": ", ".join(sources) or None,
                }
            )
        columns = ["step", "from", "to", "cost", "exposure_after", "exposure_low", "exposure_high", "arcs", "sources"]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame
