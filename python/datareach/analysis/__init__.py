"""The analyses of a model (docs/design.md §4-5): deterministic reach and paths, exposure
scores, what-if comparisons, timelines, sweeps, policy checks and the sensitivity analyses
(tornado, uncertainty). Each takes the shared ``AnalysisOptions``
(where it samples) and returns a result with ``.table`` and ``.provenance``."""

from __future__ import annotations

from ._engines import AnalysisStopped
from .check import CheckReport, Violation, check
from .chokepoints import Chokepoints, chokepoints
from .comparison import Comparison, compare
from .cut import Cut, cheapest_cut
from .exposure import Result, analyze
from .importance import Importance, importance
from .paths import Path, Paths, PathStep, most_likely_path, most_likely_paths
from .reach import ReachResult, reach
from .reduction import Reduction, cheapest_reduction
from .sweep import Sweep, sweep
from .timeline import Timeline, timeline
from .tornado import Tornado, tornado
from .uncertainty import Uncertainty, uncertainty

__all__ = [
    "AnalysisStopped",
    "CheckReport",
    "Chokepoints",
    "Comparison",
    "Cut",
    "Importance",
    "Path",
    "PathStep",
    "Paths",
    "ReachResult",
    "Reduction",
    "Result",
    "Sweep",
    "Timeline",
    "Tornado",
    "Uncertainty",
    "Violation",
    "analyze",
    "cheapest_cut",
    "cheapest_reduction",
    "check",
    "chokepoints",
    "compare",
    "importance",
    "most_likely_path",
    "most_likely_paths",
    "reach",
    "sweep",
    "timeline",
    "tornado",
    "uncertainty",
]
