"""What a valid model is: the fields of every section, and the checks that enforce them.

Every way into a model (a scenario file, ``Model.from_dict``, a builder call, a bulk
DataFrame) is turned into *raw columns* by one of two front ends — :func:`records_to_columns`
for lists of mappings, :func:`frame_to_columns` for DataFrames — and then goes through the
one validator, :func:`normalise`, which checks a whole batch of rows with array operations
and returns the canonical columns the model stores. So a rule is written once and holds
for every entry point, and errors always name ``section[row].field``.

Numeric ranges are listed in one table, :data:`RANGES`. The C++ core's
``ModelData::validate()`` checks them again; these Python checks exist so that errors name
ids and point at the entry before anything is compiled.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import itertools
import math
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from . import dates
from .errors import ModelError, did_you_mean, where

__all__ = [
    "FIELDS",
    "FORMAT",
    "NODE_KINDS",
    "RANGES",
    "SECTIONS",
    "TOP_LEVEL_FIELDS",
    "Field",
    "FieldType",
    "IdIndex",
    "Range",
    "RawColumn",
    "check_name",
    "check_text",
    "columns_of",
    "empty_columns",
    "frame_to_columns",
    "normalise",
    "object_array",
    "plain_data",
    "records_to_columns",
]

FORMAT = "datareach/1"

# Node kinds in the order of the core's NodeKind codes (jurisdiction = 0 ... gateway = 4).
NODE_KINDS: tuple[str, ...] = ("jurisdiction", "organization", "role", "store", "gateway")

# The tables of a model, in the order their entries may refer to each other: a section
# only names entries of sections before it (classes may also name other classes).
SECTIONS: tuple[str, ...] = ("events", "nodes", "classes", "placements", "flows", "access")

# Top-level fields of a scenario file, in the order they are written.
TOP_LEVEL_FIELDS: tuple[str, ...] = (
    "format",
    "name",
    "sources",
    "adversaries",
    "events",
    "nodes",
    "classes",
    "placements",
    "flows",
    "access",
)


class FieldType(enum.Enum):
    ID = "id"  # the entry's own id: a name unique within its section
    NAME = "name"  # a short label (a flow's or arc's kind, a class's category)
    TEXT = "text"  # free text (a note)
    CHOICE = "choice"  # one of Field.choices (a node's kind)
    REGION = "region"  # a region path such as US/VA
    NUMBER = "number"
    REF = "ref"  # the id of an entry of section Field.target
    REFS = "refs"  # a list of such ids
    WINDOW = "window"  # [start, end): two date columns
    ATTRS = "attrs"  # a free mapping of plain data
    FLAG = "flag"  # true or false; left out means false, and files write only true


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of the entries of a section."""

    name: str
    type: FieldType
    required: bool = False
    default: float | None = None  # for numbers: the value of a field left out
    # Whether files write the field when it holds its default (a class's records and
    # sensitivity are worth seeing; a share or cost of 1 is not).
    write_default: bool = False
    target: str | None = None  # for REF / REFS: the section the ids name
    choices: tuple[str, ...] = ()
    # For REFS: whether an empty list is allowed (and then means the same as leaving the
    # field out). An empty class filter is refused: "no class" is never what is meant, and
    # the core reads an empty filter as "every class".
    empty_allowed: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        """The table columns that hold this field."""
        if self.type is FieldType.WINDOW:
            return (f"{self.name}_start", f"{self.name}_end")
        return (self.name,)


_SOURCE = Field("source", FieldType.REF, target="sources")
_NOTE = Field("note", FieldType.TEXT)
_WINDOW = Field("window", FieldType.WINDOW)

FIELDS: dict[str, tuple[Field, ...]] = {
    "events": (
        Field("id", FieldType.ID, required=True),
        Field("p", FieldType.NUMBER, required=True),
        _SOURCE,
        _NOTE,
    ),
    "nodes": (
        Field("id", FieldType.ID, required=True),
        Field("kind", FieldType.CHOICE, required=True, choices=NODE_KINDS),
        Field("region", FieldType.REGION),
        Field("territory", FieldType.REGION),
        Field("compels", FieldType.NUMBER),
        # No jurisdiction rule reaches the node (what-if `disable` sets it; see
        # datareach.changes.Disable). Lowered as ModelData::node_rule_exempt.
        Field("rule_exempt", FieldType.FLAG),
        Field("attrs", FieldType.ATTRS),
        _SOURCE,
        _NOTE,
    ),
    "classes": (
        Field("id", FieldType.ID, required=True),
        Field("sensitivity", FieldType.NUMBER, default=1.0, write_default=True),
        Field("records", FieldType.NUMBER, default=1.0, write_default=True),
        Field("category", FieldType.NAME),
        Field("components", FieldType.REFS, target="classes"),
        _SOURCE,
        _NOTE,
    ),
    "placements": (
        Field("class", FieldType.REF, required=True, target="classes"),
        Field("store", FieldType.REF, required=True, target="nodes"),
        Field("share", FieldType.NUMBER, default=1.0),
        _WINDOW,
        _SOURCE,
        _NOTE,
    ),
    "flows": (
        Field("from", FieldType.REF, required=True, target="nodes"),
        Field("to", FieldType.REF, required=True, target="nodes"),
        Field("classes", FieldType.REFS, target="classes"),
        Field("share", FieldType.NUMBER, default=1.0),
        Field("kind", FieldType.NAME),
        _WINDOW,
        _SOURCE,
        _NOTE,
    ),
    "access": (
        Field("from", FieldType.REF, required=True, target="nodes"),
        Field("to", FieldType.REF, required=True, target="nodes"),
        Field("p", FieldType.NUMBER, required=True),
        Field("classes", FieldType.REFS, target="classes"),
        Field("requires", FieldType.REFS, target="events", empty_allowed=True),
        Field("cost", FieldType.NUMBER, default=1.0),
        Field("kind", FieldType.NAME),
        _WINDOW,
        _SOURCE,
        _NOTE,
    ),
}


@dataclasses.dataclass(frozen=True)
class Range:
    """An interval of finite numbers, each end open or closed; None for an unbounded end."""

    low: float | None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Elementwise: finite and inside the interval."""
        inside = np.isfinite(values)
        if self.low is not None:
            inside &= values > self.low if self.low_open else values >= self.low
        if self.high is not None:
            inside &= values < self.high if self.high_open else values <= self.high
        return inside

    def describe(self) -> str:
        if self.high is None:
            return (
                f"must be greater than {self.low:g}"
                if self.low_open
                else (f"must be at least {self.low:g}")
            )
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"must lie in {left}{self.low:g}, {self.high:g}{right}"


PROBABILITY = Range(0.0, 1.0)
SHARE = Range(0.0, 1.0, low_open=True)
NON_NEGATIVE = Range(0.0)
POSITIVE = Range(0.0, low_open=True)

# Every numeric range of the model, in one place (DESIGN section 1).
RANGES: tuple[tuple[str, str, Range], ...] = (
    ("events", "p", PROBABILITY),
    ("nodes", "compels", PROBABILITY),
    ("classes", "sensitivity", NON_NEGATIVE),
    ("classes", "records", NON_NEGATIVE),
    ("placements", "share", SHARE),
    ("flows", "share", SHARE),
    ("access", "p", PROBABILITY),
    ("access", "cost", POSITIVE),
)
_RANGE_OF: dict[tuple[str, str], Range] = {(s, f): r for s, f, r in RANGES}


def columns_of(section: str) -> tuple[str, ...]:
    """The columns of a section's table, in order."""
    return tuple(column for field in FIELDS[section] for column in field.columns)


def _dtype_of(field: Field) -> np.dtype:
    if field.type is FieldType.NUMBER:
        return np.dtype(np.float64)
    if field.type is FieldType.WINDOW:
        return np.dtype("datetime64[D]")
    if field.type is FieldType.FLAG:
        return np.dtype(bool)
    return np.dtype(object)


def empty_columns(section: str) -> dict[str, np.ndarray]:
    """The canonical columns of a table with no rows."""
    return {
        column: np.empty(0, dtype=_dtype_of(field))
        for field in FIELDS[section]
        for column in field.columns
    }


# --------------------------------------------------------------------------------------
# Id lookup


class IdIndex:
    """The row of every id of a section, kept up to date as rows are appended."""

    # Below this many look-ups a dict probe beats building or probing a pandas Index.
    _SMALL = 32

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
        if len(values) <= self._SMALL:
            return np.fromiter(
                (self._rows.get(v, -1) for v in values), dtype=np.int64, count=len(values)
            )
        if self._index is None:
            self._index = pd.Index(self.array, dtype=object)
        return self._index.get_indexer(values).astype(np.int64, copy=False)


class Context(Protocol):
    """What :func:`normalise` needs to know of the model the rows are added to."""

    def ids(self, section: str) -> IdIndex:
        """The ids of a section (``"sources"`` included)."""
        ...

    def column(self, section: str, name: str) -> np.ndarray:
        """A canonical column of a section's table."""
        ...


# --------------------------------------------------------------------------------------
# Front ends: entries and frames to raw columns


@dataclasses.dataclass
class RawColumn:
    """Values of one column as given, and which of them were left out.

    The front end decides what "left out" means: an absent key or ``None`` in a mapping;
    also NaN/NA in a DataFrame, where pandas marks missing values that way.
    """

    values: np.ndarray
    missing: np.ndarray


def object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of ``values``, keeping lists as single elements (np.array
    would make them a second axis)."""
    return np.fromiter(values, dtype=object, count=len(values))


def records_to_columns(
    section: str, records: Sequence[Any], first_row: int
) -> dict[str, RawColumn]:
    """Raw columns from a list of entries (mappings), as in a scenario file.

    Checks the shape of each entry: a mapping, no unknown field, a window as a pair.
    """
    fields = FIELDS[section]
    known = [field.name for field in fields]
    values: dict[str, list[Any]] = {column: [] for column in columns_of(section)}
    for offset, record in enumerate(records):
        row = first_row + offset
        if not isinstance(record, Mapping):
            raise ModelError(
                f"must be a mapping of fields, got {_describe(record)}", where=where(section, row)
            )
        for key in record:
            if key not in known:
                name = key if isinstance(key, str) else repr(key)
                raise ModelError(
                    f"unknown field{did_you_mean(str(key), known)}",
                    where=where(section, row, name),
                )
        for field in fields:
            value = record.get(field.name)
            if field.type is FieldType.WINDOW:
                start, end = _split_window(value, where(section, row, field.name))
                values[field.columns[0]].append(start)
                values[field.columns[1]].append(end)
            else:
                values[field.name].append(value)
    columns = {}
    for column, items in values.items():
        array = object_array(items)
        columns[column] = RawColumn(array, array == None)  # noqa: E711 (elementwise)
    return columns


def _split_window(value: Any, location: str) -> tuple[Any, Any]:
    if value is None:
        return None, None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    raise ModelError(
        f"must be [start, end] with dates YYYY-MM-DD (either may be null), got {_describe(value)}",
        where=location,
    )


def frame_to_columns(
    section: str, frame: pd.DataFrame | Mapping[str, Any], first_row: int
) -> tuple[dict[str, RawColumn], int]:
    """Raw columns from a DataFrame (or a mapping of column name to array), and its length.

    Column names are those of the section's table; NaN, None and NA mark missing values.
    """
    if not isinstance(frame, (pd.DataFrame, Mapping)):
        raise ModelError(
            f"must be a DataFrame or a mapping of column name to array, got {_describe(frame)}",
            where=section,
        )
    known = columns_of(section)
    required = [f.name for f in FIELDS[section] if f.required]
    names = list(frame.keys())
    for name in names:
        if name not in known:
            raise ModelError(
                f"unknown column{did_you_mean(str(name), known)}",
                where=f"{section}.{name}",
            )
    for name in required:
        if name not in names:
            raise ModelError("missing required column", where=f"{section}.{name}")
    arrays = {name: _column_array(frame[name], f"{section}.{name}") for name in names}
    lengths = {len(array) for array in arrays.values()}
    if len(lengths) > 1:
        raise ModelError(f"columns have different lengths {sorted(lengths)}", where=section)
    rows = lengths.pop() if lengths else 0
    # One shared column stands for every column the frame leaves out (only read).
    absent = RawColumn(np.empty(rows, dtype=object), np.ones(rows, dtype=bool))
    columns = {}
    for name in known:
        if name in arrays:
            array = arrays[name]
            columns[name] = RawColumn(array, np.asarray(pd.isna(array), dtype=bool))
        else:
            columns[name] = absent
    return columns, rows


def _column_array(values: Any, location: str) -> np.ndarray:
    """One column as a 1-D NumPy array; pandas' nullable numbers become float with NaN."""
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if (
            isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and pd.api.types.is_numeric_dtype(dtype)
            and not pd.api.types.is_bool_dtype(dtype)
        ):
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        array = values.to_numpy()
    elif isinstance(values, (list, tuple)):
        array = object_array(values)
    else:
        try:
            array = np.asarray(values)
        except (TypeError, ValueError) as error:
            raise ModelError(f"not a column of values: {error}", where=location) from None
    if array.ndim != 1:
        raise ModelError(f"must be one-dimensional, got shape {array.shape}", where=location)
    if array.dtype.kind in "US":
        array = array.astype(object)
    return array


# --------------------------------------------------------------------------------------
# The validator


def normalise(
    section: str, raw: Mapping[str, RawColumn], first_row: int, context: Context
) -> dict[str, np.ndarray]:
    """Check a batch of new rows of ``section`` against the model and return its canonical
    columns: strings and id lists as objects (None when left out), numbers as float64
    (defaults filled, NaN for a left-out ``compels``), windows as ``datetime64[D]`` (NaT
    for an open side).

    Raises :class:`ModelError` naming ``section[row].field`` of the first problem found
    (fields are checked in the order of :data:`FIELDS`).
    """
    if not len(next(iter(raw.values())).values):
        return empty_columns(section)
    batch = _Batch(section, first_row, context)
    for field in FIELDS[section]:
        batch.add_field(field, raw)
    _CROSS_CHECKS.get(section, _no_cross_check)(batch)
    return batch.columns


class _Batch:
    """The rows being added to one section while they are checked."""

    def __init__(self, section: str, first_row: int, context: Context) -> None:
        self.section = section
        self.first_row = first_row
        self.context = context
        self.columns: dict[str, np.ndarray] = {}
        # Row (in the target section) of every REF value, -1 where left out.
        self.positions: dict[str, np.ndarray] = {}
        # For REFS: (rows that gave a list, offsets into flat, flat positions in target).
        self.ragged_positions: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.ids: IdIndex | None = None  # the batch's own ids, for self-references

    def locate(self, field: str) -> Callable[[int], str]:
        return lambda i: where(self.section, self.first_row + int(i), field)

    def fail(self, row: int, field: str, reason: str) -> ModelError:
        return ModelError(reason, where=self.locate(field)(row))

    def add_field(self, field: Field, raw: Mapping[str, RawColumn]) -> None:
        if field.type is FieldType.WINDOW:
            self._add_window(field, raw[field.columns[0]], raw[field.columns[1]])
            return
        column = raw[field.name]
        if field.required and column.missing.any():
            raise self.fail(int(np.argmax(column.missing)), field.name, "is required")
        if column.missing.all():  # nothing given (common for one row from a builder)
            self.columns[field.name] = _left_out(field, len(column.values))
            return
        handler = {
            FieldType.ID: self._add_id,
            FieldType.NAME: self._add_name,
            FieldType.TEXT: self._add_text,
            FieldType.CHOICE: self._add_choice,
            FieldType.REGION: self._add_region,
            FieldType.NUMBER: self._add_number,
            FieldType.REF: self._add_ref,
            FieldType.REFS: self._add_refs,
            FieldType.ATTRS: self._add_attrs,
            FieldType.FLAG: self._add_flag,
        }[field.type]
        handler(field, column)

    # -- strings -------------------------------------------------------------------------

    def _strings(
        self,
        field: Field,
        column: RawColumn,
        check: Callable[[str], str | None],
        rows: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[str]]:
        """Factorise a string column: (codes with -1 where missing, distinct values).

        ``check`` runs once per distinct value and returns why it is bad, or None.
        ``rows`` maps each element to its batch row when the column is the flattened
        elements of lists.
        """

        def fail(element: int, reason: str) -> ModelError:
            row = element if rows is None else int(rows[element])
            return self.fail(row, field.name, reason)

        present = np.flatnonzero(~column.missing)
        given = column.values[present]
        if len(given) and pd.api.types.infer_dtype(given, skipna=False) != "string":
            bad = next(i for i, value in enumerate(given) if not isinstance(value, str))
            raise fail(int(present[bad]), _must_be_string(given[bad]))
        codes, uniques = _factorize(column.values, present)
        canonical: list[str] = []
        for code, value in enumerate(uniques):
            reason = check(value)
            if reason is not None:
                raise fail(int(np.argmax(codes == code)), reason)
            canonical.append(str(value))  # a plain str, not a numpy.str_ subclass
        return codes, canonical

    def _store_strings(self, field: Field, codes: np.ndarray, canonical: list[str]) -> None:
        table = np.array([*canonical, None], dtype=object)
        self.columns[field.name] = table[codes]  # code -1 picks the trailing None

    def _add_id(self, field: Field, column: RawColumn) -> None:
        codes, canonical = self._strings(field, column, _name_problem)
        counts = np.bincount(codes, minlength=len(canonical))
        if (counts > 1).any():
            code = int(np.argmax(counts > 1))
            first, second = np.flatnonzero(codes == code)[:2]
            earlier = where(self.section, self.first_row + int(first))
            raise self.fail(
                int(second), field.name, f"duplicate id {canonical[code]!r} (also {earlier})"
            )
        existing = self.context.ids(self.section)
        known = existing.positions(object_array(canonical))
        if (known >= 0).any():
            code = int(np.argmax(known >= 0))
            earlier = where(self.section, int(known[code]))
            raise self.fail(
                int(np.argmax(codes == code)),
                field.name,
                f"duplicate id {canonical[code]!r} (also {earlier})",
            )
        self._store_strings(field, codes, canonical)
        self.ids = IdIndex(self.columns[field.name])

    def _add_name(self, field: Field, column: RawColumn) -> None:
        self._store_strings(field, *self._strings(field, column, _name_problem))

    def _add_text(self, field: Field, column: RawColumn) -> None:
        self._store_strings(field, *self._strings(field, column, _text_problem))

    def _add_region(self, field: Field, column: RawColumn) -> None:
        self._store_strings(field, *self._strings(field, column, _region_problem))

    def _add_choice(self, field: Field, column: RawColumn) -> None:
        def check(value: str) -> str | None:
            if value in field.choices:
                return None
            return (
                f"unknown {field.name} {value!r}{did_you_mean(value, field.choices)}; "
                f"one of {', '.join(field.choices)}"
            )

        self._store_strings(field, *self._strings(field, column, check))

    # -- references ----------------------------------------------------------------------

    def _resolve(self, field: Field, values: np.ndarray) -> np.ndarray:
        """Rows (in field.target) of distinct id strings; -1 where unknown."""
        assert field.target is not None
        found = self.context.ids(field.target).positions(values)
        if field.target == self.section and self.ids is not None:  # ids of this batch
            own = self.ids.positions(values)
            offset = len(self.context.ids(self.section))
            found = np.where((found < 0) & (own >= 0), own + offset, found)
        return found

    def _unknown(self, field: Field, value: str) -> str:
        assert field.target is not None
        candidates = list(self.context.ids(field.target).array)
        if field.target == self.section and self.ids is not None:
            candidates += list(self.ids.array)
        noun = _NOUN[field.target]
        return f"unknown {noun} {value!r}{did_you_mean(value, candidates)}"

    def _target_ids(self, field: Field) -> np.ndarray:
        assert field.target is not None
        ids = self.context.ids(field.target).array
        if field.target == self.section and self.ids is not None:
            ids = np.concatenate([ids, self.ids.array])
        return ids

    def _add_ref(self, field: Field, column: RawColumn) -> None:
        codes, canonical = self._strings(field, column, _no_problem)
        unique_positions = self._resolve(field, object_array(canonical))
        if (unique_positions < 0).any():
            code = int(np.argmax(unique_positions < 0))
            raise self.fail(
                int(np.argmax(codes == code)), field.name, self._unknown(field, canonical[code])
            )
        positions = np.append(unique_positions, -1)[codes]  # code -1 (left out) stays -1
        self.positions[field.name] = positions
        # Store the target's own id objects: one string object per id, however many rows.
        ids = np.concatenate([self._target_ids(field), object_array([None])])
        self.columns[field.name] = ids[positions]  # position -1 picks the trailing None

    def _add_refs(self, field: Field, column: RawColumn) -> None:
        noun = _NOUN[field.target or ""]
        rows = np.flatnonzero(~column.missing)
        lists = column.values[rows]
        if not all(issubclass(kind, _LIST_TYPES) for kind in set(map(type, lists))):
            bad = next(i for i, value in enumerate(lists) if not isinstance(value, _LIST_TYPES))
            raise self.fail(
                int(rows[bad]),
                field.name,
                f"must be a list of {noun} ids, got {_describe(lists[bad])}",
            )
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        if not field.empty_allowed and (lengths == 0).any():
            reason = f"must name at least one {noun}"
            if field.name == "classes":
                reason += "; leave the field out to mean every class"
            raise self.fail(int(rows[np.argmax(lengths == 0)]), field.name, reason)
        keep = lengths > 0  # an allowed empty list means the same as no list
        rows, lists, lengths = rows[keep], lists[keep], lengths[keep]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        flat = np.fromiter(
            itertools.chain.from_iterable(lists), dtype=object, count=int(offsets[-1])
        )
        flat_rows = np.repeat(rows, lengths)  # the batch row of every element
        codes, canonical = self._strings(
            field, RawColumn(flat, np.zeros(len(flat), bool)), _no_problem, flat_rows
        )
        unique_positions = self._resolve(field, object_array(canonical))
        if (unique_positions < 0).any():
            code = int(np.argmax(unique_positions < 0))
            element = int(np.argmax(codes == code))
            raise self.fail(
                int(flat_rows[element]), field.name, self._unknown(field, canonical[code])
            )
        positions = unique_positions[codes]
        targets = self._target_ids(field)
        # The same id twice in one list is a slip (a copy-paste, or a typo for another id).
        key = flat_rows.astype(np.int64) * (len(targets) + 1) + positions
        _, first = np.unique(key, return_index=True)
        if len(first) != len(key):
            repeated = int(np.setdiff1d(np.arange(len(key)), first)[0])
            raise self.fail(
                int(flat_rows[repeated]),
                field.name,
                f"names {str(targets[positions[repeated]])!r} twice",
            )
        out = np.full(len(column.values), None, dtype=object)
        if len(rows):
            out[rows] = object_array(list(map(tuple, np.split(targets[positions], offsets[1:-1]))))
        self.columns[field.name] = out
        self.ragged_positions[field.name] = (rows, offsets, positions)

    # -- numbers, dates, mappings --------------------------------------------------------

    def _add_number(self, field: Field, column: RawColumn) -> None:
        values = column.values
        present = ~column.missing
        numbers = np.full(len(values), np.nan)
        if values.dtype.kind in "iuf":
            numbers = values.astype(np.float64)
        elif values.dtype.kind == "O":
            given = values[present]
            kind = pd.api.types.infer_dtype(given, skipna=False)
            if kind not in ("integer", "floating", "mixed-integer-float"):
                bad = next((i for i, v in enumerate(given) if not _is_number(v)), None)
                if bad is not None:
                    row = int(np.flatnonzero(present)[bad])
                    raise self.fail(row, field.name, _must_be_number(given[bad]))
            try:
                numbers[present] = given.astype(np.float64)
            except OverflowError:
                bad = next(i for i, v in enumerate(given) if not _fits_float(v))
                row = int(np.flatnonzero(present)[bad])
                raise self.fail(row, field.name, f"is too large a number: {given[bad]}") from None
        else:  # bool, dates, ...
            row = int(np.argmax(present))
            raise self.fail(row, field.name, _must_be_number(values[row]))
        if field.default is not None:
            numbers = np.where(column.missing, field.default, numbers)
        rule = _RANGE_OF.get((self.section, field.name))
        if rule is not None:
            bad_rows = present & ~rule.contains(numbers)
            if bad_rows.any():
                row = int(np.argmax(bad_rows))
                value = numbers[row]
                reason = (
                    f"must be a finite number, got {value}"
                    if not math.isfinite(value)
                    else f"{rule.describe()}, got {value:g}"
                )
                raise self.fail(row, field.name, reason)
        self.columns[field.name] = numbers

    def _add_window(self, field: Field, start: RawColumn, end: RawColumn) -> None:
        if start.missing.all() and end.missing.all():
            for name in field.columns:
                self.columns[name] = _left_out(field, len(start.values))
            return
        bounds = []
        for side, column in enumerate((start, end)):
            values = column.values
            if values.dtype.kind != "M":  # make every left-out value None
                values = values.astype(object)  # a copy
                values[column.missing] = None
            bounds.append(dates.column_to_dates(values, self.locate(f"{field.name}[{side}]")))
        first, last = bounds
        inverted = ~np.isnat(first) & ~np.isnat(last) & (first >= last)
        if inverted.any():
            row = int(np.argmax(inverted))
            raise self.fail(
                row,
                field.name,
                f"start {first[row]} must come before end {last[row]} (the end is excluded)",
            )
        self.columns[field.columns[0]] = first
        self.columns[field.columns[1]] = last

    def _add_flag(self, field: Field, column: RawColumn) -> None:
        values = column.values
        if values.dtype.kind == "b":
            self.columns[field.name] = values.copy()
            return
        out = np.zeros(len(values), dtype=bool)
        for row in np.flatnonzero(~column.missing).tolist():
            value = values[row]
            if not isinstance(value, (bool, np.bool_)):
                raise self.fail(row, field.name, f"must be true or false, got {_describe(value)}")
            out[row] = bool(value)
        self.columns[field.name] = out

    def _add_attrs(self, field: Field, column: RawColumn) -> None:
        out = np.full(len(column.values), None, dtype=object)
        for row in np.flatnonzero(~column.missing).tolist():
            value = column.values[row]
            location = self.locate(field.name)(row)
            if not isinstance(value, Mapping):
                raise ModelError(f"must be a mapping, got {_describe(value)}", where=location)
            out[row] = plain_data(value, location)
        self.columns[field.name] = out


# --------------------------------------------------------------------------------------
# Checks across fields and sections


def _no_cross_check(batch: _Batch) -> None:
    return None


def _check_nodes(batch: _Batch) -> None:
    kinds = batch.columns["kind"]
    has_territory = batch.columns["territory"] != None  # noqa: E711 (elementwise)
    has_rule = ~np.isnan(batch.columns["compels"])
    jurisdiction = kinds == "jurisdiction"
    for name, has in (("territory", has_territory), ("compels", has_rule)):
        misplaced = has & ~jurisdiction
        if misplaced.any():
            row = int(np.argmax(misplaced))
            raise batch.fail(
                row, name, f"only a jurisdiction has {name}; this node is a {kinds[row]}"
            )
    for name, other, has, has_other in (
        ("compels", "territory", has_rule, has_territory),
        ("territory", "compels", has_territory, has_rule),
    ):
        lonely = has_other & ~has
        if lonely.any():
            raise batch.fail(
                int(np.argmax(lonely)),
                name,
                f"a jurisdiction with {other} needs {name} too (give both or neither)",
            )


def _require_stores(batch: _Batch, *fields: str) -> None:
    node_kinds = batch.context.column("nodes", "kind")
    for name in fields:
        kinds = node_kinds[batch.positions[name]]
        wrong = kinds != "store"
        if wrong.any():
            row = int(np.argmax(wrong))
            raise batch.fail(
                row,
                name,
                f"{batch.columns[name][row]!r} is a {kinds[row]}, not a store",
            )


def _check_placements(batch: _Batch) -> None:
    components = batch.context.column("classes", "components")[batch.positions["class"]]
    composite = components != None  # noqa: E711 (elementwise)
    if composite.any():
        row = int(np.argmax(composite))
        raise batch.fail(
            row,
            "class",
            f"{batch.columns['class'][row]!r} is a composite class; place its components",
        )
    _require_stores(batch, "store")


def _check_flows(batch: _Batch) -> None:
    _require_stores(batch, "from", "to")


def _check_classes(batch: _Batch) -> None:
    """Composite classes may not contain themselves, directly or through others.

    Rows already in the model only name classes added before them, so a cycle can only
    run through the classes of this batch; a depth-first search over them finds it.
    """
    if "components" not in batch.ragged_positions:
        return
    rows, offsets, flat = batch.ragged_positions["components"]
    base = len(batch.context.ids("classes"))
    children: dict[int, list[int]] = {
        int(row): [int(p) - base for p in flat[offsets[i] : offsets[i + 1]] if p >= base]
        for i, row in enumerate(rows)
    }
    ids = batch.columns["id"]
    on_path, done = 1, 2
    state: dict[int, int] = {}
    for root in children:
        if root in state:
            continue
        path, pending = [root], [iter(children[root])]
        state[root] = on_path
        while pending:
            child = next(pending[-1], None)
            if child is None:
                pending.pop()
                state[path.pop()] = done
            elif state.get(child) == on_path:
                # Name the cycle from the class whose list closes it.
                cycle = path[path.index(child) :]
                cycle = cycle[-1:] + cycle[:-1]
                names = " → ".join(str(ids[c]) for c in [*cycle, cycle[0]])
                raise batch.fail(path[-1], "components", f"cycle {names}")
            elif child not in state and child in children:
                state[child] = on_path
                path.append(child)
                pending.append(iter(children[child]))


_CROSS_CHECKS: dict[str, Callable[[_Batch], None]] = {
    "nodes": _check_nodes,
    "classes": _check_classes,
    "placements": _check_placements,
    "flows": _check_flows,
}

_NOUN = {
    "nodes": "node",
    "classes": "class",
    "events": "event",
    "sources": "source",
    "placements": "placement",
    "flows": "flow",
    "access": "arc",
    "": "entry",
}


# --------------------------------------------------------------------------------------
# Single values


def _describe(value: Any) -> str:
    """``type value`` for messages, NumPy scalars shown as the Python values they hold."""
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


_LIST_TYPES = (list, tuple, np.ndarray)


def _left_out(field: Field, rows: int) -> np.ndarray:
    """The canonical column of a field that no row gives."""
    if field.type is FieldType.NUMBER:
        return np.full(rows, np.nan if field.default is None else field.default)
    if field.type is FieldType.WINDOW:
        return np.full(rows, np.datetime64("NaT"), dtype="datetime64[D]")
    if field.type is FieldType.FLAG:
        return np.zeros(rows, dtype=bool)
    return np.empty(rows, dtype=object)  # NumPy fills object arrays with None


def _factorize(values: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(code of each value, -1 where left out; the distinct values in order of first
    appearance) for hashable ``values`` at rows ``present``."""
    if len(values) > IdIndex._SMALL:
        column = values
        if len(present) < len(values):  # left-out rows may hold NaN or NA: make them None
            column = np.empty(len(values), dtype=object)
            column[present] = values[present]
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), list(uniques)
    seen: dict[Any, int] = {}  # a few values: a dict beats pandas' set-up cost
    codes = np.full(len(values), -1, dtype=np.int64)
    for row in present.tolist():
        codes[row] = seen.setdefault(values[row], len(seen))
    return codes, list(seen)


def _no_problem(value: str) -> str | None:
    return None


def _fits_float(value: Any) -> bool:
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _must_be_string(value: Any) -> str:
    return f"must be a string, got {_describe(value)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _must_be_number(value: Any) -> str:
    return f"must be a number, got {_describe(value)}"


def _name_problem(value: str) -> str | None:
    """Why a string cannot be an id or label, or None.

    Ids are written into files and messages as they are, so they must be visible text:
    not empty, no control characters, no spaces around them.
    """
    if not value:
        return "must not be empty"
    if not value.isprintable():
        return f"must be printable text without control characters, got {value!r}"
    if value != value.strip():
        return f"must not start or end with spaces, got {value!r}"
    return None


def _text_problem(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"must be valid Unicode text, got {value!r}"
    return None


def _region_problem(value: str) -> str | None:
    problem = _name_problem(value)
    if problem is None and any(part != part.strip() or not part for part in value.split("/")):
        problem = f"must be a path of names separated by '/' such as 'US/VA', got {value!r}"
    return problem


def check_name(value: Any, location: str) -> str:
    """An id or label given on its own (a source id, an adversary): a visible string."""
    reason = _must_be_string(value) if not isinstance(value, str) else _name_problem(value)
    if reason is not None:
        raise ModelError(reason, where=location)
    return str(value)


def check_text(value: Any, location: str) -> str:
    """Free text given on its own (a model's name)."""
    reason = _must_be_string(value) if not isinstance(value, str) else _text_problem(value)
    if reason is not None:
        raise ModelError(reason, where=location)
    return str(value)


def plain_data(value: Any, location: str) -> Any:
    """A deep copy of free data (node attrs, source fields) in the types every file format
    writes back unchanged: str, int, finite float, bool, None, lists and str-keyed
    mappings. Dates become ISO strings, NumPy scalars Python ones; anything else is an
    error."""
    try:
        return _plain(value, location, [_MAX_PLAIN_ITEMS])
    except RecursionError:
        raise ModelError("is nested too deeply (or contains itself)", where=location) from None


# YAML aliases can make a small file expand into an exponential amount of data ("billion
# laughs"); free data beyond this many items is refused instead of copied.
_MAX_PLAIN_ITEMS = 1_000_000


def _plain(value: Any, location: str, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ModelError(f"holds more than {_MAX_PLAIN_ITEMS} items", where=location)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_text(value, location)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise ModelError(f"must be a finite number, got {value}", where=location)
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ModelError(f"keys must be strings, got {_describe(key)}", where=location)
            copy[check_text(key, location)] = _plain(item, f"{location}.{key}", budget)
        return copy
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{location}[{i}]", budget) for i, item in enumerate(value)]
    raise ModelError(
        f"must be plain data (text, numbers, lists, mappings), got {_describe(value)}",
        where=location,
    )
