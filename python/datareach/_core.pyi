"""Type stubs of the compiled core (cpp/bindings). Indices, not ids: the Python layer
translates. Arrays returned are NumPy views or arrays handed over without copying."""

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

# Every bound class has pybind11's metaclass (pybind11_builtins.pybind11_type, a subclass of
# type that has no stub); `metaclass=type` says the class has an explicit one.

class ModelData(metaclass=type):
    """The model as validated columnar tables (see datareach.lowering.lower)."""

    def __init__(self, tables: dict[str, Any]) -> None: ...
    @property
    def node_count(self) -> int: ...
    @property
    def class_count(self) -> int: ...
    @property
    def arc_count(self) -> int: ...

def arc_keys(
    node_key: npt.NDArray[np.uint64], arc_from: npt.NDArray[np.int32], arc_to: npt.NDArray[np.int32]
) -> npt.NDArray[np.uint64]:
    """Stable keys of access arcs from the keys of their two nodes (ModelData::arc_key)."""

class CompiledGraph(metaclass=type):
    """The model as of one date (days since 1970-01-01; None ignores windows), as a CSR graph."""

    def __init__(self, model: ModelData, at: int | None = None) -> None: ...
    @property
    def node_count(self) -> int: ...
    @property
    def arc_count(self) -> int: ...
    @property
    def class_count(self) -> int: ...
    @property
    def at(self) -> int | None: ...
    def arc_origin(self, arc: int) -> int: ...
    def presence_share(self, atomic_class: int, store: int) -> float: ...
    @property
    def presence_offsets(self) -> npt.NDArray[np.int64]: ...
    @property
    def presence_stores(self) -> npt.NDArray[np.int32]: ...
    @property
    def presence_shares(self) -> npt.NDArray[np.float64]: ...

class ExposureTable(metaclass=type):
    """Scores of one run; matrices are adversaries x classes, read-only views."""

    # Made by the engines only: calling the class raises TypeError (no constructor is bound).
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @property
    def adversaries(self) -> npt.NDArray[np.int32]: ...
    @property
    def probability(self) -> npt.NDArray[np.float64]: ...
    @property
    def ci_low(self) -> npt.NDArray[np.float64]: ...
    @property
    def ci_high(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_share(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_share_ci_low(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_share_ci_high(self) -> npt.NDArray[np.float64]: ...
    @property
    def by_store(self) -> dict[str, npt.NDArray[Any]]: ...
    @property
    def by_region(self) -> dict[str, npt.NDArray[Any]]: ...
    @property
    def method(self) -> str: ...
    @property
    def samples(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def max_half_width(self) -> float: ...

class ComparisonTable(metaclass=type):
    """A paired Monte Carlo comparison of a base (graph 0) with variants on the same worlds.
    Arrays are read-only (variants, adversaries, classes) views; differences are variant minus
    base, with Tango's score interval (probability) and a normal interval from the per-world
    differences (expected share); exactly 0 where ``identical``."""

    # Made by the engines only: calling the class raises TypeError (no constructor is bound).
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @property
    def tables(self) -> list[ExposureTable]: ...
    @property
    def probability_difference(self) -> npt.NDArray[np.float64]: ...
    @property
    def probability_difference_ci_low(self) -> npt.NDArray[np.float64]: ...
    @property
    def probability_difference_ci_high(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_share_difference(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_share_difference_ci_low(self) -> npt.NDArray[np.float64]: ...
    @property
    def expected_share_difference_ci_high(self) -> npt.NDArray[np.float64]: ...
    @property
    def base_only(self) -> npt.NDArray[np.uint64]: ...
    @property
    def variant_only(self) -> npt.NDArray[np.uint64]: ...
    @property
    def identical(self) -> npt.NDArray[np.bool_]: ...
    @property
    def samples(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def max_half_width(self) -> float: ...

_ProgressCallback: TypeAlias = Callable[[int, int], bool | None]

def reach(graph: CompiledGraph, adversaries: Sequence[int]) -> dict[str, npt.NDArray[Any]]: ...
def most_likely_path(
    graph: CompiledGraph, adversary: int, atomic_class: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.int64], float] | None: ...
def most_likely_paths(
    graph: CompiledGraph, adversary: int, atomic_class: int, k: int, max_partial_paths: int = ...
) -> list[tuple[npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.int64], float]]: ...
def chokepoints(graph: CompiledGraph, adversary: int, atomic_class: int) -> dict[str, Any]: ...
def cheapest_cut(
    graph: CompiledGraph, adversary: int, atomic_class: int, access_cost: Sequence[float] | npt.NDArray[np.float64]
) -> dict[str, Any]: ...
def exact_importance(
    graph: CompiledGraph,
    adversary: int,
    atomic_class: int,
    max_variables: int = 128,
    max_steps: int = 20_000_000,
    progress: _ProgressCallback | None = None,
) -> dict[str, Any]: ...
def monte_carlo_importance(
    graph: CompiledGraph,
    adversary: int,
    atomic_class: int,
    samples: int,
    seed: int,
    tolerance: float = 0.0,
    threads: int = 0,
    confidence: float = 0.95,
    progress: _ProgressCallback | None = None,
) -> dict[str, Any]: ...
def relevant_arcs(graph: CompiledGraph, adversary: int, atomic_class: int) -> dict[str, Any]: ...
def exact_removal_exposures(
    graph: CompiledGraph,
    adversary: int,
    atomic_class: int,
    removals: Sequence[Sequence[int]],
    max_variables: int = 128,
    max_steps: int = 20_000_000,
    progress: _ProgressCallback | None = None,
) -> dict[str, Any]: ...
def monte_carlo_removal_exposures(
    graph: CompiledGraph,
    adversary: int,
    atomic_class: int,
    removals: Sequence[Sequence[int]],
    samples: int,
    seed: int,
    threads: int = 0,
    confidence: float = 0.95,
    progress: _ProgressCallback | None = None,
) -> dict[str, Any]: ...
def exact_complexity(
    graph: CompiledGraph, adversaries: Sequence[int], cap: int | None = None, max_frontier_width: int = 16
) -> dict[str, Any]: ...
def exact_exposure(
    graph: CompiledGraph,
    adversaries: Sequence[int],
    max_variables: int = 128,
    max_steps: int = 20_000_000,
    places: bool = True,
    progress: _ProgressCallback | None = None,
    max_frontier_width: int = 16,
) -> ExposureTable: ...
def monte_carlo_exposure(
    graph: CompiledGraph,
    adversaries: Sequence[int],
    samples: int,
    seed: int,
    tolerance: float = 0.0,
    threads: int = 0,
    confidence: float = 0.95,
    places: bool = True,
    progress: _ProgressCallback | None = None,
) -> ExposureTable: ...
def monte_carlo_compare(
    graphs: Sequence[CompiledGraph],
    adversaries: Sequence[Sequence[int]],
    samples: int,
    seed: int,
    tolerance: float = 0.0,
    threads: int = 0,
    confidence: float = 0.95,
    places: bool = False,
    progress: _ProgressCallback | None = None,
) -> ComparisonTable: ...

class ExposureSampler(metaclass=type):
    """Monte Carlo exposure of one graph, world range by world range: count() the quanta
    (512 worlds) of a range anywhere, add() the counts, table() them: monte_carlo_exposure's
    table with the same arguments, for any split into ranges."""

    def __init__(
        self,
        graph: CompiledGraph,
        adversaries: Sequence[int],
        samples: int,
        seed: int,
        tolerance: float = 0.0,
        threads: int = 0,
        confidence: float = 0.95,
        places: bool = True,
    ) -> None: ...
    @property
    def quanta(self) -> int: ...
    @property
    def checkpoints(self) -> list[int]: ...
    @property
    def counts_size(self) -> int: ...
    def count(self, first: int, last: int) -> npt.NDArray[np.uint64]: ...
    def add(self, total: npt.NDArray[np.uint64], part: npt.NDArray[np.uint64]) -> None: ...
    def max_half_width(self, counts: npt.NDArray[np.uint64]) -> float: ...
    def converged(self, counts: npt.NDArray[np.uint64]) -> bool: ...
    def table(self, counts: npt.NDArray[np.uint64]) -> ExposureTable: ...

class ComparisonSampler(metaclass=type):
    """The paired comparison of graphs[0] with the other graphs, world range by world range;
    table() gives monte_carlo_compare's ComparisonTable."""

    def __init__(
        self,
        graphs: Sequence[CompiledGraph],
        adversaries: Sequence[Sequence[int]],
        samples: int,
        seed: int,
        tolerance: float = 0.0,
        threads: int = 0,
        confidence: float = 0.95,
        places: bool = False,
    ) -> None: ...
    @property
    def quanta(self) -> int: ...
    @property
    def checkpoints(self) -> list[int]: ...
    @property
    def counts_size(self) -> int: ...
    def count(self, first: int, last: int) -> npt.NDArray[np.uint64]: ...
    def add(self, total: npt.NDArray[np.uint64], part: npt.NDArray[np.uint64]) -> None: ...
    def max_half_width(self, counts: npt.NDArray[np.uint64]) -> float: ...
    def converged(self, counts: npt.NDArray[np.uint64]) -> bool: ...
    def table(self, counts: npt.NDArray[np.uint64]) -> ComparisonTable: ...
