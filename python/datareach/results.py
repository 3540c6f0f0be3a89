"""The result vocabulary shared by every analysis (docs/design.md §4): ``Provenance`` (how a
result was computed) and ``AnalysisResult`` (a main ``.table``, optional named extra tables,
one JSON-ready ``to_dict`` shape used by the command line's ``--json`` for every command)."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import html
import math
import warnings
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

from .errors import ModelError
from .options import AnalysisOptions, with_article

__all__ = [
    "AnalysisResult",
    "Provenance",
    "ToleranceNotMet",
    "common_value",
    "library_version",
    "warn_if_not_converged",
]

T = TypeVar("T")


@functools.cache
def library_version() -> str:
    """``datareach.__version__``, read from the installed metadata (importing the package root
    here would be an import cycle). Read once: every result records it, and reading the
    metadata scans the installed distributions (~0.6 ms, a tenth of a short run)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("datareach")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


@dataclasses.dataclass(frozen=True)
class Provenance:
    """How a result was computed: enough to repeat the run.

    ``worlds`` is the number of worlds drawn (None for an exact or deterministic analysis);
    ``seed`` is None when no sampling happened; ``at`` the date analysed (YYYY-MM-DD) or None;
    ``created`` the UTC time the run finished (ISO 8601). ``max_samples`` is the cap of a
    run with a ``tolerance``; ``converged`` says whether the numbers meet the tolerance:
    True for exact numbers, True or False for Monte Carlo with a tolerance (False: the cap
    was reached first), None for Monte Carlo without one and for deterministic analyses.
    ``executor`` names what a Monte Carlo run was spread over (``"dask"`` or the executor's
    class name, ``threads`` then per task), None for a run in this process."""

    analysis: str
    method: str
    worlds: int | None = None
    seed: int | None = None
    at: str | None = None
    elapsed: float = 0.0
    threads: int | None = None
    tolerance: float | None = None
    max_samples: int | None = None
    converged: bool | None = None
    executor: str | None = None
    version: str = dataclasses.field(default_factory=library_version)
    created: str = dataclasses.field(
        default_factory=lambda: datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    )

    @classmethod
    def of_options(cls, options: AnalysisOptions, **fields: Any) -> Provenance:
        """The provenance of a run made with ``options``: the date, threads, tolerance and
        cap from them (unless ``fields`` give them), the rest from ``fields``."""
        taken = {
            "at": options.at_iso,
            "threads": options.threads,
            "tolerance": options.tolerance,
            "max_samples": options.tolerance_cap,
        }
        return cls(**{**taken, **fields})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """One line: "exact" or "Monte Carlo, N worlds, seed S", the date and the time taken."""
        if self.method == "monte_carlo":
            how = "Monte Carlo"
            if self.worlds is not None:
                how += f", {self.worlds:,} worlds"
            if self.seed is not None:
                how += f", seed {self.seed}"
            if self.tolerance is not None and self.converged is not None:
                how += f", tolerance {self.tolerance:g} " + ("met" if self.converged else "NOT met")
        else:
            how = self.method.replace("_", " ")
        when = f", as of {self.at}" if self.at else ""
        return f"{how}{when}, {self.elapsed:.3g} s"


class ToleranceNotMet(UserWarning):
    """Monte Carlo stopped at ``max_samples`` before every interval was within the tolerance;
    the result's ``provenance.converged`` is False."""


def warn_if_not_converged(result: AnalysisResult) -> None:
    """Warn with ``ToleranceNotMet`` when a run stopped at its cap short of its tolerance.
    Called by the public analyses only, so an analysis made of others warns once."""
    provenance = result.provenance
    if provenance.converged is False:
        warnings.warn(
            f"{provenance.analysis}: tolerance {provenance.tolerance:g} not met after {provenance.worlds or 0:,} "
            f"worlds (max_samples {provenance.max_samples or 0:,}); raise max_samples or the tolerance",
            ToleranceNotMet,
            stacklevel=3,
        )


def common_value(values: Iterable[T], otherwise: T) -> T:
    """The value every step of a stepped analysis (timeline, sweep) shared, for its
    provenance, or ``otherwise`` when they differ."""
    distinct = set(values)
    return next(iter(distinct)) if len(distinct) == 1 else otherwise


def _json_value(value: Any) -> Any:
    """A table cell as JSON: floats exact (Python's shortest round-trip form), NaN and
    infinities as null, NumPy scalars as Python ones, timestamps and dates in ISO 8601."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, datetime.datetime, datetime.date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    return value


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    # Not pandas' JSON writer: it rounds floats to 10 significant digits.
    columns = [str(c) for c in table.columns]
    return [
        {name: _json_value(value) for name, value in zip(columns, row)}
        for row in table.itertuples(index=False, name=None)
    ]


class AnalysisResult:
    """Base of every analysis result: ``.table`` (a DataFrame), ``.provenance`` and the model's
    ``name``. Subclasses add named tables (``extra_tables``) and their own accessors.

    Printing a result prints its table; in a notebook it shows as an HTML table under a line
    of provenance. Results pickle with a format version."""

    analysis: ClassVar[str] = "analysis"
    # Names of extra tables (properties returning DataFrames) included in ``to_dict``.
    extra_tables: ClassVar[tuple[str, ...]] = ()
    PICKLE_VERSION: ClassVar[int] = 1

    def __init__(self, table: pd.DataFrame | None, provenance: Provenance, *, model: str | None = None) -> None:
        # None: the subclass makes the table when it is first asked for (_make_table).
        self._table = table
        self.provenance = provenance
        self.name = model

    @property
    def table(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._make_table()
        return self._table

    def _make_table(self) -> pd.DataFrame:
        raise NotImplementedError(f"{type(self).__name__} was given no table")

    # The provenance fields people reach for most, without the detour.
    @property
    def method(self) -> str:
        return self.provenance.method

    @property
    def worlds(self) -> int | None:
        return self.provenance.worlds

    @property
    def seed(self) -> int | None:
        return self.provenance.seed

    @property
    def at(self) -> str | None:
        return self.provenance.at

    @property
    def elapsed(self) -> float:
        return self.provenance.elapsed

    def tables(self) -> dict[str, pd.DataFrame]:
        """The main table (as "table") and every extra table, by name."""
        named = {"table": self.table}
        for name in self.extra_tables:
            named[name] = getattr(self, name)
        return named

    def to_dict(self) -> dict[str, Any]:
        """``{"analysis", "model", "provenance", "tables": {name: records}}``: JSON-ready."""
        return {
            "analysis": self.analysis,
            "model": self.name,
            "provenance": self.provenance.to_dict(),
            "tables": {name: _records(table) for name, table in self.tables().items()},
        }

    def _title(self) -> str:
        return f"{self.name or 'datareach'}: {self.analysis} ({self.provenance.describe()})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.analysis} of {self.name!r}: {len(self.table)} rows ({self.provenance.describe()})>"

    def __str__(self) -> str:
        return f"{self._title()}\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        table = self.table.to_html(index=False, float_format=lambda x: f"{x:.4g}")
        return f"<div><p><b>{html.escape(self._title())}</b></p>{table}</div>"

    def __getstate__(self) -> dict[str, Any]:
        self.tables()  # the tables made on first use are pickled as made
        return {"version": self.PICKLE_VERSION, "state": dict(self.__dict__)}

    def __setstate__(self, pickled: dict[str, Any]) -> None:
        version = pickled.get("version") if isinstance(pickled, dict) else None
        if version != self.PICKLE_VERSION:
            raise ModelError(
                f"cannot read {with_article(type(self).__name__)} pickled with format version {version!r}; this datareach "
                f"reads version {self.PICKLE_VERSION}"
            )
        self.__dict__.update(pickled["state"])
