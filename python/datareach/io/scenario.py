"""Scenario files: YAML or JSON, one schema (``format: datareach/1``), docs/design.md §3.

``load(save(m)) == m`` for YAML and JSON alike. Loading also reads variant files
(:mod:`datareach.io.variants`); saving writes a model in full, whatever changes made it.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any

from ..errors import ModelError, describe, quote
from ..model import Model
from ..model.fields import SECTIONS
from .files import DEFAULT_MAX_BYTES, PathOrFile, name_of, write_text
from .formats import SUFFIXES, FileFormat, dump_json, format_of, parse_document
from .loading import LoadLimits, load_file, model_from_parsed
from .spreadsheets import SheetFormat, load_spreadsheet, save_spreadsheet, sheet_format_of
from .yaml_writer import Entry, Inline, dump_yaml

__all__ = ["dumps", "load", "loads", "save"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load(
    source: PathOrFile,
    format: FileFormat | SheetFormat | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_outside_base: bool = False,
) -> Model:
    """A model from a scenario file: a path (``str``, ``bytes`` or path-like, as for
    ``open``) or an open file. The format comes from the suffix (``.yaml``, ``.yml``,
    ``.json``) unless given; an unnamed file is read as YAML, which also reads JSON.

    Spreadsheets load too (docs/scenario-format.md, "Spreadsheets"): an XLSX workbook
    (``.xlsx`` or ``format="xlsx"``; a path or an open binary file; needs
    ``pip install 'datareach[xlsx]'``) or a folder of CSV files (a folder, or
    ``format="csv"``), one sheet per section; errors name the sheet, row and column.

    Only regular files are read, of at most ``max_bytes`` (default 256 MiB); a folder, a
    FIFO or a device is refused at once. An error the schema finds names the line of its
    entry: ``access[3] (line 57).to: ...``.

    A *variant file* (``{format, base, name, changes}``, docs/design.md §5) gives its base
    model (``base`` is read relative to the variant file's folder; it may be a variant
    itself) with the changes applied; the model remembers them in ``variant_of`` and
    ``changes``. See :mod:`datareach.changes`. A base must lie in the folder of the
    variant file naming it (after resolving symlinks and ``..``) unless
    ``allow_outside_base``: a variant file from elsewhere cannot make ``load`` read other
    files of the machine."""
    sheets = sheet_format_of(source, format)
    if sheets is not None:
        return load_spreadsheet(source, sheets, max_bytes)
    return load_file(source, _text_format(format), LoadLimits(max_bytes, allow_outside_base))


def loads(
    text: str,
    format: FileFormat = "yaml",
    *,
    base_dir: str | os.PathLike[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_outside_base: bool = False,
) -> Model:
    """A model from the text of a scenario file. A variant file's relative ``base`` is
    read relative to ``base_dir`` (default: the current folder), within it unless
    ``allow_outside_base`` (see :func:`load`)."""
    folder = Path.cwd() if base_dir is None else Path(base_dir)
    return model_from_parsed(parse_document(text, format), folder, None, LoadLimits(max_bytes, allow_outside_base))


def save(model: Model, target: PathOrFile, format: FileFormat | SheetFormat | None = None) -> None:
    """Write a model as a scenario file (a path or an open text file). The format comes
    from the suffix unless given. A file is replaced only once the new text is written in
    full (a failure leaves the old file as it was) and keeps its permissions. A model made
    by changes (``model.apply``, a variant file) is written in full;
    ``dr.changes.save_variant`` writes a variant file instead.

    ``.xlsx`` (or ``format="xlsx"``) writes an XLSX workbook, a path ending in ``/``, an
    existing folder or ``format="csv"`` a folder of CSV files (``nodes.csv``, ...), one
    sheet per section (docs/scenario-format.md, "Spreadsheets")."""
    sheets = sheet_format_of(target, format)
    if sheets is not None:
        save_spreadsheet(model, target, sheets)
        return
    chosen = _text_format(format) or format_of(name_of(target), default="yaml" if _has_text_suffix(target) else None)
    write_text(target, dumps(model, chosen))


def _has_text_suffix(target: PathOrFile) -> bool:
    """Whether the name says YAML or JSON; any other name is an error naming every format."""
    if Path(name_of(target)).suffix.lower() in SUFFIXES:
        return True
    raise ModelError(
        f"cannot tell the file format of {quote(name_of(target), 200)}: name it .yaml, .yml, .json or .xlsx, "
        "end the path of a folder of CSV files with '/', or pass format='yaml', 'json', 'xlsx' or 'csv'",
        where="format",
    )


def _text_format(format: str | None) -> FileFormat | None:
    """``format`` when it names a text format (YAML or JSON); any other is an error."""
    if format is None:
        return None
    if format == "yaml":
        return "yaml"
    if format == "json":
        return "json"
    raise ModelError(f"unknown file format {describe(format)}; use 'yaml', 'json', 'xlsx' or 'csv'", where="format")


def dumps(model: Model, format: FileFormat = "yaml") -> str:
    """The text of a scenario file for ``model``."""
    if not isinstance(model, Model):
        raise ModelError(f"expected a Model to write, got {type(model).__name__}")
    data = model.to_dict()
    if format == "yaml":
        return _scenario_yaml(data)
    if format == "json":
        return dump_json(data)
    raise ModelError(f"unknown file format {describe(format)}; use 'yaml' or 'json'", where="format")


def _scenario_yaml(data: dict[str, Any]) -> str:
    """Block style for the sections, one flow-style line per entry, dates unquoted."""
    readable: dict[str, Any] = {}
    for key, value in data.items():
        if key == "sources":
            value = {source: Entry(_source_date(fields)) for source, fields in value.items()}
        elif key == "adversaries":
            value = Inline(value)
        elif key in SECTIONS:
            value = [Entry(_with_dates(entry)) for entry in value]
        readable[key] = value
    return dump_yaml(readable)


def _source_date(fields: dict[str, Any]) -> dict[str, Any]:
    """A source's ISO ``date`` as a date, written unquoted; loading turns it back into the
    same string."""
    date = fields.get("date")
    if isinstance(date, str) and _ISO_DATE.fullmatch(date):
        try:
            return {**fields, "date": datetime.date.fromisoformat(date)}
        except ValueError:
            pass
    return fields


def _with_dates(entry: dict[str, Any]) -> dict[str, Any]:
    """A window's ISO strings as dates, which YAML writes unquoted as 2021-09-01."""
    if "window" not in entry:
        return entry
    window = [None if d is None else datetime.date.fromisoformat(d) for d in entry["window"]]
    return {**entry, "window": window}
