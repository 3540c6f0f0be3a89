"""A folder of CSV files, one per sheet of :mod:`~datareach.io.sheets` (``model.csv``,
``sources.csv``, ``events.csv``, ``nodes.csv``, ...), read and written with the standard
library's ``csv`` module: no extra to install.

Files are UTF-8 (a byte order mark, as Excel's "CSV UTF-8" writes, is accepted), comma
separated, quoted where needed and with lines ending in CRLF (RFC 4180). Every cell is
text: numbers are written with their exact digits (``repr``), flags ``true``, infinity
``inf``; text that a spreadsheet program would read as a formula starts with an apostrophe,
which reading drops (:func:`~datareach.io.sheets.encode_text`).
Reading takes the folder's ``*.csv`` files (other files, such as the template's
``README.md``, are left alone), at most ``max_bytes`` in all.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ModelError, quote
from .files import DEFAULT_MAX_BYTES, read_text, shown_path, write_text
from .sheets import SHEETS, CellValue, RawSheet, SheetError, SheetTable, check_sheet_names, encode_text

__all__ = ["CSV_CELL_LIMIT", "csv_text", "read_csv_folder", "write_csv_folder"]

# The longest cell Python's csv reader takes by default (csv.field_size_limit()); the writer
# refuses longer ones, so that every folder it writes can be read back.
CSV_CELL_LIMIT = 131_072
SUFFIX = ".csv"


def _path(folder: Any) -> Path:
    name = os.fsdecode(folder)
    if "\0" in name:
        raise ModelError(f"cannot use the path {shown_path(name)}: a path cannot contain a NUL character")
    return Path(name)


# -- writing -------------------------------------------------------------------------------


def _cell(value: CellValue, location: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "inf" if value == math.inf else repr(value)
    text = encode_text(value, guard_formulas=True)
    if len(text) > CSV_CELL_LIMIT:
        raise ModelError(
            f"holds {len(text):,} characters, more than the {CSV_CELL_LIMIT:,} a CSV cell may hold here; "
            "save the model as YAML instead",
            where=location,
        )
    return text


def csv_text(table: SheetTable) -> str:
    """The CSV text of one sheet: its header, then a line per row."""
    out = io.StringIO()
    # CRLF as RFC 4180 says: a cell holding either character is then quoted (with "\n" alone
    # a bare carriage return would be written unquoted and read as a line break).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.header)
    for number, row in enumerate(table.rows, start=2):
        writer.writerow(
            [
                _cell(value, f"{table.name}{SUFFIX}, row {number:,}, column {name}")
                for name, value in zip(table.header, row)
            ]
        )
    return out.getvalue()


def write_csv_folder(tables: list[SheetTable], folder: Any, extra: dict[str, str] | None = None) -> None:
    """Write one ``<sheet>.csv`` per table into ``folder`` (created when missing; its
    parent must exist), each file replaced only once complete; ``extra``: other files to
    write (name → text), such as a README."""
    path = _path(folder)
    texts = {f"{table.name}{SUFFIX}": csv_text(table) for table in tables}  # every cell checked first
    try:
        path.mkdir(exist_ok=True)
    except FileNotFoundError:
        raise ModelError(
            f"cannot write {shown_path(path)}: the folder {shown_path(path.parent)} does not exist"
        ) from None
    except OSError as error:
        raise ModelError(f"cannot write the folder {shown_path(path)}: {error.strerror or error}") from None
    if not path.is_dir():
        raise ModelError(f"cannot write the folder {shown_path(path)}: it is a file")
    for name, text in {**texts, **(extra or {})}.items():
        write_text(path / name, text)


# -- reading -------------------------------------------------------------------------------


def read_csv_folder(folder: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> list[RawSheet]:
    """The sheets of a folder of CSV files, at most ``max_bytes`` in all."""
    path = _path(folder)
    if not path.is_dir():
        raise ModelError(f"cannot read {shown_path(path)}: it is not a folder")
    try:
        files = sorted(
            entry for entry in path.iterdir() if entry.suffix.lower() == SUFFIX and not entry.name.startswith(".")
        )
    except OSError as error:
        raise ModelError(f"cannot read the folder {shown_path(path)}: {error.strerror or error}") from None
    if not any(entry.name == f"nodes{SUFFIX}" for entry in files):
        raise ModelError(
            f"cannot read {shown_path(path)}: it is a folder with no nodes{SUFFIX}; a folder is read as a "
            f"folder of CSV files, one per sheet (nodes{SUFFIX}, access{SUFFIX}, ...)"
        )
    sheets = [RawSheet(entry.stem, _label(entry), [], letters=False) for entry in files]
    check_sheet_names(sheets)  # before reading any file: an unknown one is refused at once
    budget = max_bytes
    for entry, sheet in zip(files, sheets):
        text = read_text(entry, budget)
        budget -= len(text.encode("utf-8"))
        sheet.rows = _rows(text, sheet.label)
    return sheets


def _label(entry: Path) -> str:
    return entry.name if entry.stem in SHEETS else quote(entry.name)


def _rows(text: str, label: str) -> list[tuple[int, Sequence[Any]]]:
    rows: list[tuple[int, Sequence[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cells):
                rows.append((number, [cell if cell else None for cell in cells]))
    except csv.Error as error:
        raise SheetError(f"invalid CSV: {error}", sheet=label, row=number + 1) from None
    return rows
