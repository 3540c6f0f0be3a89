"""Scenarios that ship with datareach.

>>> import datareach as dr
>>> m = dr.examples.project_texas()          # US TikTok user data, Sept 2021 - Dec 2023
>>> dr.examples.path("project_texas")        # the YAML file itself, to read or copy
>>> plan = dr.examples.project_texas_as_designed()   # a variant file of it: the plan, from 2022-07-01
>>> dr.check(m, dr.examples.project_texas_policy(), at="2024-01-01").passed   # its policy
True

A scenario ``NAME.yaml`` may ship with a policy file ``NAME_policy.yaml`` (``policy_path``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..io.policies import Policy
    from ..model import Model

__all__ = ["names", "path", "policy_path", "project_texas", "project_texas_as_designed", "project_texas_policy"]

_SUFFIXES = (".yaml", ".yml", ".json")
_POLICY = "_policy"


def names() -> list[str]:
    """The names of the shipped scenarios, e.g. ``["project_texas"]`` (policy files are not
    scenarios: see ``policy_path``)."""
    root = resources.files(__name__)
    stems = (
        entry.name.rsplit(".", 1)[0] for entry in root.iterdir() if entry.is_file() and entry.name.endswith(_SUFFIXES)
    )
    return sorted(stem for stem in stems if not stem.endswith(_POLICY))


def path(name: str = "project_texas") -> Path:
    """The file of the shipped scenario ``name`` (with or without its suffix)."""
    root = resources.files(__name__)
    candidates = [name] if name.endswith(_SUFFIXES) else [name + s for s in _SUFFIXES]
    for candidate in candidates:
        entry = root.joinpath(candidate)
        if entry.is_file():
            return Path(str(entry))
    raise FileNotFoundError(f"no example {name!r}; shipped: {', '.join(names())}")


def policy_path(name: str = "project_texas") -> Path:
    """The policy file shipped with the scenario ``name`` (``NAME_policy.yaml``)."""
    try:
        return path(name + _POLICY)
    except FileNotFoundError:
        shipped = [n for n in names() if _shipped_policy(n)]
        raise FileNotFoundError(f"no policy for the example {name!r}; shipped with one: {', '.join(shipped)}") from None


def _shipped_policy(name: str) -> bool:
    try:
        path(name + _POLICY)
    except FileNotFoundError:
        return False
    return True


def project_texas() -> Model:
    """The Project Texas scenario (public reporting on US TikTok user data, Sept 2021 -
    Dec 2023) as a :class:`datareach.Model`. Its provenance scheme is explained at the top
    of ``path("project_texas")``."""
    from ..io import load  # lazily: the examples need no core at import time

    return load(path("project_texas"))


def project_texas_as_designed() -> Model:
    """Project Texas as designed (``path("project_texas_as_designed")``, a variant file of
    ``project_texas.yaml``): the base with ten changes in force from 2022-07-01 (the Master
    Admin's access revoked, an Oracle gateway for China-based engineers letting only public
    data and business metrics through, the team reporting to Beijing disabled, the legacy
    protected copies deleted). Compare it with the base after that date:
    ``dr.compare(dr.examples.project_texas(), dr.examples.project_texas_as_designed(),
    at="2022-09-01")``. The model remembers its changes (``.changes``)."""
    from ..io import load

    return load(path("project_texas_as_designed"))


def project_texas_policy() -> Policy:
    """The policy of the Project Texas scenario (``policy_path("project_texas")``): protected
    US user data out of reach from China except through Oracle's controls. It fails at
    2022-07-01 and holds from the assumed deletion of the legacy copies (2023-10-01) on."""
    from ..io.policies import load_policy

    return load_policy(policy_path("project_texas"))
