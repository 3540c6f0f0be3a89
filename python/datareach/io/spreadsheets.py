"""Spreadsheets as scenario files: which paths are XLSX workbooks or CSV folders, and
loading and saving them (``dr.load`` / ``dr.save`` dispatch here, docs/scenario-format.md,
"Spreadsheets").

- ``format="xlsx"``, or a name ending in ``.xlsx``: an XLSX workbook (:mod:`~datareach.io.xlsx`);
- ``format="csv"``, a path that ends in ``/`` (or the system's separator), or an existing
  folder: a folder of CSV files (:mod:`~datareach.io.csv_folder`).

A single ``.csv`` file holds one sheet, not a model, and is refused with a pointer to its
folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from ..errors import ModelError
from ..model import Model
from .csv_folder import read_csv_folder, write_csv_folder
from .files import DEFAULT_MAX_BYTES, is_path, name_of, shown_path
from .sheets import model_from_sheets, model_sheets
from .xlsx import read_xlsx, write_xlsx

__all__ = ["SHEET_FORMATS", "SheetFormat", "load_spreadsheet", "save_spreadsheet", "sheet_format_of"]

SheetFormat = Literal["xlsx", "csv"]
SHEET_FORMATS: tuple[SheetFormat, ...] = ("xlsx", "csv")


def sheet_format_of(source: Any, format: str | None) -> SheetFormat | None:
    """``"xlsx"`` or ``"csv"`` when ``source`` (with the ``format`` asked for) is a
    spreadsheet, None when it is a YAML or JSON file."""
    if format == "xlsx":
        return "xlsx"
    if format == "csv":
        return "csv"
    if format is not None:
        return None
    name = name_of(source)
    if name.lower().endswith(".xlsx"):
        return "xlsx"
    if is_path(source) and "\0" not in name:
        if name.endswith(("/", os.sep)) or Path(name).is_dir():
            return "csv"
        if name.lower().endswith(".csv"):
            raise ModelError(
                f"{shown_path(name)}: a CSV file holds one sheet, not a model; read or write the folder of "
                "CSV files (a path ending in '/', or format='csv')",
                where="format",
            )
    return None


def load_spreadsheet(source: Any, format: SheetFormat, max_bytes: int = DEFAULT_MAX_BYTES) -> Model:
    """The model of an XLSX workbook (a path or an open binary file) or a CSV folder."""
    if format == "xlsx":
        sheets = read_xlsx(source, max_bytes)
    else:
        if not is_path(source):
            raise ModelError("a folder of CSV files is read by its path, not from an open file", where="format")
        sheets = read_csv_folder(source, max_bytes)
    return model_from_sheets(sheets)


def save_spreadsheet(model: Model, target: Any, format: SheetFormat) -> None:
    """Write ``model`` as an XLSX workbook or a folder of CSV files."""
    tables = model_sheets(model)
    if format == "xlsx":
        write_xlsx(tables, target)
        return
    if not is_path(target):
        raise ModelError("a folder of CSV files is written to a path, not to an open file", where="format")
    write_csv_folder(tables, target)
