"""The one error type of datareach, and the helpers that word its messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["ModelError", "did_you_mean", "where"]

# Suggestions compare a misspelling against every known id; past this many candidates the
# comparison would make the error path itself slow, so no suggestion is offered.
_MAX_SUGGESTION_CANDIDATES = 100_000


class ModelError(ValueError):
    """A model, scenario file or request against a model is wrong.

    The message names the entry and field the way a scenario file does, for example
    ``access[3].to: unknown node 'virgina' (did you mean 'virginia'?)``. ``where`` holds
    the ``access[3].to`` part (None when the error concerns no single field) and
    ``reason`` the rest.
    """

    def __init__(self, reason: str, *, where: str | None = None) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.where = where
        self.reason = reason


def where(section: str, row: int | None = None, field: str | None = None) -> str:
    """The location of an entry or field as a scenario file names it: ``access[3].to``."""
    text = section if row is None else f"{section}[{row}]"
    return text if field is None else f"{text}.{field}"


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate to a misspelt name, else ``''``."""
    pool = [c for c in candidates if isinstance(c, str)]
    if not isinstance(name, str) or len(pool) > _MAX_SUGGESTION_CANDIDATES:
        return ""
    same_letters = [c for c in pool if c.casefold() == name.casefold()]
    # One wrong letter of two is a ratio of 0.5; difflib's usual cutoff (0.6) would miss it.
    cutoff = 0.6 if len(name) > 3 else 0.5
    matches = same_letters or difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
    return f" (did you mean {matches[0]!r}?)" if matches else ""
