"""A table's canonical columns written back as the entries of a scenario file: the
inverse of :mod:`datareach.model.ingest` (``Model.to_dict`` uses it).

Fields left out or at a default that files do not write are dropped, whole numbers
become ints and windows ISO dates, so that ``Model.from_dict(m.to_dict()) == m``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from .. import dates
from .fields import FIELDS, FieldType
from .tables import Table

__all__ = ["table_entries"]


def table_entries(section: str, table: Table) -> list[dict[str, Any]]:
    """The rows of a section's table as entries of a scenario file."""
    fields: list[tuple[str, list[Any]]] = []
    for field in FIELDS[section]:
        if field.type is FieldType.WINDOW:
            fields.append((field.name, _windows(*(table.column(c) for c in field.columns))))
        elif field.type is FieldType.RANGE:
            fields.append((field.name, _ranges(*(table.column(c) for c in field.columns))))
        elif field.type is FieldType.NUMBER:
            omitted = None if field.write_default else field.default
            fields.append((field.name, _numbers(table.column(field.name), omitted)))
        elif field.type is FieldType.REFS:
            fields.append((field.name, [None if v is None else list(v) for v in table.column(field.name)]))
        elif field.type is FieldType.ATTRS:
            fields.append((field.name, copy.deepcopy(table.column(field.name).tolist())))
        elif field.type is FieldType.FLAG:
            fields.append((field.name, [True if v else None for v in table.column(field.name)]))
        else:
            fields.append((field.name, table.column(field.name).tolist()))
    records = []
    for row in range(len(table)):
        record = {}
        for name, values in fields:
            if values[row] is not None:
                record[name] = values[row]
        records.append(record)
    return records


def _numbers(values: np.ndarray, omitted: float | None) -> list[Any]:
    """Numbers for a file: NaN (left out) and ``omitted`` (a default) dropped, whole
    numbers as ints so that 150000000 is not written 150000000.0."""
    out: list[Any] = []
    if values.dtype.kind == "i":  # a count: exact integers already
        return [int(value) for value in values.tolist()]
    for value in values.tolist():
        if math.isnan(value) or value == omitted:
            out.append(None)
        elif value.is_integer() and abs(value) < 2**53:
            out.append(int(value))
        else:
            out.append(value)
    return out


def _ranges(lows: np.ndarray, highs: np.ndarray) -> list[Any]:
    """``[low, high]`` (whole numbers as ints), None where the row has no range."""
    out: list[Any] = [None] * len(lows)
    low_values, high_values = _numbers(lows, None), _numbers(highs, None)
    for row in np.flatnonzero(~np.isnan(lows)).tolist():
        out[row] = [low_values[row], high_values[row]]
    return out


def _windows(starts: np.ndarray, ends: np.ndarray) -> list[Any]:
    """``[start, end]`` as ISO strings (None for an open side), None for no window."""
    out: list[Any] = [None] * len(starts)
    open_start, open_end = np.isnat(starts), np.isnat(ends)
    start_days = dates.dates_to_days(starts, dates.OPEN_START).tolist()
    end_days = dates.dates_to_days(ends, dates.OPEN_END).tolist()
    for row in np.flatnonzero(~(open_start & open_end)).tolist():
        out[row] = [
            None if open_start[row] else dates.to_iso(start_days[row]),
            None if open_end[row] else dates.to_iso(end_days[row]),
        ]
    return out
