"""The analyses of a model (docs/design.md §4-5): deterministic reach and paths, exposure
scores, what-if comparisons, timelines and sweeps, and the sensitivity analyses (tornado,
uncertainty). Each takes the shared ``AnalysisOptions``
(where it samples) and returns a result with ``.table`` and ``.provenance``."""

from __future__ import annotations

from ._engines import AnalysisStopped
from .chokepoints import Chokepoints, chokepoints
from .comparison import Comparison, compare
from .cut import Cut, cheapest_cut
from .exposure import Result, analyze
from .paths import Path, Paths, PathStep, most_likely_path, most_likely_paths
from .reach import ReachResult, reach
from .sweep import Sweep, sweep
from .timeline import Timeline, timeline
from .tornado import Tornado, tornado
from .uncertainty import Uncertainty, uncertainty

__all__ = [
    "AnalysisStopped",
    "Chokepoints",
    "Comparison",
    "Cut",
    "Path",
    "PathStep",
    "Paths",
    "ReachResult",
    "Result",
    "Sweep",
    "Timeline",
    "Tornado",
    "Uncertainty",
    "analyze",
    "cheapest_cut",
    "chokepoints",
    "compare",
    "most_likely_path",
    "most_likely_paths",
    "reach",
    "sweep",
    "timeline",
    "tornado",
    "uncertainty",
]
