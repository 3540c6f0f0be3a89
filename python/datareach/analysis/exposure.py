"""Exposure scores (docs/design.md §2.4-2.5): ``analyze`` runs the exact or the Monte Carlo
engine and returns a ``Result`` whose ``.table`` is the exposure of every class to every
adversary, with per-store, per-region and total-risk tables beside it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import ModelError
from ..model.lowering import compile_model
from ..options import AnalysisOptions, OptionOverrides, Unpack, shown
from ..results import AnalysisResult, Provenance, warn_if_not_converged
from ._distributed import Spread, spread_of
from ._engines import EngineRun, converged, run_exposure
from ._requests import requested_adversaries, require_model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .. import _core
    from ..model import Model

__all__ = ["SCORES", "Result", "analyze"]

# The scores the engines return, as adversaries x classes arrays.
SCORES = ("probability", "ci_low", "ci_high", "expected_share", "expected_share_ci_low", "expected_share_ci_high")


def analyze(
    model: Model,
    adversaries: str | Iterable[str] | None = None,
    options: AnalysisOptions | None = None,
    *,
    executor: Any = None,
    tasks: int | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Result:
    """Exposure of every class to every adversary (default: the model's adversaries; an
    adversary listed twice is an error).

    ``options`` (an ``AnalysisOptions``) and keyword overrides of its fields say how: the
    method, the sampling budget (``samples``, or ``tolerance`` up to ``max_samples``), the
    seed, threads, progress and the date ``at``. The same seed gives the same numbers for any
    thread count. A run that reaches ``max_samples`` short of its tolerance warns with
    ``ToleranceNotMet`` and records ``converged=False`` in its provenance.

    ``executor`` (a Dask ``distributed.Client`` or any ``concurrent.futures.Executor``)
    spreads the worlds of a Monte Carlo run over its workers in ``tasks`` tasks (default: its
    worker count; with a tolerance, per checkpoint segment), ``threads`` per task (default 1):
    the same numbers as a serial run with the same seed, for any executor and any ``tasks``.
    The exact method runs here, without the executor (``provenance.executor`` is then None).
    """
    spread = spread_of(executor, tasks)
    settings = AnalysisOptions.resolve(options, **overrides)
    result = exposure_of(require_model(model, "model"), adversaries, settings, spread=spread)
    warn_if_not_converged(result)
    return result


def exposure_of(
    model: Model,
    adversaries: str | Iterable[str] | None,
    options: AnalysisOptions,
    *,
    places: bool = True,
    spread: Spread | None = None,
) -> Result:
    """``analyze`` with resolved options; ``places=False`` skips the per-store and per-region
    tables (a timeline does not show them); ``spread``: the executor to sample on."""
    options = options.seeded()
    ids, rows = requested_adversaries(model, adversaries)
    graph = compile_model(model, options.at)
    table, run = run_exposure(graph, ids, rows, options, places=places, spread=spread, model=model)
    met = converged(run.method, options.tolerance, table.ci_low, table.ci_high)
    return Result(model, ids, table, provenance_of("analyze", run, options, met))


def provenance_of(analysis: str, run: EngineRun, options: AnalysisOptions, met: bool | None) -> Provenance:
    """The provenance of an engine run made with ``options``; ``met``: whether its numbers
    meet the tolerance (see ``Provenance.converged``). A run spread over an executor records
    its kind and the threads of each task."""
    spread = {} if run.executor is None else {"executor": run.executor, "threads": run.threads}
    return Provenance.of_options(
        options,
        analysis=analysis,
        method=run.method,
        worlds=run.worlds,
        seed=run.seed,
        elapsed=run.elapsed,
        converged=met,
        **spread,
    )


class Result(AnalysisResult):
    """Exposure scores of one analysis, with how they were computed (``provenance``).

    ``table`` (alias ``exposure``): one row per (adversary, class); ``by_store`` and
    ``by_region``: the probability that a store (any store of a region) holding the class is
    reached; ``total_risk``: risk summed over classes per adversary; ``matrix(score)``: an
    adversaries x classes NumPy view of a score without copying. A Result pickles compactly
    (arrays and tables, not the model) with a format version.
    """

    analysis: ClassVar[str] = "analyze"
    extra_tables = ("by_store", "by_region", "total_risk")
    # 2: the state of an AnalysisResult (table and provenance); version 1 held slots and no
    # provenance, and cannot be read into this layout.
    PICKLE_VERSION = 2

    def __init__(
        self, model: Model, adversaries: list[str], table: _core.ExposureTable, provenance: Provenance
    ) -> None:
        self.adversaries = list(adversaries)
        self.classes = list(model.class_ids)
        # Read-only views into the core's table (each keeps it alive): no copy.
        self._scores: dict[str, npt.NDArray[np.float64]] = {score: getattr(table, score) for score in SCORES}
        self._records: npt.NDArray[np.float64] = np.asarray(model._column("classes", "records"), dtype=float)
        self._sensitivity: npt.NDArray[np.float64] = np.asarray(model._column("classes", "sensitivity"), dtype=float)
        node_ids = model._id_array("nodes")
        regions = model._column("nodes", "region")
        # The tables are made when first asked for: making DataFrames costs more than a
        # Monte Carlo run of a few thousand worlds on a large model, and a loop of runs
        # (a sweep, a timeline, a benchmark) often reads the scores only. Their columns are
        # taken now, so that the result holds none of the model's arrays.
        self._columns: dict[str, dict[str, npt.NDArray[Any]]] = {
            "by_store": self._places(table.by_store, "store", node_ids, extra={"region": regions}),
            "by_region": self._places(table.by_region, "region", np.asarray(model.region_names, dtype=object)),
        }
        self._by_store: pd.DataFrame | None = None
        self._by_region: pd.DataFrame | None = None
        super().__init__(None, provenance, model=model.name)

    def _places(
        self,
        columns: dict[str, Any],
        place: str,
        labels: npt.NDArray[Any],
        extra: dict[str, npt.NDArray[Any]] | None = None,
    ) -> dict[str, npt.NDArray[Any]]:
        index = np.asarray(columns[place])
        frame = {
            "adversary": np.asarray(self.adversaries, dtype=object)[np.asarray(columns["adversary_row"])],
            "class": np.asarray(self.classes, dtype=object)[np.asarray(columns["class"])],
            place: labels[index],
        }
        for name, values in (extra or {}).items():
            frame[name] = values[index]
        for score in ("probability", "ci_low", "ci_high"):
            frame[score] = np.asarray(columns[score])
        return frame

    def _make_table(self) -> pd.DataFrame:
        n_adv, n_cls = len(self.adversaries), len(self.classes)
        expected_records = self.matrix("expected_records")
        table: pd.DataFrame = pd.DataFrame(
            {
                "adversary": np.repeat(np.asarray(self.adversaries, dtype=object), n_cls),
                "class": np.tile(np.asarray(self.classes, dtype=object), n_adv),
                "probability": self._scores["probability"].ravel(),
                "ci_low": self._scores["ci_low"].ravel(),
                "ci_high": self._scores["ci_high"].ravel(),
                "expected_share": self._scores["expected_share"].ravel(),
                "expected_records": expected_records.ravel(),
                "risk": (expected_records * self._sensitivity).ravel(),
            }
        )
        return table

    def __getstate__(self) -> dict[str, Any]:
        pickled = super().__getstate__()
        pickled["state"].pop("_columns", None)  # emptied: every table is made
        # The engine's arrays are views into a C++ table: pickle copies of them.
        pickled["state"]["_scores"] = {score: np.array(values) for score, values in self._scores.items()}
        return pickled

    def __setstate__(self, pickled: dict[str, Any]) -> None:
        super().__setstate__(pickled)
        for values in self._scores.values():
            values.flags.writeable = False

    def matrix(self, score: str = "probability") -> npt.NDArray[np.float64]:
        """An adversaries x classes read-only view of a score: probability, ci_low, ci_high,
        expected_share (and its ci bounds), or the derived expected_records and risk."""
        if score in self._scores:
            return self._scores[score]
        if score == "expected_records":
            return self._scores["expected_share"] * self._records
        if score == "risk":
            return self._scores["expected_share"] * self._records * self._sensitivity
        raise ModelError(
            f"unknown score {shown(score)}; expected one of {', '.join(SCORES)}, expected_records, risk", where="score"
        )

    @property
    def exposure(self) -> pd.DataFrame:
        """The exposure table (the same as ``table``)."""
        return self.table

    @property
    def by_store(self) -> pd.DataFrame:
        if self._by_store is None:
            self._by_store = pd.DataFrame(self._columns.pop("by_store"))
        return self._by_store

    @property
    def by_region(self) -> pd.DataFrame:
        if self._by_region is None:
            self._by_region = pd.DataFrame(self._columns.pop("by_region"))
        return self._by_region

    @property
    def total_risk(self) -> pd.DataFrame:
        """One row per adversary: ``adversary``, ``total_risk`` (risk summed over classes)."""
        result: pd.DataFrame = pd.DataFrame(
            {"adversary": self.adversaries, "total_risk": self.matrix("risk").sum(axis=1)}
        )
        return result

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: str = "class",
        classes: str | Iterable[str] | None = None,
        adversaries: str | Iterable[str] | None = None,
        top: int | None = 25,
    ) -> Axes:
        """A bar chart of the exposure probability, in percent, with the 95 % intervals of
        Monte Carlo as whiskers (docs/design.md §5b); returns the matplotlib Axes.

        ``kind``: "class" (one bar per class, a group per adversary when there are several),
        "store" or "region" (``by_store`` / ``by_region``: one group per store or region,
        a bar per class). ``classes`` and ``adversaries`` narrow what is drawn; ``top``
        caps the groups at the ``top`` with the highest probability (None: all), and the
        title says so. Draws on ``ax`` when given, else on a new figure; needs matplotlib
        (``pip install 'datareach[plot]'``)."""
        from ..plot.exposure import plot_result

        return plot_result(self, ax, kind=kind, classes=classes, adversaries=adversaries, top=top)

    def __repr__(self) -> str:
        return (
            f"<Result {len(self.adversaries)} adversaries x {len(self.classes)} classes ({self.provenance.describe()})>"
        )
