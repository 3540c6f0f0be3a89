"""datareach: who can reach which data, by which paths, how likely.

The Python layer: build or load a :class:`Model`, save it, and (through the compiled core,
imported only when an analysis runs) compute reach and paths.
"""

from __future__ import annotations

from .errors import ModelError
from .files import load, save
from .model import Model

__all__ = ["Model", "ModelError", "load", "save"]
