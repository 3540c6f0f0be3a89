"""Exposure scores (DESIGN 2.4-2.5): ``analyze`` runs the exact or the Monte Carlo engine and
returns a ``Result`` of pandas tables."""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .model.lowering import adversary_indices, compile_model
from .errors import ModelError

if TYPE_CHECKING:
    from .model import Model

__all__ = ["analyze", "Result", "METHODS"]

METHODS = ("auto", "exact", "monte_carlo")
# "auto" runs the exact engine when no factoring run conditions on more than this many random
# variables (after pruning): the 5 x 5 grid of shared-event links (40) takes milliseconds.
AUTO_EXACT_VARIABLES = 40
# method="exact" refuses runs beyond this many variables, or beyond this many factoring
# steps (an 8 x 8 grid, 112 variables, takes 230k steps and about a second); the error
# gives the size.
EXACT_VARIABLE_LIMIT = 128
EXACT_STEP_LIMIT = 20_000_000
RESULT_PICKLE_VERSION = 1

ProgressCallback = Callable[[int, int], Any]


@contextlib.contextmanager
def engine_progress(progress: bool | ProgressCallback | None) -> Iterator[ProgressCallback | None]:
    """The progress callable to hand an engine for ``progress=`` (None, a callable, or True
    for a tqdm bar that is closed when the run ends, however it ends)."""
    if progress is None or progress is False:
        yield None
        return
    if callable(progress):
        yield progress
        return
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=0, unit="world", unit_scale=True, dynamic_ncols=True)

        def update(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            yield update
        finally:
            bar.close()
        return
    raise ModelError(f"expected True, False, None or a callable, got {progress!r}", where="progress")


def resolve_method(method: str, problems: list[tuple[Any, list[int]]]) -> str:
    """"exact" or "monte_carlo" for a request; "auto" is exact when every (graph,
    adversaries) problem is small. Counting stops early on huge models (the cap)."""
    from . import _core

    if method != "auto":
        return method
    for graph, rows in problems:
        size = _core.exact_complexity(graph, rows, cap=AUTO_EXACT_VARIABLES)
        if any(size["capped"]) or max(size["max_run_variables"], default=0) > AUTO_EXACT_VARIABLES:
            return "monte_carlo"
    return "exact"


def exact_table(graph: Any, rows: list[int], *, places: bool = True, progress: ProgressCallback | None = None) -> Any:
    from . import _core

    return _core.exact_exposure(
        graph, rows, max_variables=EXACT_VARIABLE_LIMIT, max_steps=EXACT_STEP_LIMIT, places=places, progress=progress
    )


def fresh_seed() -> int:
    """A seed from the operating system's entropy; results record it, so runs can be repeated."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ModelError(f"expected an integer >= {minimum}, got {value!r}", where=name)
    return int(value)


def analyze(
    model: Model,
    adversaries: str | Iterable[str] | None = None,
    *,
    method: str = "auto",
    samples: int = 100_000,
    tolerance: float | None = None,
    seed: int | None = None,
    at: Any = None,
    threads: int | None = None,
    progress: bool | ProgressCallback | None = None,
    places: bool = True,
) -> Result:
    """Exposure of every class to every adversary.

    ``method``: "exact" (no sampling; ModelError with the size if the model is too large),
    "monte_carlo" (bit-parallel sampling with Wilson intervals), or "auto" (exact when cheap).
    ``samples`` caps the worlds drawn; ``tolerance`` stops earlier once every probability
    interval's half-width is below it. The same ``seed`` gives the same numbers for any
    ``threads``. ``at`` analyses the model as of a date. ``progress``: True for a progress
    bar, or a callable ``(done, total)``. ``places`` adds the per-store and per-region tables.
    """
    from . import _core

    if method not in METHODS:
        raise ModelError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}", where="method")
    samples = _check_int(samples, "samples", 1)
    threads = 0 if threads is None else _check_int(threads, "threads", 1)
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance > 0):
        raise ModelError(f"expected a number > 0, got {tolerance!r}", where="tolerance")
    seed = fresh_seed() if seed is None else _check_int(seed, "seed", 0)

    ids, rows = adversary_indices(model, adversaries)
    graph = compile_model(model, at)
    method = resolve_method(method, [(graph, rows)])

    started = time.perf_counter()
    with engine_progress(progress) as callback:
        if method == "exact":
            table = exact_table(graph, rows, places=places, progress=callback)
        else:
            table = _core.monte_carlo_exposure(
                graph, rows, samples=samples, seed=seed, tolerance=tolerance or 0.0,
                threads=threads, places=places, progress=callback,
            )
    elapsed = time.perf_counter() - started
    return Result(model, ids, table, at=at, elapsed=elapsed, threads=threads)


SCORES = ("probability", "ci_low", "ci_high", "expected_share", "expected_share_ci_low", "expected_share_ci_high")


class Result:
    """Exposure scores of one analysis, with how they were computed.

    ``exposure``: one row per (adversary, class); ``by_store`` and ``by_region``: the
    probability that a store (any store of a region) holding the class is reached;
    ``total_risk``: risk summed over classes per adversary; ``matrix(score)``: an
    adversaries x classes NumPy view of a score without copying. A Result pickles compactly
    (arrays and tables, not the model) with a format version.
    """

    __slots__ = ("adversaries", "classes", "method", "samples", "seed", "at", "elapsed", "threads", "name",
                 "_scores", "_records", "_sensitivity", "_by_store", "_by_region")

    def __init__(self, model: Model, adversaries: list[str], table: Any, *, at: Any, elapsed: float, threads: int):
        self.adversaries = list(adversaries)
        self.classes = list(model.class_ids)
        self.method = table.method
        self.samples = int(table.samples)
        self.seed = int(table.seed) if table.method == "monte_carlo" else None
        self.at = None if at is None else str(at)
        self.elapsed = elapsed
        self.threads = threads
        self.name = model.name
        # Read-only views into the core's table (each keeps it alive): no copy.
        self._scores = {score: getattr(table, score) for score in SCORES}
        classes = model.classes
        self._records = classes["records"].to_numpy(dtype=float)
        self._sensitivity = classes["sensitivity"].to_numpy(dtype=float)
        node_ids = np.asarray(model.node_ids, dtype=object)
        regions = model.nodes["region"].to_numpy(dtype=object)
        self._by_store = self._places(table.by_store, "store", node_ids, extra={"region": regions})
        self._by_region = self._places(table.by_region, "region", np.asarray(model.region_names, dtype=object))

    def _places(self, columns: dict, place: str, labels: np.ndarray, extra: dict | None = None) -> pd.DataFrame:
        index = np.asarray(columns[place])
        frame = {
            "adversary": np.asarray(self.adversaries, dtype=object)[np.asarray(columns["adversary_row"])],
            "class": np.asarray(self.classes, dtype=object)[np.asarray(columns["class"])],
            place: labels[index],
        }
        for name, values in (extra or {}).items():
            frame[name] = values[index]
        frame["probability"] = np.asarray(columns["probability"])
        frame["ci_low"] = np.asarray(columns["ci_low"])
        frame["ci_high"] = np.asarray(columns["ci_high"])
        return pd.DataFrame(frame)

    def __getstate__(self) -> dict[str, Any]:
        state = {slot: getattr(self, slot) for slot in self.__slots__ if slot != "_scores"}
        state["_scores"] = {score: np.array(values) for score, values in self._scores.items()}
        return {"version": RESULT_PICKLE_VERSION, "state": state}

    def __setstate__(self, pickled: dict[str, Any]) -> None:
        version = pickled.get("version") if isinstance(pickled, dict) else None
        if version != RESULT_PICKLE_VERSION:
            raise ModelError(
                f"cannot read a Result pickled with format version {version!r}; this datareach reads "
                f"version {RESULT_PICKLE_VERSION}"
            )
        for slot, value in pickled["state"].items():
            setattr(self, slot, value)
        for values in self._scores.values():
            values.flags.writeable = False

    def matrix(self, score: str = "probability") -> np.ndarray:
        """An adversaries x classes read-only view of a score: probability, ci_low, ci_high,
        expected_share (and its ci bounds), or the derived expected_records and risk."""
        if score in self._scores:
            return self._scores[score]
        if score == "expected_records":
            return self._scores["expected_share"] * self._records
        if score == "risk":
            return self._scores["expected_share"] * self._records * self._sensitivity
        raise ModelError(f"unknown score {score!r}; expected one of {', '.join(SCORES)}, expected_records, risk", where="score")

    @property
    def exposure(self) -> pd.DataFrame:
        n_adv, n_cls = len(self.adversaries), len(self.classes)
        expected_records = self.matrix("expected_records")
        return pd.DataFrame(
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

    @property
    def by_store(self) -> pd.DataFrame:
        return self._by_store

    @property
    def by_region(self) -> pd.DataFrame:
        return self._by_region

    @property
    def total_risk(self) -> pd.Series:
        risk = self.matrix("risk").sum(axis=1)
        return pd.Series(risk, index=pd.Index(self.adversaries, name="adversary"), name="total_risk")

    def _describe(self) -> str:
        how = "exact" if self.method == "exact" else f"Monte Carlo, {self.samples:,} worlds, seed {self.seed}"
        when = f" as of {self.at}" if self.at else ""
        return f"{how}{when}, {self.elapsed:.3g} s"

    def __repr__(self) -> str:
        return f"<Result {len(self.adversaries)} adversaries x {len(self.classes)} classes ({self._describe()})>"

    def _repr_html_(self) -> str:
        table = self.exposure.to_html(index=False, float_format=lambda x: f"{x:.4g}")
        title = html.escape(self.name or "datareach exposure")
        return f"<div><p><b>{title}</b> ({html.escape(self._describe())})</p>{table}</div>"
