"""What each chart reads of the result it draws, as protocols: the charts depend on the
shape of a result, not on the analysis modules (which import the charts lazily, in their
``plot`` methods, so a chart importing them back would be an import cycle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..results import Provenance

__all__ = [
    "ComparisonShape",
    "ExposureShape",
    "ImportanceShape",
    "ReductionShape",
    "Sweepable",
    "TimelineShape",
    "TornadoShape",
    "UncertaintyShape",
]


class _Charted(Protocol):
    """Every result: its main table, how it was computed and the model's name."""

    name: str | None
    provenance: Provenance

    @property
    def table(self) -> pd.DataFrame: ...


class ExposureShape(_Charted, Protocol):
    """``analysis.exposure.Result``."""

    classes: list[str]
    adversaries: list[str]

    @property
    def by_store(self) -> pd.DataFrame: ...

    @property
    def by_region(self) -> pd.DataFrame: ...


class ComparisonShape(_Charted, Protocol):
    """``analysis.comparison.Comparison``: ``base`` is the base's exposure result."""

    names: list[str]

    @property
    def base(self) -> ExposureShape: ...


class TimelineShape(_Charted, Protocol):
    """``analysis.timeline.Timeline``."""

    change_dates: tuple[str, ...]


class Sweepable(_Charted, Protocol):
    """``analysis.sweep.Sweep``."""


class _OneRequest(_Charted, Protocol):
    """An explanation of one class to one adversary."""

    adversary: str
    data_class: str


class ImportanceShape(_OneRequest, Protocol):
    """``analysis.importance.Importance``."""

    exposure: float


class TornadoShape(_OneRequest, Protocol):
    """``analysis.tornado.Tornado``."""

    base: float


class UncertaintyShape(_OneRequest, Protocol):
    """``analysis.uncertainty.Uncertainty``."""

    base: float

    @property
    def exposure(self) -> np.ndarray: ...

    @property
    def variables(self) -> pd.DataFrame: ...


class ReductionShape(_Charted, Protocol):
    """``analysis.reduction.Reduction``."""

    adversary: str | None
    data_class: str | None
    base_exposure: float
    target: float
    cost: float

    @property
    def met(self) -> bool: ...
