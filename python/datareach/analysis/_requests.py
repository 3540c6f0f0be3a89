"""What every analysis checks in its request before compiling anything: that a model is a
Model, and which adversaries to analyse (ids, node rows, none listed twice); and how an error
is located inside one of several files or plans."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ModelError, quote
from ..model.lowering import adversary_indices
from ..options import shown

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["requested_adversaries", "require_model", "within"]


def require_model(value: Any, where: str) -> Model:
    """``value`` if it is a Model, else a ModelError at ``where`` (the argument's name)."""
    from ..model import Model

    if not isinstance(value, Model):
        raise ModelError(f"expected a datareach Model, got {shown(value)}", where=where)
    return value


def _ids(adversaries: Any) -> str | list[str] | None:
    """The requested adversaries read once (an iterator can be read only once), refusing
    what is not an id with the value as a file would write it (``the date 2016-01-01``)."""
    if adversaries is None or isinstance(adversaries, str):
        return adversaries
    if not isinstance(adversaries, Iterable) or isinstance(adversaries, (bytes, Mapping)):
        raise ModelError(f"must be a node id or a list of node ids, got {shown(adversaries)}", where="adversaries")
    ids = list(adversaries)
    for position, adversary in enumerate(ids):
        if not isinstance(adversary, str):
            raise ModelError(f"expected a node id, got {shown(adversary)}", where=f"adversaries[{position}]")
    return ids


def requested_adversaries(model: Model, adversaries: str | Iterable[str] | None) -> tuple[list[str], list[int]]:
    """Ids and node rows of the adversaries to analyse (default: the model's list).

    An adversary listed twice is refused, not merged: each adversary is one row of every
    table, and a repeated id is almost always a typo for another one."""
    ids, rows = adversary_indices(model, _ids(adversaries))
    first_position: dict[str, int] = {}
    for position, adversary in enumerate(ids):
        if adversary in first_position:
            raise ModelError(
                f"{quote(adversary)} is listed twice (also adversaries[{first_position[adversary]}]); list each adversary once",
                where=f"adversaries[{position}]",
            )
        first_position[adversary] = position
    return ids, rows


def within(error: ModelError, place: str) -> ModelError:
    """``error`` located inside ``place`` (a file, a plan, a variant) when a request has
    several: ``plans/b.yaml: changes[0].to: unknown node 'texsa'``. ``where`` keeps the
    whole location, ``reason`` is unchanged."""
    return ModelError(error.reason, where=f"{place}: {error.where}" if error.where else place)
