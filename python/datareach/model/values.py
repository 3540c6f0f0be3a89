"""Checks of single values: ids and labels, free text, region paths, numbers and free
data, with the wording every error message uses for them.

Column checks (:mod:`datareach.model.batch`) run these once per distinct value; the
builders of :mod:`datareach.changes` and the model's own fields (its name, sources,
adversaries) run them on values given one at a time.
"""

from __future__ import annotations

import datetime
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ModelError, cut, describe, number_text, quote

__all__ = [
    "MAX_PLAIN_DEPTH",
    "as_float",
    "check_name",
    "check_text",
    "describe",
    "fits_float",
    "is_number",
    "must_be_number",
    "must_be_string",
    "name_problem",
    "plain_data",
    "region_problem",
    "text_problem",
]


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def must_be_number(value: Any) -> str:
    return f"must be a number, got {describe(value)}"


def fits_float(value: Any) -> bool:
    """Whether a number has a float64 value: finite numbers beyond its range (a Python int
    of 400 digits, a long double of 1e4000) do not."""
    try:
        with np.errstate(over="raise"):
            number = float(np.float64(value)) if isinstance(value, np.floating) else float(value)
    except (OverflowError, FloatingPointError):
        return False
    return math.isfinite(number) or not np.isfinite(value)


def as_float(value: Any, location: str) -> float:
    """A number given on its own as a float; a number beyond the float range (an integer
    of 400 digits) is an error naming ``location``, never an OverflowError."""
    if not is_number(value):
        raise ModelError(must_be_number(value), where=location)
    if not fits_float(value):
        raise ModelError(f"is too large a number: {number_text(value)}", where=location)
    return float(value)


def must_be_string(value: Any) -> str:
    return f"must be a string, got {describe(value)}"


def name_problem(value: str) -> str | None:
    """Why a string cannot be an id or label, or None.

    Ids are written into files and messages as they are, so they must be visible text:
    not empty, no control characters, no spaces around them.
    """
    if not value:
        return "must not be empty"
    if not value.isprintable():
        return f"must be printable text without control characters, got {quote(value)}"
    if value != value.strip():
        return f"must not start or end with spaces, got {quote(value)}"
    if not unicodedata.is_normalized("NFC", value):
        # Two spellings of one text (é as one character or as e + accent) would be two ids
        # that look the same (docs/design.md §8, decision 21).
        return (
            f"must be in Unicode normal form NFC (composed characters), got {quote(value)}; "
            f"write it {quote(unicodedata.normalize('NFC', value))}"
        )
    return None


def text_problem(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text, got text with a lone surrogate character"
    return None


def region_problem(value: str) -> str | None:
    problem = name_problem(value)
    if problem is None and any(part != part.strip() or not part for part in value.split("/")):
        problem = f"must be a path of names separated by '/' such as 'US/VA', got {quote(value)}"
    return problem


def check_name(value: Any, location: str) -> str:
    """An id or label given on its own (a source id, an adversary): a visible string."""
    reason = must_be_string(value) if not isinstance(value, str) else name_problem(value)
    if reason is not None:
        raise ModelError(reason, where=location)
    return str(value)


def check_text(value: Any, location: str) -> str:
    """Free text given on its own (a model's name)."""
    reason = must_be_string(value) if not isinstance(value, str) else text_problem(value)
    if reason is not None:
        raise ModelError(reason, where=location)
    return str(value)


def plain_data(value: Any, location: str) -> Any:
    """A deep copy of free data (node attrs, source fields) in the types every file format
    writes back unchanged: str, int, finite float, bool, None, lists and str-keyed
    mappings. Dates become ISO strings, NumPy scalars Python ones; anything else is an
    error."""
    return _plain(value, location, [_MAX_PLAIN_ITEMS], 0)


# YAML aliases can make a small file expand into an exponential amount of data ("billion
# laughs"); free data beyond this many items is refused instead of copied.
_MAX_PLAIN_ITEMS = 100_000
# Free data nested deeper than this is refused on the way in: what loads must also save,
# and the writers recurse once per level.
MAX_PLAIN_DEPTH = 50
# Integers longer than this cannot be written back (Python's int/str limit is 4,300 digits).
_MAX_PLAIN_INT_BITS = 14_000


def _plain(value: Any, location: str, budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ModelError(f"holds more than {_MAX_PLAIN_ITEMS:,} items", where=location)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_text(value, location)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        if int(value).bit_length() > _MAX_PLAIN_INT_BITS:
            raise ModelError(f"must be a number of at most 4,000 digits, got {describe(value)}", where=location)
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ModelError(f"must be a finite number, got {describe(value)}", where=location)
        return float(value)
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_PLAIN_DEPTH:
        raise ModelError(
            f"is nested more than {MAX_PLAIN_DEPTH} levels deep (or contains itself)",
            where=location,
        )
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ModelError(f"keys must be strings, got {describe(key)}", where=location)
            key = check_text(key, location)
            copy[key] = _plain(item, f"{location}.{cut(key)}", budget, depth + 1)
        return copy
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{location}[{i}]", budget, depth + 1) for i, item in enumerate(value)]
    raise ModelError(
        f"must be plain data (text, numbers, lists, mappings), got {describe(value)}",
        where=location,
    )
