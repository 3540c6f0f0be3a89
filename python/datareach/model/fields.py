"""The fields of every section of a model: their kinds, defaults, numeric ranges and the
canonical columns that hold them (docs/design.md §1, §3).

This is the one description of what a model's tables contain; ingestion
(:mod:`datareach.model.ingest`), validation (:mod:`datareach.model.validate`), the
:class:`~datareach.model.Model` and the scenario files all read it. Numeric ranges are
listed in one table, :data:`RANGES`. The C++ core's ``ModelData::validate()`` checks them
again; the Python checks exist so that errors name ids and point at the entry before
anything is compiled.
"""

from __future__ import annotations

import dataclasses
import enum

import numpy as np

__all__ = [
    "FIELDS",
    "FORMAT",
    "INFINITY_TEXT",
    "MAX_COUNT",
    "NODE_KINDS",
    "RANGES",
    "SECTIONS",
    "TOP_LEVEL_FIELDS",
    "Field",
    "FieldType",
    "Range",
    "columns_of",
    "empty_columns",
    "left_out_column",
    "range_of",
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
    # [low, high]: the range a number field (Field.of) is uncertain within, for the
    # sensitivity analyses; two float columns, NaN when left out.
    RANGE = "range"


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
    # For NUMBER: a count (a class's records), held exactly as an int64 whole number; a
    # float column would round counts above 2**53.
    count: bool = False
    # For RANGE: the number field whose point value the range bounds (``p``, ``compels``).
    of: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The table columns that hold this field."""
        if self.type is FieldType.WINDOW:
            return (f"{self.name}_start", f"{self.name}_end")
        if self.type is FieldType.RANGE:
            return (f"{self.name}_low", f"{self.name}_high")
        return (self.name,)


_SOURCE = Field("source", FieldType.REF, target="sources")
_NOTE = Field("note", FieldType.TEXT)
_WINDOW = Field("window", FieldType.WINDOW)
# The range an uncertain p lies in (docs/design.md §5a, sensitivity); the point value p
# must lie within it.
_P_RANGE = Field("p_range", FieldType.RANGE, of="p")

FIELDS: dict[str, tuple[Field, ...]] = {
    "events": (
        Field("id", FieldType.ID, required=True),
        Field("p", FieldType.NUMBER, required=True),
        _P_RANGE,
        _SOURCE,
        _NOTE,
    ),
    "nodes": (
        Field("id", FieldType.ID, required=True),
        Field("kind", FieldType.CHOICE, required=True, choices=NODE_KINDS),
        Field("region", FieldType.REGION),
        Field("territory", FieldType.REGION),
        Field("compels", FieldType.NUMBER),
        Field("compels_range", FieldType.RANGE, of="compels"),
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
        Field("records", FieldType.NUMBER, default=1.0, write_default=True, count=True),
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
        _P_RANGE,
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
    """An interval of finite numbers, each end open or closed; None for an unbounded end.
    With ``infinity``, +inf belongs to it too (a cost: "cannot be removed")."""

    low: float | None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    infinity: bool = False

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Elementwise: finite (or +inf when allowed) and inside the interval."""
        inside: np.ndarray = np.isfinite(values)
        if self.infinity:
            inside |= values == np.inf
        if self.low is not None:
            inside &= values > self.low if self.low_open else values >= self.low
        if self.high is not None:
            inside &= values < self.high if self.high_open else values <= self.high
        return inside

    def describe(self) -> str:
        if self.high is None:
            text = f"must be greater than {self.low:g}" if self.low_open else (f"must be at least {self.low:g}")
            return text
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"must lie in {left}{self.low:g}, {self.high:g}{right}"


PROBABILITY = Range(0.0, 1.0)
SHARE = Range(0.0, 1.0, low_open=True)
NON_NEGATIVE = Range(0.0)
POSITIVE = Range(0.0, low_open=True)
# A cost of removing an arc: +inf means "cannot be removed" (docs/scenario-format.md).
COST = Range(0.0, low_open=True, infinity=True)
# How a number field that may be infinite spells +inf where the syntax has no infinity
# (JSON); YAML writes .inf.
INFINITY_TEXT = "inf"
# The largest count of records: what an int64 column holds exactly.
MAX_COUNT = 2**63 - 1

# Every numeric range of the model, in one place (docs/design.md §1).
RANGES: tuple[tuple[str, str, Range], ...] = (
    ("events", "p", PROBABILITY),
    ("events", "p_range", PROBABILITY),
    ("nodes", "compels", PROBABILITY),
    ("nodes", "compels_range", PROBABILITY),
    ("classes", "sensitivity", NON_NEGATIVE),
    ("classes", "records", NON_NEGATIVE),
    ("placements", "share", SHARE),
    ("flows", "share", SHARE),
    ("access", "p", PROBABILITY),
    ("access", "p_range", PROBABILITY),
    ("access", "cost", COST),
)
_RANGE_OF: dict[tuple[str, str], Range] = {(s, f): r for s, f, r in RANGES}


def range_of(section: str, field: str) -> Range | None:
    """The range a number field of a section must lie in, or None when it has none."""
    return _RANGE_OF.get((section, field))


def columns_of(section: str) -> tuple[str, ...]:
    """The columns of a section's table, in order."""
    return tuple(column for field in FIELDS[section] for column in field.columns)


def _dtype_of(field: Field) -> np.dtype:
    if field.type is FieldType.RANGE:
        return np.dtype(np.float64)
    if field.type is FieldType.NUMBER:
        return np.dtype(np.int64 if field.count else np.float64)
    if field.type is FieldType.WINDOW:
        return np.dtype("datetime64[D]")
    if field.type is FieldType.FLAG:
        return np.dtype(bool)
    return np.dtype(object)


def empty_columns(section: str) -> dict[str, np.ndarray]:
    """The canonical columns of a table with no rows."""
    return {column: np.empty(0, dtype=_dtype_of(field)) for field in FIELDS[section] for column in field.columns}


def left_out_column(field: Field, rows: int) -> np.ndarray:
    """The canonical column of a field that no row gives: one value seen ``rows`` times
    (a read-only view of stride 0, so a left-out field costs no memory per row; tables
    never write into their columns)."""
    if field.type is FieldType.RANGE:
        fill = np.array([np.nan])
    elif field.type is FieldType.NUMBER:
        if field.count:
            fill = np.array([int(field.default or 0)], dtype=np.int64)
        else:
            fill = np.array([np.nan if field.default is None else field.default])
    elif field.type is FieldType.WINDOW:
        fill = np.array([np.datetime64("NaT")], dtype="datetime64[D]")
    elif field.type is FieldType.FLAG:
        fill = np.zeros(1, dtype=bool)
    else:
        fill = np.empty(1, dtype=object)  # None
    return np.broadcast_to(fill, (rows,))
