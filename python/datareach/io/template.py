"""A spreadsheet to fill in: every sheet with its header row, and a description of every
column (``dr.template``, ``datareach template``; docs/scenario-format.md, "Spreadsheets").

An XLSX template has a ``README`` sheet first (one row per column of every sheet: whether
it is required, what it means, an example), which loading skips; a CSV template folder has
the same table as ``README.md``, which loading leaves alone (it reads ``*.csv`` files only).
With a ``model`` the sheets hold its entries instead of header rows alone (``datareach
template --example`` passes the embedded Project Texas model). An unfilled template loads as an empty model (no entries), as a YAML file
holding only ``format: datareach/1`` does.
"""

from __future__ import annotations

from typing import Any

from ..errors import ModelError, describe
from ..model import Model
from .csv_folder import write_csv_folder
from .sheets import SHEET_ORDER, SHEETS, SheetTable, model_sheets
from .spreadsheets import SheetFormat, sheet_format_of
from .xlsx import write_xlsx

__all__ = ["COLUMN_HELP", "readme_rows", "template"]

_SOURCE = ("the id of a row of the sources sheet that the entry rests on", "buzzfeed-2022")
_NOTE = ("free text; the shipped example starts every assumed number's note with ASSUMPTION", "ASSUMPTION(p): guessed")
_START = ("first day of the window, YYYY-MM-DD; blank: open (always before)", "2021-09-01")
_END = ("first day after the window (the end is excluded), YYYY-MM-DD; blank: open", "2022-02-01")
_LOW = ("low end of the range the probability plausibly lies in (give both ends or neither)", "0.5")
_HIGH = ("high end of that range; low <= p <= high", "0.95")

# (sheet, column) -> (meaning, example); whether a column is required comes from the schema.
COLUMN_HELP: dict[tuple[str, str], tuple[str, str]] = {
    ("model", "field"): ("one row per field: format, name, adversaries", "adversaries"),
    ("model", "value"): (
        "format: datareach/1; name: a title; adversaries: node ids analysed by default, separated by ';'",
        "CN; US",
    ),
    ("sources", "id"): ("the id entries cite in their source column", "buzzfeed-2022"),
    ("sources", "title"): ("title of the report", "Leaked audio from 80 internal TikTok meetings"),
    ("sources", "publisher"): ("who published it", "BuzzFeed News"),
    ("sources", "date"): ("when (free text; YYYY-MM-DD by convention)", "2022-06-17"),
    ("sources", "url"): ("where it is", "https://example.org/report"),
    ("sources", "fields"): ("any other fields, as a JSON object", '{"month": "2022-03"}'),
    ("events", "id"): ("a shared random condition", "insider-complies"),
    ("events", "p"): ("probability the event is up in a world, 0 to 1", "0.8"),
    ("events", "p_range_low"): _LOW,
    ("events", "p_range_high"): _HIGH,
    ("events", "source"): _SOURCE,
    ("events", "note"): _NOTE,
    ("nodes", "id"): ("anything that acts or holds data", "tiktok_virginia"),
    ("nodes", "kind"): ("jurisdiction, organization, role, store or gateway", "store"),
    ("nodes", "region"): ("where it is: a path of names separated by '/'", "US/VA"),
    ("nodes", "territory"): ("jurisdictions with a rule: the region the rule covers (with compels)", "CN"),
    ("nodes", "compels"): ("jurisdictions with a rule: probability the rule reaches a node in the territory", "0.9"),
    ("nodes", "compels_range_low"): ("low end of the range of compels (give both ends or neither)", "0.6"),
    ("nodes", "compels_range_high"): ("high end of the range of compels", "1"),
    ("nodes", "rule_exempt"): ("true: no jurisdiction's rule reaches the node; blank: false", "true"),
    ("nodes", "attrs"): ("free attributes, as a JSON object", '{"see_also": ["cn-dsl-2021"]}'),
    ("nodes", "source"): _SOURCE,
    ("nodes", "note"): _NOTE,
    ("classes", "id"): ("a kind of record", "phone_numbers"),
    ("classes", "sensitivity"): ("weight of a record's harm, >= 0; blank: 1", "5"),
    ("classes", "records"): ("number of records, a whole number >= 0; blank: 1", "150000000"),
    ("classes", "category"): ("a free label", "personal"),
    ("classes", "components"): (
        "makes a composite (mosaic) class: class ids separated by ';'",
        "phone_numbers; birthdays",
    ),
    ("classes", "source"): _SOURCE,
    ("classes", "note"): _NOTE,
    ("placements", "class"): ("an atomic class (not a composite)", "phone_numbers"),
    ("placements", "store"): ("a node of kind store", "tiktok_virginia"),
    ("placements", "share"): ("fraction of the class's records held there, above 0 up to 1; blank: 1", "0.5"),
    ("placements", "window_start"): _START,
    ("placements", "window_end"): _END,
    ("placements", "source"): _SOURCE,
    ("placements", "note"): _NOTE,
    ("flows", "from"): ("the store copying", "tiktok_virginia"),
    ("flows", "to"): ("the store receiving the copy", "singapore_backup"),
    ("flows", "classes"): ("the classes copied, separated by ';'; blank: all", "phone_numbers; birthdays"),
    ("flows", "share"): ("fraction of what from holds that is copied, above 0 up to 1; blank: 1", "1"),
    ("flows", "kind"): ("a free label", "backup"),
    ("flows", "window_start"): _START,
    ("flows", "window_end"): _END,
    ("flows", "source"): _SOURCE,
    ("flows", "note"): _NOTE,
    ("access", "from"): ("the node that can act on or reach to", "beijing_master_admin"),
    ("access", "to"): ("the node reached", "tiktok_virginia"),
    ("access", "p"): ("probability the access is used, 0 to 1", "0.95"),
    ("access", "p_range_low"): _LOW,
    ("access", "p_range_high"): _HIGH,
    ("access", "classes"): (
        "the classes the arc lets through, separated by ';'; blank: all",
        "public_videos; comments",
    ),
    ("access", "requires"): ("events that must all be up, separated by ';'", "insider-complies"),
    ("access", "cost"): ("cost of removing the arc, > 0, or inf (cannot be removed); blank: 1", "inf"),
    ("access", "kind"): ("a free label", "admin"),
    ("access", "window_start"): _START,
    ("access", "window_end"): _END,
    ("access", "source"): _SOURCE,
    ("access", "note"): _NOTE,
}

# Rules that hold for every sheet, at the top of the README.
_GENERAL = (
    ("every sheet", "row 1", "", "the column names; columns may be left out or reordered", ""),
    ("every sheet", "blank cell", "", "not given: the default applies; blank rows are skipped", ""),
    (
        "every sheet",
        "list cell",
        "",
        "ids separated by ';' (write \\; for a ';' inside an id, \\\\ for a '\\')",
        "a; b",
    ),
    ("every sheet", "apostrophe", "", "a leading ' is dropped: ' alone is the empty text", "'=not a formula"),
    ("every sheet", "formulas", "", "never evaluated: a cell holding a formula is an error", ""),
    ("every sheet", "rows", "", "errors name the sheet, row (the header is row 1) and column", ""),
)


def readme_rows() -> list[list[str]]:
    """The README table: sheet, column, required, meaning, example."""
    rows = [["sheet", "column", "required", "meaning", "example"], *map(list, _GENERAL)]
    for name in SHEET_ORDER:
        for column in SHEETS[name].columns:
            meaning, example = COLUMN_HELP[(name, column.name)]
            rows.append([name, column.name, "yes" if column.required else "", meaning, example])
    return rows


def _readme_markdown() -> str:
    lines = [
        "# datareach inventory: one CSV file per sheet",
        "",
        'Fill in the CSV files of this folder and load the folder with `dr.load("folder/")`',
        '(docs/scenario-format.md, "Spreadsheets"). This file is not read.',
        "",
    ]
    rows = readme_rows()
    lines.append("| " + " | ".join(rows[0]) + " |")
    lines.append("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def _empty_tables() -> list[SheetTable]:
    tables = model_sheets(Model())
    tables[0].rows = [["format", Model.FORMAT], ["name", None], ["adversaries", None]]
    return tables


def template(target: Any, format: SheetFormat | None = None, *, model: Model | None = None) -> None:
    """Write a spreadsheet to fill in: an XLSX workbook (``.xlsx``, ``format="xlsx"``) or
    a folder of CSV files (a path ending in ``/``, an existing folder, ``format="csv"``)
    with every sheet and its header row, and a README describing each column; with a
    ``model`` (such as ``dr.examples.project_texas()``) the sheets hold its entries."""
    chosen = sheet_format_of(target, format)
    if chosen is None:
        raise ModelError(
            f"a template is an XLSX workbook or a folder of CSV files, got format {describe(format)}; "
            "name it .xlsx, end the path with '/' or pass format='xlsx' or 'csv'",
            where="format",
        )
    tables = _empty_tables() if model is None else model_sheets(model)
    if chosen == "xlsx":
        write_xlsx(tables, target, readme=readme_rows())
    else:
        write_csv_folder(tables, target, extra={"README.md": _readme_markdown()})
