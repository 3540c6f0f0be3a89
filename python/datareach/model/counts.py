"""Columns of counts (a class's ``records``): whole numbers from 0 to 2**63 - 1, held
exactly as int64.

A count above 2**53 has no exact float, so counts never pass through float64: Python
ints stay ints, and a float is accepted only when it is a whole number (``1.5e8`` as a
YAML or JSON file writes it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ModelError, describe, number_text
from .fields import MAX_COUNT, Field
from .ingest import RawColumn
from .values import is_number

__all__ = ["count_column"]

Fail = Callable[[int, str, str], ModelError]


def count_column(column: RawColumn, field: Field, fail: Fail) -> np.ndarray:
    """The int64 column of a count field (left-out rows hold the default); ``fail(row,
    field, reason)`` words the error of a bad row."""
    out = np.full(len(column.values), int(field.default or 0), dtype=np.int64)
    rows = np.flatnonzero(~column.missing)
    values = column.values
    if values.dtype.kind in "iu":  # already whole numbers: only the range to check
        given = values[rows]
        bad = (given < 0) | (given > MAX_COUNT) if values.dtype.kind == "i" else given > MAX_COUNT
        if bad.any():
            row = int(rows[np.argmax(bad)])
            raise fail(row, field.name, _reason(field, values[row]))
        out[rows] = given.astype(np.int64)
        return out
    if values.dtype.kind == "f":
        given = values[rows]
        # 2**63 is a float just past the range: compare with it, open.
        good = np.isfinite(given) & (given >= 0) & (given < 2.0**63)
        good[good] &= given[good] == np.floor(given[good])
        if not good.all():
            row = int(rows[np.argmax(~good)])
            raise fail(row, field.name, _reason(field, values[row]))
        out[rows] = given.astype(np.int64)
        return out
    for row in rows.tolist():  # objects: Python ints (of any size), floats, or mistakes
        number = _whole(values[row])
        if number is None:
            raise fail(row, field.name, _reason(field, values[row]))
        out[row] = number
    return out


def _whole(value: Any) -> int | None:
    """The count a value stands for, or None when it is none."""
    if not is_number(value):
        return None
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or value != math.floor(value):
            return None
        value = int(value)
    number = int(value)
    return number if 0 <= number <= MAX_COUNT else None


def _reason(field: Field, value: Any) -> str:
    if not is_number(value):
        return f"must be a number, got {describe(value)}"
    shown = number_text(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return f"must be a finite number, got {shown}"
    if value < 0:
        return f"must be at least 0, got {shown}"
    if value > MAX_COUNT:
        return f"must be at most 2**63 - 1 ({MAX_COUNT:,}), got {shown}"
    return f"must be a whole number (a count of {field.name}), got {shown}"
