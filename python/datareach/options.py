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
import math
import sys
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import numpy as np

from .errors import ModelError, describe, with_article

if sys.version_info >= (3, 11):
    from typing import TypedDict, Unpack
else:  # pragma: no cover - exercised on Python 3.10 only
    from typing_extensions import TypedDict, Unpack

# Unpack is re-exported for the analyses' signatures (from typing_extensions before 3.11).
__all__ = [
    "DEFAULT_MAX_SAMPLES",
    "METHODS",
    "AnalysisOptions",
    "DateLike",
    "EngineOverrides",
    "Method",
    "OptionOverrides",
    "Progress",
    "ProgressCallback",
    "Unpack",
    "fresh_seed",
    "shown",
    "with_article",
]

Method = Literal["auto", "exact", "monte_carlo"]
METHODS: tuple[Method, ...] = ("auto", "exact", "monte_carlo")
# A callable progress receives (done, total); returning False stops the analysis (see
# ``AnalysisStopped``), None or True lets it go on.
ProgressCallback: TypeAlias = Callable[[int, int], "bool | None"]
Progress: TypeAlias = "bool | ProgressCallback"
DateLike: TypeAlias = "str | datetime.date | np.datetime64"


class EngineOverrides(TypedDict, total=False):
    """The keyword overrides of an analysis that takes the date as an argument of its own
    (``tornado``, ``uncertainty``): the fields of ``AnalysisOptions`` but ``at``."""

    method: Method
    samples: int
    max_samples: int
    tolerance: float | None
    seed: int | None
    threads: int | None
    progress: Progress


class OptionOverrides(EngineOverrides, total=False):
    """The keyword overrides every analysis accepts: the fields of ``AnalysisOptions``."""

    at: DateLike | None


def fresh_seed() -> int:
    """A seed from the operating system's entropy; provenance records it, so a run can be repeated."""
    return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])


# The ranges the engines can honour: the core counts worlds in 64-bit integers and refuses
# more than 2^62 of them, a seed is one unsigned 64-bit word (2^64 would wrap to 0), and the
# core starts at most 1024 threads. A value outside is refused here, naming the option,
# rather than wrapped, clipped or left to pybind11's conversion error.
MAX_SAMPLES = 2**62
MAX_SEED = 2**64 - 1
MAX_THREADS = 1024
# With a tolerance, sampling goes on until it is met or this many worlds are drawn.
DEFAULT_MAX_SAMPLES = 10_000_000
_SPELLED = {MAX_SAMPLES: "2^62", MAX_SEED: "2^64 - 1"}


def shown(value: Any) -> str:
    """A Python argument as an error message shows it: ``errors.describe`` (text quoted and
    cut, numbers and dates as a file writes them, collections by size, never a repr), except
    that None, True and False keep their Python spelling — the caller wrote Python, where a
    file value would read ``null`` / ``true``."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return repr(None if value is None else bool(value))
    return describe(value)


def _integer(value: Any, name: str, minimum: int, maximum: int) -> int:
    """An integer in ``[minimum, maximum]``, else a ModelError naming the option."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ModelError(f"expected an integer, got {shown(value)}", where=name)
    if not minimum <= value <= maximum:
        top = _SPELLED.get(maximum, f"{maximum:,}")
        raise ModelError(f"expected an integer from {minimum} to {top}, got {shown(value)}", where=name)
    return int(value)


@dataclasses.dataclass(frozen=True)
class AnalysisOptions:
    """How an analysis runs; the same defaults everywhere (Python and the command line).

    ``method``: "exact" (no sampling; ModelError with the size if the model is too large),
    "monte_carlo" (bit-parallel sampling with Wilson intervals) or "auto" (exact when cheap).

    The sampling budget: without a ``tolerance``, Monte Carlo draws ``samples`` worlds. With
    a ``tolerance``, ``samples`` is not the stop: sampling goes on until every class-level
    probability interval (for comparisons: every difference interval) has a half-width
    <= tolerance, or until ``max_samples`` worlds are drawn (default 10,000,000), whichever
    comes first. The result says which (``provenance.converged``); stopping at the cap also
    warns with ``ToleranceNotMet``. Counts are rounded up to whole blocks of 512 worlds.

    ``seed`` (0 to 2^64 - 1): the same seed gives the same numbers for any ``threads``
    (1 to 1024; None: all cores); when None a fresh seed is drawn once per run and recorded
    in the result's provenance. ``progress``: True
    for a progress bar, or a callable ``(done, total)``; a callable returning False stops
    the run with ``AnalysisStopped``, in every engine. ``at`` analyses the model as of a date.
    """

    method: Method = "auto"
    samples: int = 100_000
    max_samples: int = DEFAULT_MAX_SAMPLES
    tolerance: float | None = None
    seed: int | None = None
    threads: int | None = None
    progress: Progress = False
    at: DateLike | None = None

    def __post_init__(self) -> None:
        # Validated once here, so every analysis (and the CLI) reports a bad option the same way.
        set_field = object.__setattr__
        if not isinstance(self.method, str) or self.method not in METHODS:
            raise ModelError(
                f"unknown method {shown(self.method)}; expected one of {', '.join(METHODS)}", where="method"
            )
        set_field(self, "samples", _integer(self.samples, "samples", 1, MAX_SAMPLES))
        set_field(self, "max_samples", _integer(self.max_samples, "max_samples", 1, MAX_SAMPLES))
        if self.tolerance is not None:
            tolerance = self.tolerance
            if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, np.floating, np.integer)):
                raise ModelError(f"expected a number > 0, got {shown(tolerance)}", where="tolerance")
            if not 0 < tolerance < math.inf:  # also refuses NaN
                raise ModelError(f"expected a finite number > 0, got {tolerance}", where="tolerance")
            set_field(self, "tolerance", float(tolerance))
        if self.seed is not None:
            set_field(self, "seed", _integer(self.seed, "seed", 0, MAX_SEED))
        if self.threads is not None:
            set_field(self, "threads", _integer(self.threads, "threads", 1, MAX_THREADS))
        progress: Any = self.progress  # as given: untyped callers pass anything
        if progress is None:
            set_field(self, "progress", False)
        elif not isinstance(progress, bool) and not callable(progress):
            raise ModelError(f"expected True, False, None or a callable, got {shown(progress)}", where="progress")
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

    @property
    def sample_cap(self) -> int:
        """The most worlds the engine may draw: ``max_samples`` with a tolerance (the engine
        stops earlier once it is met), ``samples`` without."""
        return self.samples if self.tolerance is None else self.max_samples

    @property
    def tolerance_cap(self) -> int | None:
        """``max_samples`` when it applies (with a tolerance), else None: what provenance records."""
        return None if self.tolerance is None else self.max_samples

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
