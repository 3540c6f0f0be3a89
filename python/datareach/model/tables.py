"""The tables of a model: one section's rows as canonical column arrays, and the index of
its ids.

A table only grows (rows are appended in batches that :func:`~datareach.model.validate.normalise`
has checked); what-if changes build new tables (:mod:`datareach.changes`).
"""

from __future__ import annotations

import itertools
import types
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, where
from .fields import FIELDS, FieldType, empty_columns

__all__ = [
    "MAX_LIST_ENTRIES",
    "SMALL_LOOKUP",
    "Column",
    "IdIndex",
    "ListColumn",
    "RefColumn",
    "Table",
    "columns_equal",
    "ids_at",
    "list_offsets",
    "made",
]

# Below this many look-ups a dict probe beats building or probing a pandas Index (or
# factorising with pandas).
SMALL_LOOKUP = 32


class IdIndex:
    """The row of every id of a section, kept up to date as rows are appended.

    Held as the ids in row order; the pandas index that looks many of them up at once and
    the dict of :attr:`mapping` are built when first needed (a bulk build looks ids up
    with the first only, and never pays for the second).
    """

    def __init__(self, ids: Iterable[str] = ()) -> None:
        array = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=object)
        self._chunks: list[np.ndarray] = [array] if len(array) else []
        self._length = len(array)
        self._array: np.ndarray | None = array
        self._rows: dict[str, int] | None = None
        self._index: pd.Index | None = None
        self._hashes: list[np.ndarray | None] = [None] * len(self._chunks)
        # The hashes sorted and the row of each: a few look-ups by binary search, at 12
        # bytes per id where the dict of :attr:`mapping` costs ~70 (built when first needed).
        self._by_hash: tuple[np.ndarray, np.ndarray] | None = None

    def hashes(self) -> np.ndarray:
        """:func:`id_hashes` of the ids in row order, computed once per appended chunk."""
        for i, chunk in enumerate(self._chunks):
            if self._hashes[i] is None:
                self._hashes[i] = id_hashes(chunk)
        parts = [h for h in self._hashes if h is not None]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)

    def _hash_order(self) -> tuple[np.ndarray, np.ndarray]:
        if self._by_hash is None:
            hashes = self.hashes()
            order = np.argsort(hashes, kind="stable")
            self._by_hash = hashes[order], order.astype(np.int32 if len(order) < 2**31 else np.int64)
        return self._by_hash

    def __len__(self) -> int:
        return self._length

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, str):
            return False
        if self._rows is not None or self._length <= SMALL_LOOKUP:
            return item in self._dict()
        return bool(self.positions(object_array_of([item]))[0] >= 0)

    def extend(self, ids: Iterable[str], index: pd.Index | None = None, hashes: np.ndarray | None = None) -> None:
        """Append ids (already checked to be new and distinct) as the next rows.
        ``index``: a pandas index of every id, these included, when the caller built one;
        ``hashes``: :func:`id_hashes` of these ids, when the caller computed them."""
        array = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=object)
        if not len(array):
            return
        if self._rows is not None:
            self._rows.update(zip(array.tolist(), itertools.count(self._length)))
        self._chunks.append(array)
        self._hashes.append(hashes)
        self._length += len(array)
        self._array = None
        self._by_hash = None
        self._index = index if index is not None and len(index) == self._length else None

    def _dict(self) -> dict[str, int]:
        if self._rows is None:
            self._rows = dict(zip(self.array.tolist(), itertools.count()))
        return self._rows

    @property
    def mapping(self) -> Mapping[str, int]:
        """Id → row, a read-only live view."""
        return types.MappingProxyType(self._dict())

    @property
    def array(self) -> np.ndarray:
        """The ids in row order (an object array; do not modify)."""
        if self._array is None:
            if len(self._chunks) > 1:
                hashes = self.hashes() if all(h is not None for h in self._hashes) else None
                self._chunks = [np.concatenate(self._chunks)]
                self._hashes = [hashes]
            self._array = self._chunks[0] if self._chunks else np.empty(0, dtype=object)
        return self._array

    def _positions_by_hash(self, values: np.ndarray) -> np.ndarray:
        """A few look-ups in a large index that has neither its dict nor its pandas index
        yet (a bulk build's single entries after it, an analysis's adversaries): candidates
        by hash, found by binary search, then compared."""
        sorted_hashes, rows = self._hash_order()
        wanted = id_hashes(np.asarray(values, dtype=object))
        first = np.searchsorted(sorted_hashes, wanted, side="left")
        last = np.searchsorted(sorted_hashes, wanted, side="right")
        ids = self.array
        out = np.full(len(values), -1, dtype=np.int64)
        for i, value in enumerate(values):
            for row in rows[first[i] : last[i]].tolist():
                if ids[row] == value:
                    out[i] = row
                    break
        return out

    def positions(self, values: np.ndarray) -> np.ndarray:
        """The row of each of ``values`` (strings), -1 where unknown."""
        if len(values) <= SMALL_LOOKUP and (self._rows is not None or self._length <= 4 * SMALL_LOOKUP):
            rows = self._dict()
            return np.fromiter((rows.get(v, -1) for v in values), dtype=np.int64, count=len(values))
        if len(values) <= SMALL_LOOKUP and self._index is None and all(isinstance(v, str) for v in values):
            return self._positions_by_hash(values)
        if self._index is None:
            self._index = pd.Index(self.array, dtype=object)
        found = self._index.get_indexer(values)  # type: ignore[arg-type]  # any array-like works; the stub says Index
        return found.astype(np.int64, copy=False)


def id_hashes(ids: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each id (pandas' ``hash_array`` of its UTF-8 text): the stable
    identity of the node or event in the core (``ModelData::node_key``, ``event_key``)."""
    # Without categorising first: the same hashes, without factorising distinct ids.
    hashes: np.ndarray = pd.util.hash_array(np.asarray(ids, dtype=object), categorize=False).astype(np.uint64)
    return hashes


def object_array_of(values: list[Any]) -> np.ndarray:
    """A 1-D object array of strings."""
    return np.fromiter(values, dtype=object, count=len(values))


class RefColumn:
    """A reference column held as the rows it names in another section (int32, -1 where
    left out) until it is read: then the object array of the target's ids, one string
    object per id however many rows name it (what the column has always held).

    Building that array costs a pointer and a reference count per row, touched in the
    order of the rows: at 10^7 arcs, 160 MB and 0.3 s for the ``from`` and ``to`` of
    ordered ids, seconds when the ids come in random order. Building, compiling and running
    a model read only the rows (:meth:`Table.positions`), so the array is made when
    something reads the column itself. The rows stay right: the target's ids only grow and
    never move.
    """

    __slots__ = ("rows", "target")

    def __init__(self, target: IdIndex, rows: np.ndarray) -> None:
        self.target = target
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, row: int) -> str | None:
        found = int(self.rows[row])
        return None if found < 0 else str(self.target.array[found])

    def made(self) -> np.ndarray:
        """The column as an object array of ids (None where left out)."""
        return ids_at(self.target.array, self.rows)


def ids_at(ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The ids the rows name (None for -1): the target's own string objects, one per id
    however many rows name it."""
    table = np.empty(len(ids) + 1, dtype=object)
    table[:-1] = ids
    out: np.ndarray = table[rows]  # row -1 picks the trailing None
    return out


# The ids a list field (class filters, required events, components) names over all rows of
# a section are counted by 32-bit offsets, as the core reads them in place (docs/design.md
# decision 64): half the memory per row of 64-bit ones.
MAX_LIST_ENTRIES = int(np.iinfo(np.int32).max)


def list_offsets(lengths: np.ndarray, section: str, field: str, first_row: int = 0) -> np.ndarray:
    """The int32 offsets (one per row and one more) of lists of these lengths; a ModelError
    naming the row whose list takes the total past :data:`MAX_LIST_ENTRIES`."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > MAX_LIST_ENTRIES:
        row = int(np.argmax(offsets[1:] > MAX_LIST_ENTRIES))
        raise ModelError(
            f"the lists of this field name more than {MAX_LIST_ENTRIES:,} ids over all rows",
            where=where(section, first_row + row, field),
        )
    return offsets.astype(np.int32)


class ListColumn:
    """A list column naming another section's ids (class filters, required events) held
    as the rows its ids name, int32 offsets and values, until it is read: then the object
    array it has always stood for, a tuple of the target's ids per row that gives a list
    and None for a row that gives none (or an empty one).

    The object array costs a pointer per row and, for lists given as text or lists, a tuple
    per row; building, compiling and running a model read only the rows (:meth:`Table.ragged`,
    the very arrays held here), so the array is made when something reads the column
    itself. The rows stay right: the target's ids only grow and never move.
    """

    __slots__ = ("offsets", "target", "values")

    def __init__(self, target: IdIndex, offsets: np.ndarray, values: np.ndarray) -> None:
        self.target = target
        self.offsets = offsets
        self.values = values

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> tuple[str, ...] | None:
        first, last = int(self.offsets[row]), int(self.offsets[row + 1])
        return tuple(self.target.array[self.values[first:last]].tolist()) if last > first else None

    def made(self) -> np.ndarray:
        """The column as an object array of tuples of ids (None where no list is given)."""
        out = np.full(len(self), None, dtype=object)
        given = np.flatnonzero(np.diff(self.offsets))
        if len(given):
            names = self.target.array[self.values].tolist()
            bounds = self.offsets.tolist()
            out[given] = object_array_of([tuple(names[bounds[r] : bounds[r + 1]]) for r in given.tolist()])
        return out


# A column as a table or a batch holds it: an array, or a reference or list column not
# made yet.
Column = np.ndarray | RefColumn | ListColumn
_LAZY = (RefColumn, ListColumn)


def made(column: Column) -> np.ndarray:
    """A column as an array (a :class:`RefColumn` or :class:`ListColumn` made)."""
    return column.made() if isinstance(column, _LAZY) else column


class Table:
    """The rows of one section as canonical column arrays.

    Appends are collected as chunks and joined on first read, so adding rows one at a
    time costs O(1) each instead of copying the table every time.

    Beside the canonical columns a chunk may carry what validation found for its
    references: the row each ``REF`` value names (``-1`` where left out) and, for a list
    field (``REFS``), the rows its ids name as offsets and values (an empty row for a
    left-out list). The lowering to the core reads them (:meth:`positions`,
    :meth:`ragged`) instead of looking every id up again. They stay right: the tables a
    reference names only grow, rows never move.
    """

    def __init__(self, section: str, columns: Mapping[str, np.ndarray] | None = None) -> None:
        self.section = section
        chunk: dict[str, Column] = dict(columns) if columns is not None else dict(empty_columns(section))
        self._chunks: list[dict[str, Column]] = [chunk]
        self._found: list[dict[str, Any]] = [{}]  # per chunk: resolved references
        self._length = len(next(iter(chunk.values())))
        self._frame: pd.DataFrame | None = None
        has_ids = FIELDS[section][0].type is FieldType.ID
        self.ids: IdIndex | None = IdIndex(made(chunk["id"])) if has_ids else None

    def __len__(self) -> int:
        return self._length

    def append(
        self,
        columns: dict[str, Column],
        *,
        positions: Mapping[str, np.ndarray] | None = None,
        ragged: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
        id_index: pd.Index | None = None,
        id_hashes_: np.ndarray | None = None,
    ) -> None:
        """Append checked rows; ``positions`` and ``ragged``: their resolved references
        (see the class docstring); ``id_index``: a pandas index of every id, theirs
        included, when validation built one."""
        if self._length == 0:  # the first batch becomes the table as it is: no copy
            self._chunks = []
            self._found = []
        self._chunks.append(columns)
        self._found.append({**(positions or {}), **(ragged or {})})
        self._length += len(next(iter(columns.values())))
        self._frame = None
        if self.ids is not None:
            self.ids.extend(made(columns["id"]), index=id_index, hashes=id_hashes_)

    def columns(self) -> dict[str, np.ndarray]:
        """Every column, joined into one array each (shared, never to be modified)."""
        joined = self._joined()
        for name, values in joined.items():
            if isinstance(values, _LAZY):
                joined[name] = values.made()
        return joined  # type: ignore[return-value]  # every lazy column made just above

    def _joined(self) -> dict[str, Column]:
        """The chunks joined into one (reference columns kept unmade where every chunk has
        them so)."""
        if len(self._chunks) > 1:
            names = self._chunks[0].keys()
            # A list column of lists in every chunk is joined from what was found (below).
            lists = {
                name: first.target
                for name in names
                if isinstance(first := self._chunks[0][name], ListColumn)
                and all(isinstance(chunk[name], ListColumn) for chunk in self._chunks)
            }
            joined = {
                name: _join_columns([chunk[name] for chunk in self._chunks]) for name in names if name not in lists
            }
            found: dict[str, Any] = {}
            for name in set.intersection(*(set(f) for f in self._found)):
                parts = [f[name] for f in self._found]
                if isinstance(parts[0], tuple):
                    found[name] = _join_ragged(parts, self.section, name)
                else:
                    found[name] = np.concatenate(parts)
            for name, values in joined.items():  # one array of rows, shared with what was found
                if isinstance(values, RefColumn) and isinstance(found.get(name), np.ndarray):
                    joined[name] = RefColumn(values.target, found[name])
            for name, target in lists.items():
                joined[name] = ListColumn(target, *found[name])
            joined = {name: joined[name] for name in names}  # the fields' order
            self._chunks = [joined]
            self._found = [found]
        return self._chunks[0]

    def column(self, name: str) -> np.ndarray:
        chunk = self._joined()
        values = chunk[name]
        if isinstance(values, _LAZY):
            values = chunk[name] = values.made()
        return values

    def cell(self, name: str, row: int) -> Any:
        """One row's value of a column, as ``column(name)[row]`` gives it, without making a
        reference or list column that is not made yet (a path step or a drawn arc reads a
        few rows of a table of millions)."""
        return self._joined()[name][row]

    def positions(self, name: str) -> np.ndarray | None:
        """The row each value of a reference column names (-1 where left out), when
        validation recorded it for every row; else None."""
        self._joined()
        found = self._found[0].get(name)
        return found if isinstance(found, np.ndarray) else None

    def ragged(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """A list column's ids as the rows they name: (offsets, one per row and one more;
        values), when validation recorded them for every row; else None."""
        self._joined()
        found = self._found[0].get(name)
        return found if isinstance(found, tuple) else None

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


def _join_columns(parts: list[Column]) -> Column:
    first = parts[0]
    if isinstance(first, RefColumn) and all(isinstance(p, RefColumn) and p.target is first.target for p in parts):
        return RefColumn(first.target, np.concatenate([p.rows for p in parts]))  # type: ignore[union-attr]
    arrays = [made(p) for p in parts]
    if all(a.strides == (0,) and len(a) for a in arrays) and _same_value(arrays):
        # Every batch left the field out: the joined column stays one value of stride 0.
        return np.broadcast_to(arrays[0][:1], (sum(len(a) for a in arrays),))
    return np.concatenate(arrays)


def _same_value(arrays: list[np.ndarray]) -> bool:
    first = arrays[0][:1]
    return all(a.dtype == first.dtype and columns_equal({"v": a[:1]}, {"v": first}) for a in arrays[1:])


def _join_ragged(parts: list[tuple[np.ndarray, np.ndarray]], section: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.concatenate([np.diff(offsets) for offsets, _ in parts])
    values = np.concatenate([v for _, v in parts])
    return list_offsets(lengths, section, field), values


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
