"""The tables of a model: one section's rows as canonical column arrays, and the index of
its ids.

A table only grows (rows are appended in batches that :func:`~datareach.model.validate.normalise`
has checked); what-if changes build new tables (:mod:`datareach.changes`).
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .fields import FIELDS, FieldType, empty_columns

__all__ = ["SMALL_LOOKUP", "IdIndex", "Table", "columns_equal"]

# Below this many look-ups a dict probe beats building or probing a pandas Index (or
# factorising with pandas).
SMALL_LOOKUP = 32


class IdIndex:
    """The row of every id of a section, kept up to date as rows are appended."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._rows: dict[str, int] = {}
        self._array: np.ndarray | None = None
        self._index: pd.Index | None = None
        self.extend(ids)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and item in self._rows

    def extend(self, ids: Iterable[str]) -> None:
        """Append ids (already checked to be new and distinct) as the next rows."""
        self._rows.update(zip(ids, itertools.count(len(self._rows))))
        self._array = None
        self._index = None

    @property
    def mapping(self) -> Mapping[str, int]:
        """Id → row, a read-only live view."""
        return types.MappingProxyType(self._rows)

    @property
    def array(self) -> np.ndarray:
        """The ids in row order (an object array; do not modify)."""
        if self._array is None:
            self._array = np.fromiter(self._rows, dtype=object, count=len(self._rows))
        return self._array

    def positions(self, values: np.ndarray) -> np.ndarray:
        """The row of each of ``values`` (strings), -1 where unknown."""
        if len(values) <= SMALL_LOOKUP:
            return np.fromiter((self._rows.get(v, -1) for v in values), dtype=np.int64, count=len(values))
        if self._index is None:
            self._index = pd.Index(self.array, dtype=object)
        rows = self._index.get_indexer(values)  # type: ignore[arg-type]  # any array-like works; the stub says Index
        return rows.astype(np.int64, copy=False)


class Table:
    """The rows of one section as canonical column arrays.

    Appends are collected as chunks and joined on first read, so adding rows one at a
    time costs O(1) each instead of copying the table every time.
    """

    def __init__(self, section: str, columns: Mapping[str, np.ndarray] | None = None) -> None:
        self.section = section
        chunk = dict(columns) if columns is not None else empty_columns(section)
        self._chunks: list[dict[str, np.ndarray]] = [chunk]
        self._length = len(next(iter(chunk.values())))
        self._frame: pd.DataFrame | None = None
        has_ids = FIELDS[section][0].type is FieldType.ID
        self.ids: IdIndex | None = IdIndex(chunk["id"]) if has_ids else None

    def __len__(self) -> int:
        return self._length

    def append(self, columns: dict[str, np.ndarray]) -> None:
        if self._length == 0:  # the first batch becomes the table as it is: no copy
            self._chunks = []
        self._chunks.append(columns)
        self._length += len(next(iter(columns.values())))
        self._frame = None
        if self.ids is not None:
            self.ids.extend(columns["id"])

    def columns(self) -> dict[str, np.ndarray]:
        """Every column, joined into one array each (shared, never to be modified)."""
        if len(self._chunks) > 1:
            names = self._chunks[0].keys()
            self._chunks = [{name: np.concatenate([chunk[name] for chunk in self._chunks]) for name in names}]
        return self._chunks[0]

    def column(self, name: str) -> np.ndarray:
        return self.columns()[name]

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            series = {}
            for name, values in self.columns().items():
                if values.dtype.kind == "M":  # pandas holds dates at second resolution
                    values = values.astype("datetime64[s]")
                # An explicit dtype keeps ids as Python objects under pandas' str inference.
                series[name] = pd.Series(values, dtype=values.dtype, copy=False)
            self._frame = pd.DataFrame(series)
        return self._frame


def columns_equal(left: Mapping[str, np.ndarray], right: Mapping[str, np.ndarray]) -> bool:
    """Whether two tables' canonical columns hold the same values (NaN and NaT equal to
    themselves)."""
    for name, a in left.items():
        b = right[name]
        if a.shape != b.shape:
            return False
        if a.dtype.kind == "M":
            a, b = a.view(np.int64), b.view(np.int64)  # NaT compares equal to NaT
        if a.dtype.kind == "f":
            if not np.array_equal(a, b, equal_nan=True):
                return False
        elif not np.all(a == b):  # object columns: == per element (str, tuple, dict, None)
            return False
    return True
