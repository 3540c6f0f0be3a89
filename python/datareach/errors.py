"""The one error type of datareach, and the helpers that word its messages: where an
error is, what value it is about (:func:`describe`, :func:`quote`) and which id was meant."""

from __future__ import annotations

import datetime
import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "MAX_QUOTED",
    "ModelError",
    "cut",
    "describe",
    "did_you_mean",
    "key_text",
    "number_text",
    "quote",
    "where",
    "with_article",
]

# Messages quote what they were given, but a value can be huge (a 300,000-character id, a
# YAML alias expanding to billions of items), so every value is described within a budget:
# text is cut, collections are counted, never walked.
MAX_QUOTED = 60
# Python refuses to turn integers of more than 4,300 digits into text (and it would take
# long); past this many bits an integer is described by its size only.
_MAX_SPELLED_BITS = 200
_DIGITS_PER_BIT = math.log10(2)

# Suggestions compare a misspelling against every known id; past this many candidates the
# comparison would make the error path itself slow, so no suggestion is offered.
_MAX_SUGGESTION_CANDIDATES = 100_000
# A name this long is no misspelling of an id; comparing it would only cost time.
_MAX_SUGGESTION_LENGTH = 200


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


def did_you_mean(name: Any, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate to a misspelt name, else ``''``
    (also for a name that is not text)."""
    pool = [c for c in candidates if isinstance(c, str)]
    if not isinstance(name, str) or len(name) > _MAX_SUGGESTION_LENGTH or len(pool) > _MAX_SUGGESTION_CANDIDATES:
        return ""
    same_letters = [c for c in pool if c.casefold() == name.casefold()]
    # One wrong letter of two is a ratio of 0.5; difflib's usual cutoff (0.6) would miss it.
    cutoff = 0.6 if len(name) > 3 else 0.5
    matches = same_letters or difflib.get_close_matches(name, pool, n=1, cutoff=cutoff)
    return f" (did you mean {quote(matches[0])}?)" if matches else ""


def describe(value: Any, limit: int = MAX_QUOTED) -> str:
    """A short, reader-facing description of a value for an error message: ``'abc'``,
    ``7``, ``the date 2016-01-01``, ``a list of 3 items``, ``true``, ``null``. Text is cut to ``limit`` characters, huge integers and collections are
    described by their size: never a Python repr, never a walk of the value, so a message
    costs the same whatever it is about."""
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.datetime64)):
        value = value.item()  # NumPy scalars read as the Python values they hold
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value, limit)
    if isinstance(value, int):
        return number_text(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return "NaT"
        return f"the {'date' if value.dtype == np.dtype('datetime64[D]') else 'time'} {value}"
    if isinstance(value, datetime.datetime):
        return f"the time {value.isoformat()}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, Mapping):
        return f"a mapping of {_count(len(value), 'key')}"
    if isinstance(value, (list, tuple)):
        return f"a list of {_count(len(value), 'item')}"
    if isinstance(value, np.ndarray):
        return f"an array of {_count(value.size, 'item')}"
    if isinstance(value, (bytes, bytearray)):
        return f"binary data of {_count(len(value), 'byte')}"
    return f"{with_article(type(value).__name__)} value"


def number_text(value: float) -> str:
    """A number as files write it: ``7``, ``0.5``, ``1e+300``, ``inf``, ``nan``; an integer
    too long to write by its size."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        if value.bit_length() > _MAX_SPELLED_BITS:
            return f"an integer of about {int(value.bit_length() * _DIGITS_PER_BIT) + 1:,} digits"
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))  # 150000000, as files write whole numbers
    return repr(value)


def quote(text: str, limit: int = MAX_QUOTED) -> str:
    """``'text'``, cut to ``limit`` characters with the full length said when cut."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def cut(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` unquoted (an id inside a location or a list), cut to ``limit`` characters."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def key_text(key: Any) -> str:
    """A mapping key as a location names it (``access[3].<key>``): a short, visible name as
    it is, anything else (an empty or blank key, one with control characters, a long one,
    a number) described like a value, so that a location is never empty nor unbounded."""
    if isinstance(key, str) and key and len(key) <= MAX_QUOTED and key.isprintable() and key == key.strip():
        return key
    return describe(key)


def with_article(noun: str) -> str:
    """``a store``, ``an organization``: the noun with its indefinite article."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
