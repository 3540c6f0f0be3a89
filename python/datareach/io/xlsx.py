"""XLSX workbooks: the sheets of :mod:`~datareach.io.sheets` read and written with
openpyxl (the optional extra ``xlsx``: ``pip install 'datareach[xlsx]'``).

An XLSX file is a zip archive of XML parts, so reading it is bounded before openpyxl sees
it: the file is at most ``max_bytes``, the archive at most :data:`MAX_MEMBERS` parts, and
the uncompressed sizes its parts declare add up to at most 4 × ``max_bytes`` (zip reading
never unpacks more than a part declares: it stops there and the checksum fails). A zip
bomb is therefore refused by its table of contents. Sheets are read in openpyxl's
read-only (streaming) mode, without the dimensions a sheet declares (a sheet may claim a
million columns to make a reader pad every row), and within Excel's own limits of
1,048,576 rows and 16,384 columns and a budget of cells looked at. A formula is never
evaluated: a cell holding one is an error naming it.

Cell values are written so that they read back exactly: numbers as number cells when
Excel's 16 significant digits hold them exactly, otherwise (a float that needs 17 digits,
a count above 2^53, infinity) as text with their exact digits, which the reader also
accepts; text as typed text cells, so that no text becomes a formula, with Excel's own
escape ``_xHHHH_`` for the characters an XML file cannot hold (a carriage return, control
characters) and for text that would read as such an escape.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
import warnings
import zipfile
from collections.abc import Sequence
from typing import Any

from ..errors import ModelError, quote
from .files import DEFAULT_MAX_BYTES, name_of, read_bytes, shown_path, write_bytes
from .sheets import (
    FORMULA_STARTS,
    MAX_COLUMNS,
    MAX_ROWS,
    README_SHEET,
    SHEETS,
    CellValue,
    ErrorCell,
    FormulaCell,
    RawSheet,
    SheetTable,
    check_sheet_names,
    encode_text,
)

__all__ = [
    "EXCEL_CELL_LIMIT",
    "MAX_MEMBERS",
    "MAX_SCANNED_CELLS",
    "escape_cell_text",
    "read_xlsx",
    "require_openpyxl",
    "unescape_cell_text",
    "workbook_bytes",
    "write_xlsx",
]

INSTALL_HINT = "pip install 'datareach[xlsx]'"
# Far more parts than any workbook has (one per sheet, plus a dozen).
MAX_MEMBERS = 10_000
# How much larger than the file its parts may unpack to, in all: XML compresses about
# tenfold in workbooks.
UNPACKED_FACTOR = 4
# Cells looked at while reading (blank ones included, as openpyxl gives a row up to its last
# cell): 50 million is a sheet of 3 million rows of 16 columns.
MAX_SCANNED_CELLS = 50_000_000
# Excel holds at most this many characters in a cell.
EXCEL_CELL_LIMIT = 32_767
# The largest integer a double (an Excel number) holds with every integer below it.
_EXACT_INTEGERS = 2**53


def require_openpyxl() -> Any:
    """The openpyxl module, or a ModelError saying how to install it."""
    try:
        import openpyxl
    except ImportError:
        raise ModelError(f"reading and writing XLSX files needs openpyxl: {INSTALL_HINT}") from None
    return openpyxl


# -- text in XML ---------------------------------------------------------------------------

# What XML 1.0 cannot hold (a carriage return it can, but readers turn it into a newline).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_ESCAPE_TAIL = re.compile("x[0-9A-Fa-f]{4}_")


def escape_cell_text(text: str) -> str:
    """Text as an XLSX cell holds it: characters XML cannot hold as ``_xHHHH_``, and an
    underscore that would begin such an escape as ``_x005F_`` (Excel's convention)."""
    if _NOT_IN_XML.search(text) is None and _ESCAPE.search(text) is None:
        return text  # nothing to escape: almost every cell
    pieces: list[str] = []
    head = ""  # the start of the escaped text after the current character
    for char in reversed(text):
        if _NOT_IN_XML.match(char):
            piece = f"_x{ord(char):04X}_"
        elif char == "_" and _ESCAPE_TAIL.match(head):
            piece = "_x005F_"
        else:
            piece = char
        pieces.append(piece)
        head = (piece + head)[:6]
    return "".join(reversed(pieces))


def unescape_cell_text(text: str) -> str:
    """The text an XLSX cell holds, its ``_xHHHH_`` escapes decoded."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)


# -- writing -------------------------------------------------------------------------------


def _exact_in_excel(value: float) -> bool:
    """Whether openpyxl's 16 significant digits write ``value`` exactly."""
    written = float(f"{value:.16g}")
    return written == value and math.copysign(1.0, written) == math.copysign(1.0, value)


@dataclasses.dataclass(frozen=True)
class _Text:
    """A text cell's content, escaped for XML."""

    text: str


# A cell as written: blank, a flag, a number cell, or text.
_Prepared = None | bool | int | float | _Text


def _prepare(value: CellValue, location: str) -> _Prepared:
    """How one value is written (see the module docstring); a cell Excel cannot hold is an
    error naming it."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) <= _EXACT_INTEGERS else _text(str(value), location)
    if isinstance(value, float):
        if math.isfinite(value) and _exact_in_excel(value):
            return value
        return _text("inf" if value == math.inf else repr(value), location)
    return _text(encode_text(value, guard_formulas=False), location)


def _text(text: str, location: str) -> _Text:
    text = escape_cell_text(text)
    if len(text) > EXCEL_CELL_LIMIT:
        raise ModelError(
            f"holds {len(text):,} characters, more than the {EXCEL_CELL_LIMIT:,} an Excel cell holds; "
            "save the model as CSV or YAML instead",
            where=location,
        )
    return _Text(text)


def _prepared_tables(tables: Sequence[SheetTable]) -> list[tuple[SheetTable, list[list[_Prepared]]]]:
    """Every cell of every sheet as it is written, checked before the workbook is begun: a
    write that fails leaves no half-built workbook behind."""
    prepared = []
    for table in tables:
        if len(table.rows) >= MAX_ROWS:
            raise ModelError(
                f"{len(table.rows):,} entries do not fit in a sheet ({MAX_ROWS - 1:,} rows below the header); "
                "save the model as CSV instead",
                where=table.name,
            )
        rows = [
            [_prepare(value, f"{table.name}, row {number:,}, column {name}") for name, value in zip(table.header, row)]
            for number, row in enumerate(table.rows, start=2)
        ]
        prepared.append((table, rows))
    return prepared


def workbook_bytes(tables: Sequence[SheetTable], readme: Sequence[Sequence[str]] | None = None) -> bytes:
    """The XLSX file of ``tables`` (one sheet each, header in bold, frozen), with a
    ``README`` sheet of ``readme`` rows first when given (an empty text there is a blank
    cell: the README is never read back)."""
    openpyxl = require_openpyxl()
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    prepared = _prepared_tables(tables)
    notes = [
        [_text(encode_text(text, guard_formulas=False), README_SHEET) if text else None for text in row]
        for row in readme or ()
    ]
    book = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(sheet: Any, value: _Prepared, font: Any = None) -> Any:
        if not isinstance(value, _Text) and font is None:
            return value
        written = WriteOnlyCell(sheet, value=value.text if isinstance(value, _Text) else value)
        if isinstance(value, _Text):
            written.data_type = "s"  # typed text: never a formula, whatever it starts with
            if value.text.startswith(FORMULA_STARTS):
                written.quotePrefix = True  # and Excel keeps it text when the cell is edited
        if font is not None:
            written.font = font
        return written

    if readme is not None:
        sheet = book.create_sheet(README_SHEET)
        for column, width in zip("ABCDE", (14, 22, 10, 70, 30)):
            sheet.column_dimensions[column].width = width
        for number, line in enumerate(notes):
            sheet.append([cell(sheet, value, bold if number == 0 and value is not None else None) for value in line])
    for table, rows in prepared:
        sheet = book.create_sheet(table.name)
        sheet.freeze_panes = "A2"
        for index, name in enumerate(table.header):
            sheet.column_dimensions[get_column_letter(index + 1)].width = max(10, len(name) + 4)
        sheet.append([cell(sheet, _Text(name), bold) for name in table.header])
        for row in rows:
            sheet.append([cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(tables: Sequence[SheetTable], target: Any, readme: Sequence[Sequence[str]] | None = None) -> None:
    """Write the workbook to a path (replaced only once complete) or an open binary file."""
    write_bytes(target, workbook_bytes(tables, readme))


# -- reading -------------------------------------------------------------------------------


def read_xlsx(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> list[RawSheet]:
    """The sheets of an XLSX file (a path or an open binary file), bounded as the module
    docstring says."""
    shown = shown_path(name_of(source))
    data = read_bytes(source, max_bytes)
    _check_archive(data, shown, UNPACKED_FACTOR * max_bytes)
    openpyxl = require_openpyxl()
    try:
        with warnings.catch_warnings():
            # openpyxl warns of parts it drops (extensions, validations): nothing datareach reads.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            try:
                return _sheets(book)
            finally:
                book.close()
    except ModelError:
        raise
    except Exception as error:  # openpyxl's own errors on a damaged file, of many types
        raise ModelError(f"cannot read {shown}: not a readable XLSX workbook ({type(error).__name__})") from None


def _check_archive(data: bytes, shown: str, budget: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise ModelError(f"cannot read {shown}: it is not an XLSX workbook (not a zip archive)") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_MEMBERS:
            raise ModelError(f"cannot read {shown}: the archive has {len(parts):,} parts, more than {MAX_MEMBERS:,}")
        unpacked = sum(part.file_size for part in parts)
        if unpacked > budget:
            raise ModelError(
                f"cannot read {shown}: its parts would unpack to {unpacked:,} bytes, more than the limit of "
                f"{budget:,} ({UNPACKED_FACTOR} × max_bytes; pass a larger max_bytes= to dr.load)"
            )
        if any(part.flag_bits & 0x1 for part in parts):
            raise ModelError(f"cannot read {shown}: the workbook is encrypted")


def _sheets(book: Any) -> list[RawSheet]:
    worksheets = {sheet.title: sheet for sheet in book.worksheets}
    raw = [
        RawSheet(title, title if title in SHEETS or title == README_SHEET else quote(title), [])
        for title in book.sheetnames
    ]
    check_sheet_names(raw)  # before reading any cell: an unknown sheet is refused at once
    scanned = [0]
    for entry in raw:
        sheet = worksheets.get(entry.name)
        if entry.name not in SHEETS:
            continue  # the README sheet of a template
        if sheet is None:
            raise ModelError("is a chart sheet, not a sheet of cells", where=entry.label)
        entry.rows = _rows(sheet, entry.label, scanned)
    return raw


def _rows(sheet: Any, label: str, scanned: list[int]) -> list[tuple[int, Sequence[Any]]]:
    from openpyxl.cell.read_only import EMPTY_CELL

    declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
    if declared_rows > MAX_ROWS or declared_columns > MAX_COLUMNS:
        raise ModelError(
            f"the sheet declares {declared_rows:,} rows and {declared_columns:,} columns, beyond a "
            f"spreadsheet's {MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns",
            where=label,
        )
    sheet.reset_dimensions()  # stream the cells there are, never pad rows to a declared size
    rows: list[tuple[int, Sequence[Any]]] = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number > MAX_ROWS:
            raise ModelError(f"the sheet has more than {MAX_ROWS:,} rows", where=label)
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise ModelError(f"row {number:,} has more than {MAX_COLUMNS:,} columns", where=label)
        scanned[0] += len(cells)
        if scanned[0] > MAX_SCANNED_CELLS:
            raise ModelError(f"the workbook has more than {MAX_SCANNED_CELLS:,} cells", where=label)
        values = [None if cell is EMPTY_CELL else _value(cell) for cell in cells]
        if any(value is not None for value in values):
            rows.append((number, values))
    return rows


def _value(cell: Any) -> Any:
    kind, value = cell.data_type, cell.value
    if kind == "f":
        return FormulaCell()
    if kind == "e":
        return ErrorCell(str(value))
    if isinstance(value, str):
        return unescape_cell_text(value)
    return value
