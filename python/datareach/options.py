"""The options every analysis takes (docs/design.md §4): one frozen, validated
``AnalysisOptions`` with the same defaults for ``analyze``, ``compare``, ``timeline``,
``sweep`` and the command line.

An analysis is called as ``analyze(model, adversaries, options=None, **overrides)``: the
keyword overrides (typed by ``OptionOverrides``) replace fields of ``options`` (or of the
defaults), so ``dr.analyze(m, at="2022-07-01", seed=1, method="exact")`` and
``dr.analyze(m, options=AnalysisOptions(seed=1))`` both work.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import numpy as np

from .errors import ModelError

if sys.version_info >= (3, 11):
    from typing import TypedDict, Unpack
else:  # pragma: no cover - exercised on Python 3.10 only
    from typing_extensions import TypedDict, Unpack

# Unpack is re-exported for the analyses' signatures (from typing_extensions before 3.11).
__all__ = ["METHODS", "AnalysisOptions", "DateLike", "Method", "OptionOverrides", "Progress", "ProgressCallback", "Unpack", "fresh_seed"]

Method = Literal["auto", "exact", "monte_carlo"]
METHODS: tuple[Method, ...] = ("auto", "exact", "monte_carlo")
# A callable progress receives (done, total); returning False stops the analysis (see
# ``AnalysisStopped``), None or True lets it go on.
ProgressCallback: TypeAlias = Callable[[int, int], "bool | None"]
Progress: TypeAlias = "bool | ProgressCallback"
DateLike: TypeAlias = "str | datetime.date | np.datetime64"


class OptionOverrides(TypedDict, total=False):
    """The keyword overrides every analysis accepts: the fields of ``AnalysisOptions``."""

    method: Method
    samples: int
    tolerance: float | None
    seed: int | None
    threads: int | None
    progress: Progress
    at: DateLike | None


def fresh_seed() -> int:
    """A seed from the operating system's entropy; provenance records it, so a run can be repeated."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])


def _integer(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ModelError(f"expected an integer >= {minimum}, got {value!r}", where=name)
    return int(value)


@dataclasses.dataclass(frozen=True)
class AnalysisOptions:
    """How an analysis runs; the same defaults everywhere (Python and the command line).

    ``method``: "exact" (no sampling; ModelError with the size if the model is too large),
    "monte_carlo" (bit-parallel sampling with Wilson intervals) or "auto" (exact when cheap).
    ``samples`` caps the worlds drawn; ``tolerance`` stops earlier once every probability
    interval (for comparisons: every difference) has a half-width below it. ``seed``: the
    same seed gives the same numbers for any ``threads`` (None: all cores); when None a fresh
    seed is drawn once per run and recorded in the result's provenance. ``progress``: True
    for a progress bar, or a callable ``(done, total)``; a callable returning False stops
    the run with ``AnalysisStopped``, in every engine. ``at`` analyses the model as of a date.
    """

    method: Method = "auto"
    samples: int = 100_000
    tolerance: float | None = None
    seed: int | None = None
    threads: int | None = None
    progress: Progress = False
    at: DateLike | None = None

    def __post_init__(self) -> None:
        # Validated once here, so every analysis (and the CLI) reports a bad option the same way.
        set_field = object.__setattr__
        if self.method not in METHODS:
            raise ModelError(f"unknown method {self.method!r}; expected one of {', '.join(METHODS)}", where="method")
        set_field(self, "samples", _integer(self.samples, "samples", 1))
        if self.tolerance is not None:
            tolerance = self.tolerance
            if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.floating, np.integer)) or not tolerance > 0:
                raise ModelError(f"expected a number > 0, got {tolerance!r}", where="tolerance")
            set_field(self, "tolerance", float(tolerance))
        if self.seed is not None:
            set_field(self, "seed", _integer(self.seed, "seed", 0))
        if self.threads is not None:
            set_field(self, "threads", _integer(self.threads, "threads", 1))
        if self.progress is None:
            set_field(self, "progress", False)
        elif not isinstance(self.progress, bool) and not callable(self.progress):
            raise ModelError(f"expected True, False, None or a callable, got {self.progress!r}", where="progress")
        if self.at is not None:
            from .dates import to_day

            to_day(self.at, where="at")

    @classmethod
    def resolve(cls, options: AnalysisOptions | None = None, **overrides: Unpack[OptionOverrides]) -> AnalysisOptions:
        """``options`` (default: the defaults) with the keyword ``overrides`` applied."""
        if options is None:
            return cls(**overrides)
        if not isinstance(options, AnalysisOptions):
            raise TypeError(f"options: expected AnalysisOptions or None, got {type(options).__name__}")
        return options.replace(**overrides) if overrides else options

    def replace(self, **overrides: Unpack[OptionOverrides]) -> AnalysisOptions:
        """A copy with some fields replaced (validated again)."""
        unknown = sorted(set(overrides) - {field.name for field in dataclasses.fields(self)})
        if unknown:
            raise TypeError(f"unknown analysis option(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **overrides)

    def seeded(self) -> AnalysisOptions:
        """These options with a seed: the given one, or a fresh one drawn now (and recorded)."""
        return self if self.seed is not None else dataclasses.replace(self, seed=fresh_seed())

    @property
    def at_iso(self) -> str | None:
        """``at`` as ``YYYY-MM-DD`` (for provenance), or None."""
        if self.at is None:
            return None
        from .dates import to_day, to_iso

        return to_iso(to_day(self.at, where="at"))
