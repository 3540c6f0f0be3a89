"""Scenarios that ship with datareach.

>>> import datareach as dr
>>> m = dr.examples.project_texas()          # US TikTok user data, Sept 2021 - Dec 2023
>>> dr.examples.path("project_texas")        # the YAML file itself, to read or copy
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["names", "path", "project_texas"]

_SUFFIXES = (".yaml", ".yml", ".json")


def names() -> list[str]:
    """The names of the shipped scenarios, e.g. ``["project_texas"]``."""
    root = resources.files(__name__)
    return sorted(
        entry.name.rsplit(".", 1)[0] for entry in root.iterdir() if entry.is_file() and entry.name.endswith(_SUFFIXES)
    )


def path(name: str = "project_texas") -> Path:
    """The file of the shipped scenario ``name`` (with or without its suffix)."""
    root = resources.files(__name__)
    candidates = [name] if name.endswith(_SUFFIXES) else [name + s for s in _SUFFIXES]
    for candidate in candidates:
        entry = root.joinpath(candidate)
        if entry.is_file():
            return Path(str(entry))
    raise FileNotFoundError(f"no example {name!r}; shipped: {', '.join(names())}")


def project_texas() -> Model:
    """The Project Texas scenario (public reporting on US TikTok user data, Sept 2021 -
    Dec 2023) as a :class:`datareach.Model`. Its provenance scheme is explained at the top
    of ``path("project_texas")``."""
    from ..io import load  # lazily: the examples need no core at import time

    return load(path("project_texas"))
