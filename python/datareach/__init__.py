"""datareach: who can reach which data, by which paths, how likely.

Build or load a :class:`Model` (``dr.load``, ``dr.Model.from_dict``, the builder methods or
bulk DataFrames), then ask the compiled core: ``dr.reach`` (possible and certain reach),
``dr.most_likely_path`` and ``dr.analyze`` (exposure scores, exact or Monte Carlo).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import changes, examples, synthetic
from .comparison import Comparison, compare
from .errors import ModelError
from .exposure import Result, analyze
from .io import load, save
from .model import Model
from .reach import Path, PathStep, most_likely_path, reach
from .sweep import sweep
from .timeline import timeline

try:
    __version__ = version("datareach")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "analyze",
    "changes",
    "compare",
    "Comparison",
    "examples",
    "load",
    "Model",
    "ModelError",
    "most_likely_path",
    "Path",
    "PathStep",
    "reach",
    "Result",
    "save",
    "sweep",
    "synthetic",
    "timeline",
    "__version__",
]
