"""Number columns of a batch of new rows: floats within their range
(:data:`~datareach.model.fields.RANGES`), and counts (a class's ``records``), whole
numbers from 0 to 2**63 - 1 held exactly as int64.

A count above 2**53 has no exact float, so counts never pass through float64: Python
ints stay ints, and a float is accepted only when it is a whole number (``1.5e8`` as a
YAML or JSON file writes it). A number beyond the float range (an integer of 5,000
digits, a long double of 1e4000) is an error, never an OverflowError or a silent inf.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, describe, number_text
from .fields import INFINITY_TEXT, MAX_COUNT, Field, Range
from .ingest import RawColumn
from .values import fits_float, is_number, must_be_number

__all__ = ["count_column", "number_column"]

Fail = Callable[[int, str, str], ModelError]


def number_column(column: RawColumn, field: Field, rule: Range | None, fail: Fail) -> np.ndarray:
    """The float64 column of a number field (left-out rows hold the default, or NaN),
    every given value within ``rule``; ``fail(row, field, reason)`` words the error."""
    values = column.values
    present = ~column.missing
    if rule is not None and rule.infinity and values.dtype.kind == "O":
        # JSON has no infinity: a JSON file writes an infinite cost as "inf".
        spelled = values == INFINITY_TEXT
        if spelled.any():
            values = np.where(spelled, math.inf, values)
    if values.dtype.kind not in "iufO":  # bool, dates, ...
        row = int(np.argmax(present))
        raise fail(row, field.name, must_be_number(values[row]))
    if values.dtype == np.float64:  # the common bulk case: one copy, no gathering
        numbers: np.ndarray = values.copy()
        if field.default is not None:
            numbers[column.missing] = field.default
        _check_range(numbers, present, rule, field, fail)
        return numbers
    numbers = np.full(len(values), np.nan)
    given = values[present]
    if values.dtype.kind == "O":
        kind = pd.api.types.infer_dtype(given, skipna=False)
        if kind not in ("integer", "floating", "mixed-integer-float"):
            bad = next((i for i, v in enumerate(given) if not is_number(v)), None)
            if bad is not None:
                row = int(np.flatnonzero(present)[bad])
                raise fail(row, field.name, must_be_number(given[bad]))
    try:
        # A Python int past 1e308 raises OverflowError; a long double sets NumPy's overflow
        # flag, raised here rather than becoming inf with a warning.
        with np.errstate(over="raise"):
            numbers[present] = given.astype(np.float64)
    except (OverflowError, FloatingPointError):
        bad = next(i for i, v in enumerate(given) if not fits_float(v))
        row = int(np.flatnonzero(present)[bad])
        raise fail(row, field.name, f"is too large a number: {number_text(given[bad])}") from None
    if field.default is not None:
        numbers = np.where(column.missing, field.default, numbers)
    _check_range(numbers, present, rule, field, fail)
    return numbers


def _check_range(numbers: np.ndarray, present: np.ndarray, rule: Range | None, field: Field, fail: Fail) -> None:
    if rule is not None:
        bad_rows = present & ~rule.contains(numbers)
        if bad_rows.any():
            row = int(np.argmax(bad_rows))
            value = float(numbers[row])
            reason = (
                f"must be a finite number, got {number_text(value)}"
                if not math.isfinite(value) and not rule.infinity
                else f"{rule.describe()}, got {number_text(value)}"
            )
            raise fail(row, field.name, reason)


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
