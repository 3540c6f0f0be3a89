"""The analyses of a model (docs/design.md §4-5): deterministic reach and paths, exposure
scores, what-if comparisons, timelines and sweeps. Each takes the shared ``AnalysisOptions``
(where it samples) and returns a result with ``.table`` and ``.provenance``."""

from __future__ import annotations

from ._engines import AnalysisStopped
from .comparison import Comparison, compare
from .exposure import Result, analyze
from .paths import Path, PathStep, most_likely_path
from .reach import ReachResult, reach
from .sweep import Sweep, sweep
from .timeline import Timeline, timeline

__all__ = [
    "AnalysisStopped",
    "Comparison",
    "Path",
    "PathStep",
    "ReachResult",
    "Result",
    "Sweep",
    "Timeline",
    "analyze",
    "compare",
    "most_likely_path",
    "reach",
    "sweep",
    "timeline",
]
