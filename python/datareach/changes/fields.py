"""The fields of the what-if changes: how each is named in files, checked and written.

Every change has its own fields (:meth:`~datareach.changes.types.Change.file_fields`)
and the two that all share, :data:`EFFECTIVE` and :data:`NOTE`. A value is checked and
brought into canonical form once, when the change is made (:func:`check_value`), with the
model's own ranges for probabilities and shares; the ids it names are checked against a
model only when the change is applied.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import dates
from ..errors import ModelError, number_text, quote
from ..model.fields import PROBABILITY, SHARE, Range
from ..model.values import as_float, check_name, check_text, describe, region_problem

__all__ = ["EFFECTIVE", "NOTE", "Spec", "check_value", "file_value"]


@dataclasses.dataclass(frozen=True)
class Spec:
    """One field of a change: its name in files, its attribute and how it is checked."""

    key: str  # the name in files
    attr: str  # the attribute of the dataclass
    kind: str  # how the value is checked: see check_value
    required: bool = True
    default: Any = None


EFFECTIVE = Spec("effective", "effective", "date", required=False)
NOTE = Spec("note", "note", "text", required=False)


def _number(value: Any, location: str, allowed: Range) -> float:
    number = as_float(value, location)
    if not allowed.contains(np.array([number]))[0]:
        raise ModelError(f"{allowed.describe()}, got {number_text(number)}", where=location)
    return number


def _names(value: Any, location: str, noun: str) -> tuple[str, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise ModelError(f"must be a list of {noun} ids, got {describe(value)}", where=location)
    if not value:
        reason = f"must name at least one {noun}"
        if noun == "class":
            reason += "; leave the field out to mean every class"
        raise ModelError(reason, where=location)
    out: list[str] = []
    for i, item in enumerate(value):
        name = check_name(item, f"{location}[{i}]")
        if name in out:
            raise ModelError(f"names {quote(name)} twice", where=f"{location}[{i}]")
        out.append(name)
    return tuple(out)


def check_value(kind: str, value: Any, location: str) -> Any:
    """A field's value in canonical form, or a ModelError at ``location``."""
    if kind == "id":
        return check_name(value, location)
    if kind == "nodes":
        return _names(value, location, "node")
    if kind == "classes":
        return _names(value, location, "class")
    if kind == "p":
        return _number(value, location, PROBABILITY)
    if kind == "share":
        return _number(value, location, SHARE)
    if kind == "region":
        if not isinstance(value, str):
            raise ModelError(f"must be a region such as 'US/VA', got {describe(value)}", where=location)
        problem = region_problem(value)
        if problem is not None:
            raise ModelError(problem, where=location)
        return str(value)
    if kind == "date":
        return dates.from_day(dates.to_day(value, where=location))
    if kind == "text":
        return check_text(value, location)
    raise AssertionError(kind)


def file_value(value: Any) -> Any:
    """A canonical field value as plain file data."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
