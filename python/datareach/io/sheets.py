"""The mapping between a model and the rows of a spreadsheet, shared by the XLSX reader
and writer (:mod:`~datareach.io.xlsx`) and the CSV folder (:mod:`~datareach.io.csv_folder`):
which sheets and columns there are, how a value is written in a cell and read back, and how
an error of the one validator (``access[3].to``) is named by sheet, row and column
(``access, row 5, column to``). docs/scenario-format.md, "Spreadsheets", is the reference.

A workbook has one sheet per part of a scenario: ``model`` (the format, name and default
adversaries, one row per field), ``sources`` and one per section, whose columns are the
section's table columns (``Model.access`` and its siblings): a window is two columns
``window_start`` / ``window_end``, a range ``<field>_low`` / ``<field>_high``. A list of
ids is one cell ``a; b`` (:mod:`datareach.model.lists`), ``attrs`` and the free fields of a
source are a JSON object in one cell.

Reading never decides on its own what a value means: the cells become a scenario mapping
(numbers parsed, lists split, JSON decoded) which goes through ``Model.from_dict`` and so
through every check a YAML file gets; only what the validator cannot see (a formula, an
unknown sheet or column, a cell the mapping cannot hold) is refused here.

**Text cells.** A blank cell means "not given". A cell that starts with an apostrophe
``'`` has it dropped on reading (as Excel's own typing convention does), which is how the
writers keep every text exact: the empty text is written ``'``, text that starts with ``'``
gets a second one, and in CSV files text that a spreadsheet program would take for a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets one too.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import ModelError, cut, describe, did_you_mean, quote
from ..model import Model
from ..model.fields import FIELDS, FORMAT, SECTIONS, FieldType
from ..model.lists import join_list_cell, split_list_cell
from .json_reader import parse_json

__all__ = [
    "MODEL_FIELDS",
    "SHEETS",
    "SHEET_ORDER",
    "SOURCE_TEXT_FIELDS",
    "CellKind",
    "Column",
    "ErrorCell",
    "FormulaCell",
    "RawSheet",
    "SheetError",
    "SheetSpec",
    "SheetTable",
    "check_sheet_names",
    "decode_text",
    "encode_text",
    "model_from_sheets",
    "model_sheets",
    "parse_number",
]

# The sheets of a workbook (and the files of a CSV folder), in the order they are written.
SHEET_ORDER: tuple[str, ...] = ("model", "sources", *SECTIONS)
# A sheet of explanations that a template holds: skipped on reading.
README_SHEET = "README"
# The rows of the model sheet.
MODEL_FIELDS: tuple[str, ...] = ("format", "name", "adversaries")
# Source fields that have a column of their own when their value is text; every other field
# (and a non-text value of these) goes into the JSON object of the ``fields`` column.
SOURCE_TEXT_FIELDS: tuple[str, ...] = ("title", "publisher", "date", "url")

# How a reader marks text (see the module docstring), and what a spreadsheet program reads as
# the start of a formula in a CSV file.
QUOTE = "'"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CellKind(enum.Enum):
    TEXT = "text"  # ids, labels, free text, dates of a source: a text cell
    NUMBER = "number"  # a float field: a number cell (or its digits as text, or inf)
    COUNT = "count"  # records: a whole number, exact up to 2**63 - 1
    DATE = "date"  # one side of a window: YYYY-MM-DD as text, or a date cell
    FLAG = "flag"  # true / false
    LIST = "list"  # ids as ``a; b``
    JSON = "json"  # a JSON object (attrs, a source's other fields)


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, the entry field it holds (``part`` 0 or 1 of a
    window or range) and how its cells are read."""

    name: str
    field: str
    kind: CellKind
    part: int | None = None
    required: bool = False


@dataclasses.dataclass(frozen=True)
class SheetSpec:
    """The columns of one sheet, in the order they are written."""

    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)


def _section_columns(section: str) -> tuple[Column, ...]:
    columns: list[Column] = []
    for field in FIELDS[section]:
        if field.type is FieldType.WINDOW:
            columns += [Column(name, field.name, CellKind.DATE, part) for part, name in enumerate(field.columns)]
        elif field.type is FieldType.RANGE:
            columns += [Column(name, field.name, CellKind.NUMBER, part) for part, name in enumerate(field.columns)]
        else:
            kind = {
                FieldType.NUMBER: CellKind.COUNT if field.count else CellKind.NUMBER,
                FieldType.REFS: CellKind.LIST,
                FieldType.ATTRS: CellKind.JSON,
                FieldType.FLAG: CellKind.FLAG,
            }.get(field.type, CellKind.TEXT)
            columns.append(Column(field.name, field.name, kind, required=field.required))
    return tuple(columns)


SHEETS: dict[str, SheetSpec] = {
    "model": SheetSpec(
        "model", (Column("field", "field", CellKind.TEXT, required=True), Column("value", "value", CellKind.TEXT))
    ),
    "sources": SheetSpec(
        "sources",
        (
            Column("id", "id", CellKind.TEXT, required=True),
            *(Column(name, name, CellKind.TEXT) for name in SOURCE_TEXT_FIELDS),
            Column("fields", "fields", CellKind.JSON),
        ),
    ),
    **{section: SheetSpec(section, _section_columns(section)) for section in SECTIONS},
}
# The kind of each row's value in the model sheet.
_MODEL_KINDS = {"format": CellKind.TEXT, "name": CellKind.TEXT, "adversaries": CellKind.LIST}
# Excel's limits: a sheet beyond them is no spreadsheet.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384


# -- cells -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FormulaCell:
    """A cell holding a formula: never evaluated, always refused."""


@dataclasses.dataclass(frozen=True)
class ErrorCell:
    """A cell holding an error value such as ``#N/A``."""

    code: str


# A value written into a cell: text, a number, a flag, or None for a blank cell.
CellValue = str | int | float | bool | None


def encode_text(text: str, *, guard_formulas: bool) -> str:
    """The cell text of ``text`` (see the module docstring): an apostrophe before the empty
    text, before text starting with one, and with ``guard_formulas`` before text that a
    spreadsheet program would read as a formula."""
    if not text or text.startswith(QUOTE) or (guard_formulas and text.startswith(FORMULA_STARTS)):
        return QUOTE + text
    return text


def decode_text(text: str) -> str:
    """The text of a cell: a leading apostrophe dropped."""
    return text[1:] if text.startswith(QUOTE) else text


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Python refuses to read integers longer than this (its int/str limit is 4,300 digits).
_MAX_DIGITS = 4_000


def parse_number(text: str) -> int | float | None:
    """The number a text cell spells (``7``, ``0.25``, ``1.5e8``, ``inf``), or None."""
    text = text.strip()
    if text.lower() == "inf":
        return math.inf
    if _INTEGER.fullmatch(text):
        return int(text) if len(text) <= _MAX_DIGITS else None
    if _DECIMAL.fullmatch(text):
        number = float(text)
        return number if math.isfinite(number) else None  # 1e999 is no number, not infinity
    return None


def _blank(value: Any) -> bool:
    return value is None or value == ""


class _CellProblem(Exception):
    """A cell whose content no entry can hold; the caller names the cell."""


def _decode(kind: CellKind, value: Any) -> Any:
    """The scenario value of a non-blank cell. Values of the wrong type are passed on as
    they are, for the validator to name; only what a mapping cannot hold is refused."""
    if isinstance(value, FormulaCell):
        raise _CellProblem("holds a formula; formulas are never evaluated: enter the value itself")
    if isinstance(value, ErrorCell):
        raise _CellProblem(f"holds the error value {quote(value.code, 20)}")
    text = decode_text(value) if isinstance(value, str) else None
    if kind is CellKind.TEXT:
        return value if text is None else text
    if kind in (CellKind.NUMBER, CellKind.COUNT):
        if text is None:
            return value
        number = parse_number(text)
        return text if number is None else number
    if kind is CellKind.DATE:
        if isinstance(value, datetime.datetime) and value.time() == datetime.time():
            return value.date()  # a date cell: Excel holds dates as midnight
        return value if text is None else text
    if kind is CellKind.FLAG:
        if text is not None and text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        return value if text is None else text
    if kind is CellKind.LIST:
        if text is None:
            raise _CellProblem(f"must be text: ids separated by ';' (such as 'a; b'), got {describe(value)}")
        try:
            return split_list_cell(text)
        except ValueError as error:
            raise _CellProblem(str(error)) from None
    if text is None:
        raise _CellProblem(f'must be a JSON object as text (such as {{"owner": "x"}}), got {describe(value)}')
    try:
        data = parse_json(text)
    except ModelError as error:
        raise _CellProblem(str(error)) from None
    if not isinstance(data, dict):
        raise _CellProblem(f'must be a JSON object (such as {{"owner": "x"}}), got {describe(data)}')
    return data


# -- errors ------------------------------------------------------------------------------


class SheetError(ModelError):
    """A mistake in a spreadsheet, named by sheet, row and column: ``where`` is
    ``access, row 5, column to`` (rows in the spreadsheet's numbering: the header is row
    1), ``entry`` the location the validator gave (``access[3].to``) when it found it."""

    def __init__(
        self,
        reason: str,
        *,
        sheet: str,
        row: int | None = None,
        columns: Sequence[str] = (),
        entry: str | None = None,
    ) -> None:
        super().__init__(reason, where=_location(sheet, row, columns))
        self.sheet = sheet
        self.row = row
        self.columns = tuple(columns)
        self.entry = entry

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its fields (pickled to another process, say), not from its message.
        return (_sheet_error, (self.reason, self.sheet, self.row, self.columns, self.entry))


def _sheet_error(reason: str, sheet: str, row: int | None, columns: Sequence[str], entry: str | None) -> SheetError:
    return SheetError(reason, sheet=sheet, row=row, columns=columns, entry=entry)


def _location(sheet: str, row: int | None, columns: Sequence[str]) -> str:
    parts = [sheet]
    if row is not None:
        parts.append(f"row {row:,}")
    if len(columns) == 1:
        parts.append(f"column {columns[0]}")
    elif columns:
        parts.append(f"columns {' and '.join(columns)}")
    return ", ".join(parts)


# -- reading -----------------------------------------------------------------------------


@dataclasses.dataclass
class RawSheet:
    """A sheet as a reader found it: ``rows`` are (row number, cells), the header row
    numbered 1; cells are None, text, numbers, flags, dates, :class:`FormulaCell` or
    :class:`ErrorCell`. ``label`` names the sheet in messages (``access``, ``access.csv``);
    ``letters``: whether columns without a header are named by letter (A, B, ...) or by
    number."""

    name: str
    label: str
    rows: list[tuple[int, Sequence[Any]]]
    letters: bool = True


def _column_label(index: int, letters: bool) -> str:
    """Column ``index`` (0-based) as a spreadsheet names it: ``G`` or ``7``."""
    if not letters:
        return str(index + 1)
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


@dataclasses.dataclass
class _Read:
    """A sheet's entries and where each came from."""

    sheet: RawSheet
    spec: SheetSpec
    entries: list[dict[str, Any]]
    rows: list[int]  # the sheet row of each entry
    # (entry, field) -> the column a field came from, where a field has several candidates
    origins: dict[tuple[int, str], str] = dataclasses.field(default_factory=dict)


def _read_sheet(sheet: RawSheet, spec: SheetSpec) -> _Read:
    """The entries of one sheet, each a mapping of the fields its row gives."""
    read = _Read(sheet, spec, [], [])
    rows = [(number, cells) for number, cells in sheet.rows if not all(_blank(cell) for cell in cells)]
    if not rows:
        return read
    header_number, header_cells = rows[0]
    if header_number != 1:
        raise SheetError("row 1 must hold the column names (it is blank)", sheet=sheet.label, row=1)
    columns = _header(sheet, spec, header_cells)
    present = {column.name for column in columns if column is not None}
    body = rows[1:]
    if body:
        for column in spec.columns:
            if column.required and column.name not in present:
                raise SheetError(f"missing required column {quote(column.name)}", sheet=sheet.label, row=1, columns=())
    for number, cells in body:
        read.entries.append(_row_entry(sheet, columns, number, cells))
        read.rows.append(number)
    return read


def _header(sheet: RawSheet, spec: SheetSpec, cells: Sequence[Any]) -> list[Column | None]:
    columns: list[Column | None] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if _blank(cell):
            columns.append(None)
            continue
        label = _column_label(index, sheet.letters)
        if not isinstance(cell, str):
            raise SheetError(
                f"a column name must be text, got {describe(cell)}", sheet=sheet.label, row=1, columns=(label,)
            )
        name = decode_text(cell).strip()
        column = spec.column(name)
        if column is None:
            raise SheetError(_unknown_column(spec, name), sheet=sheet.label, row=1, columns=(label,))
        if name in seen:
            earlier = _column_label(seen[name], sheet.letters)
            raise SheetError(
                f"column {quote(name)} is written twice (also column {earlier})",
                sheet=sheet.label,
                row=1,
                columns=(label,),
            )
        seen[name] = index
        columns.append(column)
    return columns


def _unknown_column(spec: SheetSpec, name: str) -> str:
    split = [c.name for c in spec.columns if c.field == name and c.part is not None]
    if split:
        return f"unknown column {quote(name)}: {name} is two columns, {split[0]} and {split[1]}"
    return f"unknown column {quote(name)}{did_you_mean(name, spec.names)}; the columns are {', '.join(spec.names)}"


def _row_entry(sheet: RawSheet, columns: list[Column | None], number: int, cells: Sequence[Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for position, cell in enumerate(cells):
        if _blank(cell):
            continue
        column = columns[position] if position < len(columns) else None
        if column is None:
            label = _column_label(position, sheet.letters)
            raise SheetError(
                "a value in a column without a name (row 1 names none here)",
                sheet=sheet.label,
                row=number,
                columns=(label,),
            )
        try:
            value = _decode(column.kind, cell)
        except _CellProblem as problem:
            raise SheetError(str(problem), sheet=sheet.label, row=number, columns=(column.name,)) from None
        if column.part is None:
            entry[column.field] = value
        else:
            pair = entry.setdefault(column.field, [None, None])
            pair[column.part] = value
    return entry


def check_sheet_names(sheets: Iterable[RawSheet]) -> dict[str, RawSheet]:
    """The sheets by name, the README sheet left out; an unknown sheet, a sheet given twice
    or a missing nodes sheet is an error."""
    found: dict[str, RawSheet] = {}
    for sheet in sheets:
        if sheet.name.casefold() == README_SHEET.casefold():
            continue
        if sheet.name not in SHEETS:
            raise SheetError(
                f"unknown sheet{did_you_mean(sheet.name, SHEETS)}; the sheets are {', '.join(SHEET_ORDER)} "
                f"(and {README_SHEET}, which is skipped)",
                sheet=sheet.label,
            )
        if sheet.name in found:
            raise SheetError("the sheet is given twice", sheet=sheet.label)
        found[sheet.name] = sheet
    if "nodes" not in found:
        raise ModelError(
            "there is no nodes sheet: a model needs one (its other sheets may be left out); "
            "`datareach template` writes a workbook with every sheet"
        )
    return found


def model_from_sheets(sheets: Iterable[RawSheet]) -> Model:
    """The model of a workbook's sheets, checked by the one validator; every error names
    the sheet, row and column."""
    found = check_sheet_names(sheets)
    reads = {name: _read_sheet(sheet, SHEETS[name]) for name, sheet in found.items()}
    data: dict[str, Any] = {"format": FORMAT}
    model_rows: dict[str, int] = {}
    if "model" in reads:
        data.update(_model_fields(reads["model"], model_rows))
    source_rows: dict[str, tuple[int, int]] = {}
    if "sources" in reads:
        data["sources"] = _sources(reads["sources"], source_rows)
    for section in SECTIONS:
        if section in reads:
            data[section] = reads[section].entries
    try:
        return Model.from_dict(data)
    except ModelError as error:
        raise _located(error, reads, model_rows, source_rows) from None


def _model_fields(read: _Read, rows: dict[str, int]) -> dict[str, Any]:
    label = read.sheet.label
    fields: dict[str, Any] = {}
    for entry, number in zip(read.entries, read.rows):
        name = entry.get("field")
        if not isinstance(name, str):
            raise SheetError(f"must be text, got {describe(name)}", sheet=label, row=number, columns=("field",))
        if name not in _MODEL_KINDS:
            raise SheetError(
                f"unknown field {quote(name)}{did_you_mean(name, MODEL_FIELDS)}; the fields are "
                f"{', '.join(MODEL_FIELDS)}",
                sheet=label,
                row=number,
                columns=("field",),
            )
        if name in rows:
            raise SheetError(
                f"the field {name} is given twice (also row {rows[name]:,})",
                sheet=label,
                row=number,
                columns=("field",),
            )
        rows[name] = number
        if "value" not in entry:
            continue
        value = entry["value"]  # read as text: the list of adversaries is split here
        if _MODEL_KINDS[name] is CellKind.LIST:
            if not isinstance(value, str):
                problem = f"must be text: node ids separated by ';' (such as 'CN; US'), got {describe(value)}"
                raise SheetError(problem, sheet=label, row=number, columns=("value",))
            try:
                value = split_list_cell(value)
            except ValueError as error:
                raise SheetError(str(error), sheet=label, row=number, columns=("value",)) from None
        fields[name] = value
    return fields


def _sources(read: _Read, rows: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Source id -> fields; ``rows``: source id -> (entry, sheet row)."""
    label = read.sheet.label
    sources: dict[str, Any] = {}
    for index, (entry, number) in enumerate(zip(read.entries, read.rows)):
        source_id = entry.get("id")
        if source_id is None:
            raise SheetError("is required: the source's id", sheet=label, row=number, columns=("id",))
        if not isinstance(source_id, str):
            raise SheetError(f"must be text, got {describe(source_id)}", sheet=label, row=number, columns=("id",))
        if source_id in sources:
            raise SheetError(
                f"duplicate source id {quote(source_id)} (also row {rows[source_id][1]:,})",
                sheet=label,
                row=number,
                columns=("id",),
            )
        fields = {name: entry[name] for name in SOURCE_TEXT_FIELDS if name in entry}
        for name, value in entry.get("fields", {}).items():
            if name in fields:
                raise SheetError(
                    f"gives {quote(name)} again: it has a column of its own",
                    sheet=label,
                    row=number,
                    columns=("fields",),
                )
            fields[name] = value
            read.origins[(index, name)] = "fields"
        sources[source_id] = fields
        rows[source_id] = (index, number)
    return sources


# A validator location: an entry of a section and what follows it (``.to``, ``.window[1]``).
_ENTRY_WHERE = re.compile(r"(" + "|".join(SECTIONS) + r")\[(\d+)\](?:\.(.*))?\Z", re.DOTALL)
_FIELD = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?(.*)\Z", re.DOTALL)


def _located(
    error: ModelError, reads: Mapping[str, _Read], model_rows: Mapping[str, int], source_rows: Mapping[str, Any]
) -> ModelError:
    """``error`` (from the validator) named by sheet, row and column."""
    where = error.where
    if not where:
        return error
    match = _ENTRY_WHERE.match(where)
    if match is not None and match[1] in reads:
        read = reads[match[1]]
        index = int(match[2])
        if index < len(read.rows):
            return _in_row(error, read, read.rows[index], index, match[3])
    head = _FIELD.match(where)
    if head is not None and head[1] in model_rows:
        item = f"item {int(head[2]) + 1}: " if head[2] is not None else ""
        row = model_rows[head[1]]
        return SheetError(
            item + error.reason, sheet=reads["model"].sheet.label, row=row, columns=("value",), entry=where
        )
    if where.startswith("sources.") and "sources" in reads:
        return _in_source_row(error, reads["sources"], source_rows)
    return error


def _in_source_row(error: ModelError, read: _Read, source_rows: Mapping[str, tuple[int, int]]) -> ModelError:
    """A validator error about a source (``sources.<id>`` or ``sources.<id>.<field>...``)
    named by its row and the column its field came from. Ids and field names are free text
    (they may hold dots), so the longest that the location starts with is taken."""
    where = error.where or ""

    def starts(text: str, prefix: str) -> bool:
        return text == prefix or text.startswith((prefix + ".", prefix + "["))

    found = [s for s in source_rows if starts(where, f"sources.{cut(s)}")]
    if not found:
        return error
    source = max(found, key=len)
    index, number = source_rows[source]
    rest = where[len(f"sources.{cut(source)}") :].removeprefix(".")
    label = read.sheet.label
    if not rest:
        return SheetError(error.reason, sheet=label, row=number, columns=("id",), entry=where)
    names = [name for name in read.entries[index] if name != "fields"]
    names += list(read.entries[index].get("fields", {}))
    fields = [name for name in names if starts(rest, cut(name))]
    field = max(fields, key=len) if fields else None
    column = "fields" if field is None or read.origins.get((index, field)) == "fields" else field
    detail = "" if column == field else f"at {rest}: "
    return SheetError(detail + error.reason, sheet=label, row=number, columns=(column,), entry=where)


def _in_row(error: ModelError, read: _Read, number: int, index: int, rest: str | None) -> SheetError:
    label = read.sheet.label
    if not rest:
        return SheetError(error.reason, sheet=label, row=number, entry=error.where)
    match = _FIELD.match(rest)
    assert match is not None  # every location the validator writes starts with a field name
    field, part, detail = match[1], match[2], match[3].removeprefix(".")
    columns = [c for c in read.spec.columns if c.field == field]
    origin = read.origins.get((index, field))
    if origin is not None:
        columns = [c for c in read.spec.columns if c.name == origin]
        detail = field + (f"[{part}]" if part else "") + (f".{detail}" if detail else "")
        part = None
    if len(columns) == 2 and all(c.part is not None for c in columns):
        side = 0 if error.reason.startswith("the low end") else 1 if error.reason.startswith("the high end") else None
        side = int(part) if part is not None else side
        if side is not None:
            columns = [c for c in columns if c.part == side]
    elif part is not None:
        detail = f"[{part}]{detail}"
    reason = error.reason if not detail else f"at {detail.removeprefix('.')}: {error.reason}"
    return SheetError(reason, sheet=label, row=number, columns=[c.name for c in columns], entry=error.where)


# -- writing -----------------------------------------------------------------------------


@dataclasses.dataclass
class SheetTable:
    """A sheet to write: its header and rows of cell values (text, numbers, flags, None
    for blank). Text is as the model holds it; a writer encodes it for its format."""

    name: str
    header: tuple[str, ...]
    rows: list[list[CellValue]]


def json_cell(value: Any) -> str:
    """Free data as the JSON text of one cell (floats by their repr: exact)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def model_sheets(model: Model) -> list[SheetTable]:
    """Every sheet of ``model``'s workbook, in :data:`SHEET_ORDER`; a section without
    entries is a sheet with its header alone."""
    if not isinstance(model, Model):
        raise ModelError(f"expected a Model to write, got {type(model).__name__}")
    data = model.to_dict()
    tables = [_model_table(data), _sources_table(data.get("sources", {}))]
    for section in SECTIONS:
        spec = SHEETS[section]
        rows = [[_cell(column, entry.get(column.field)) for column in spec.columns] for entry in data.get(section, [])]
        tables.append(SheetTable(section, spec.names, rows))
    return tables


def _cell(column: Column, value: Any) -> CellValue:
    if value is None:
        return None
    if column.part is not None:
        value = value[column.part]
        return value  # type: ignore[no-any-return]  # a date as ISO text, a number or None
    if column.kind is CellKind.LIST:
        return join_list_cell(value)
    if column.kind is CellKind.JSON:
        return json_cell(value)
    return value  # type: ignore[no-any-return]  # text, a number or a flag


def _model_table(data: Mapping[str, Any]) -> SheetTable:
    rows: list[list[CellValue]] = [["format", data["format"]]]
    if "name" in data:
        rows.append(["name", data["name"]])
    rows.append(["adversaries", join_list_cell(data["adversaries"]) if "adversaries" in data else None])
    return SheetTable("model", SHEETS["model"].names, rows)


def _sources_table(sources: Mapping[str, Mapping[str, Any]]) -> SheetTable:
    rows: list[list[CellValue]] = []
    for source_id, fields in sources.items():
        texts = {name: fields[name] for name in SOURCE_TEXT_FIELDS if isinstance(fields.get(name), str)}
        others = {name: value for name, value in fields.items() if name not in texts}
        rows.append(
            [source_id, *(texts.get(name) for name in SOURCE_TEXT_FIELDS), json_cell(others) if others else None]
        )
    return SheetTable("sources", SHEETS["sources"].names, rows)
