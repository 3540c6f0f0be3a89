"""datareach: who can reach which data, by which paths, how likely.

Build or load a :class:`Model` (``dr.load``, ``dr.Model.from_dict``, the builder methods or
bulk DataFrames), then ask the compiled core: ``dr.reach`` (possible and certain reach),
``dr.most_likely_paths`` (and ``dr.most_likely_path``), the explanations
``dr.importance``, ``dr.chokepoints``, ``dr.cheapest_cut`` and ``dr.cheapest_reduction``, policy checks ``dr.check`` (of a ``dr.Policy``,
``dr.load_policy``), ``dr.analyze`` (exposure scores, exact or Monte Carlo) and the
what-if analyses ``dr.compare``, ``dr.timeline`` and ``dr.sweep``, and the sensitivity
analyses over the model's ranges ``dr.tornado`` and ``dr.uncertainty``; ``dr.diagram`` draws the
access map (SVG, DOT, PNG). Every analysis takes the
same ``dr.AnalysisOptions`` (or keyword overrides of them) and returns a result with
``.table`` and ``.provenance``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import changes, examples, synthetic
from .analysis import (
    AnalysisStopped,
    CheckReport,
    Chokepoints,
    Comparison,
    Cut,
    Importance,
    Path,
    Paths,
    PathStep,
    ReachResult,
    Reduction,
    Result,
    Sweep,
    Timeline,
    Tornado,
    Uncertainty,
    Violation,
    analyze,
    cheapest_cut,
    cheapest_reduction,
    check,
    chokepoints,
    compare,
    importance,
    most_likely_path,
    most_likely_paths,
    reach,
    sweep,
    timeline,
    tornado,
    uncertainty,
)
from .diagram import Diagram, diagram
from .errors import ModelError
from .io import Policy, PolicyRule, load, load_policy, save
from .lint import lint
from .model import Model
from .options import AnalysisOptions
from .results import AnalysisResult, Provenance, ToleranceNotMet

try:
    __version__ = version("datareach")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "AnalysisOptions",
    "AnalysisResult",
    "AnalysisStopped",
    "CheckReport",
    "Chokepoints",
    "Comparison",
    "Cut",
    "Diagram",
    "Importance",
    "Model",
    "ModelError",
    "Path",
    "PathStep",
    "Paths",
    "Policy",
    "PolicyRule",
    "Provenance",
    "ReachResult",
    "Reduction",
    "Result",
    "Sweep",
    "Timeline",
    "ToleranceNotMet",
    "Tornado",
    "Uncertainty",
    "Violation",
    "__version__",
    "analyze",
    "changes",
    "cheapest_cut",
    "cheapest_reduction",
    "check",
    "chokepoints",
    "compare",
    "diagram",
    "examples",
    "importance",
    "lint",
    "load",
    "load_policy",
    "most_likely_path",
    "most_likely_paths",
    "reach",
    "save",
    "sweep",
    "synthetic",
    "timeline",
    "tornado",
    "uncertainty",
]
