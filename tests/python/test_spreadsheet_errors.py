"""Spreadsheet mistakes and hostile spreadsheets (docs/scenario-format.md, "Spreadsheets";
docs/design.md §3): every error names the sheet, row (the header is row 1) and column; a
formula is never evaluated; zip bombs, absurd dimensions, XML entity bombs and oversized
files are refused before they cost memory or time; templates load and fill in."""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datareach as dr
from cpu_time import cpu_time
from datareach.cli import main
from datareach.io.sheets import SHEET_ORDER, SHEETS

NODES = [["id", "kind", "region"], ["virginia", "store", "US/VA"], ["admin", "role", "CN"], ["CN", "jurisdiction"]]
ACCESS = [["from", "to", "p"], ["CN", "admin", 0.5], [], ["admin", "virginia", 1], ["admin", "virgina", 0.5]]


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An XLSX file written by openpyxl as a user's program would (formulas and error
    values typed as such)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def csv_folder(path: Path, sheets: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in sheets.items():
        (path / f"{name}.csv").write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, **options: Any) -> dr.ModelError:
    with pytest.raises(dr.ModelError) as caught:
        dr.load(path, **options)
    return caught.value


def load_error(tmp_path: Path, sheets: dict[str, list[list[Any]]]) -> str:
    return str(error_of(workbook(tmp_path / "bad.xlsx", sheets)))


# -- locations ----------------------------------------------------------------------------


def test_a_validator_error_names_sheet_row_and_column(tmp_path: Path) -> None:
    error = error_of(workbook(tmp_path / "m.xlsx", {"nodes": NODES, "access": ACCESS}))
    # Row 3 is blank (skipped), so the third arc, access[2], is on row 5.
    assert str(error) == "access, row 5, column to: unknown node 'virgina' (did you mean 'virginia'?)"
    assert isinstance(error, dr.io.SheetError)
    assert (error.sheet, error.row, error.columns, error.entry) == ("access", 5, ("to",), "access[2].to")
    assert error.where == "access, row 5, column to"
    assert error.reason == "unknown node 'virgina' (did you mean 'virginia'?)"


def test_a_csv_error_names_the_file_row_and_column(tmp_path: Path) -> None:
    folder = csv_folder(
        tmp_path / "inv",
        {
            "nodes": "id,kind,region\nvirginia,store,US/VA\nadmin,role,CN\n",
            "access": 'from,to,p,note\nadmin,virginia,1,"two\nlines"\n\nadmin,virgina,0.5,\n',
        },
    )
    # A record is a row whatever line breaks its cells hold; the blank line is row 3.
    assert str(error_of(folder)) == "access.csv, row 4, column to: unknown node 'virgina' (did you mean 'virginia'?)"


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        (
            [["from", "to", "p", "windw_start"]],
            "access, row 1, column D: unknown column 'windw_start' (did you mean 'window_start'?)",
        ),
        (
            [["from", "to", "p", "window"]],
            "access, row 1, column D: unknown column 'window': window is two columns, window_start and window_end",
        ),
        ([["from", "to", "p", "to"]], "access, row 1, column D: column 'to' is written twice (also column B)"),
        ([["from", "to"], ["admin", "virginia"]], "access, row 1: missing required column 'p'"),
        ([["from", "to", "p"], ["admin", "virginia", "abc"]], "access, row 2, column p: must be a number, got 'abc'"),
        ([["from", "to", "p"], ["admin", "virginia", True]], "access, row 2, column p: must be a number, got true"),
        ([["from", "to", "p"], [7, "virginia", 1]], "access, row 2, column from: must be a string, got 7"),
        (
            [["from", "to", "p", "requires"], ["admin", "virginia", 1, "e; ;f"]],
            "access, row 2, column requires: item 2 of the list is empty",
        ),
        (
            [["from", "to", "p", "requires"], ["admin", "virginia", 1, 5]],
            "access, row 2, column requires: must be text: ids separated by ';'",
        ),
        (
            [["from", "to", "p", "window_start", "window_end"], ["admin", "virginia", 1, "2022-01-01", "2021-01-01"]],
            "access, row 2, columns window_start and window_end: start 2022-01-01 must come before end 2021-01-01",
        ),
        (
            [["from", "to", "p", "window_start"], ["admin", "virginia", 1, "2021-02-30"]],
            "access, row 2, column window_start: must be a date",
        ),
        (
            [["from", "to", "p", "window_start"], ["admin", "virginia", 1, datetime.datetime(2021, 2, 1, 12, 30)]],
            "access, row 2, column window_start:",
        ),
        (
            [["from", "to", "p", "p_range_low"], ["admin", "virginia", 0.5, 0.1]],
            "access, row 2, columns p_range_low and p_range_high: must give both ends",
        ),
        (
            [["from", "to", "p", "p_range_low", "p_range_high"], ["admin", "virginia", 0.5, 0.6, 0.9]],
            "access, row 2, columns p_range_low and p_range_high: p 0.5 lies outside [0.6, 0.9]",
        ),
        (
            [["from", "to", "p"], ["admin", "virginia", 1, None, "x"]],
            "access, row 2, column E: a value in a column without a name",
        ),
        (
            [["from", "to", "p"], ["admin", "virginia", "=0.5*2"]],
            "access, row 2, column p: holds a formula; formulas are never evaluated",
        ),
        ([["from", "to", "p"], ["admin", "virginia", "#N/A"]], "access, row 2, column p: holds the error value '#N/A'"),
        ([[], ["from", "to", "p"]], "access, row 1: row 1 must hold the column names (it is blank)"),
        ([[None, 3]], "access, row 1, column B: a column name must be text, got 3"),
    ],
)
def test_cell_mistakes_name_the_cell(tmp_path: Path, access: list[list[Any]], expected: str) -> None:
    assert load_error(tmp_path, {"nodes": NODES, "access": access}).startswith(expected)


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        (
            {"nodes": [["id", "kind", "rule_exempt"], ["a", "store", "yes"]]},
            "nodes, row 2, column rule_exempt: must be true or false, got 'yes'",
        ),
        ({"nodes": [["id", "kind"], [None, "store"]]}, "nodes, row 2, column id: is required"),
        (
            {"nodes": [["id", "kind"], ["a", "stroe"]]},
            "nodes, row 2, column kind: unknown kind 'stroe' (did you mean 'store'?)",
        ),
        (
            {"nodes": [["id", "kind", "attrs"], ["a", "store", "{oops"]]},
            "nodes, row 2, column attrs: invalid JSON at line 1, column 2",
        ),
        (
            {"nodes": [["id", "kind", "attrs"], ["a", "store", "[1]"]]},
            "nodes, row 2, column attrs: must be a JSON object",
        ),
        (
            {"nodes": [["id", "kind", "attrs"], ["a", "store", '{"k": 1, "k": 2}']]},
            "nodes, row 2, column attrs: invalid JSON at line 1, column 10: key 'k' is written twice",
        ),
        (
            {"nodes": [["id", "kind", "attrs"], ["a", "store", '{"x": {"y": Infinity}}']]},
            "nodes, row 2, column attrs: at x.y: must be a finite number, got inf",
        ),
        (
            {"nodes": [["id", "kind"], ["a", "store"], ["a", "role"]]},
            "nodes, row 3, column id: duplicate id 'a' (also nodes[0])",
        ),
        (
            {"nodes": [["id", "kind"], ["a", "store"]], "classes": [["id", "records"], ["c", 2.5]]},
            "classes, row 2, column records: must be a whole number",
        ),
        (
            {"nodes": [["id", "kind"], ["a", "store"]], "sources": [["id", "title"], ["s", "x"], ["s", "y"]]},
            "sources, row 3, column id: duplicate source id 's' (also row 2)",
        ),
        (
            {
                "nodes": [["id", "kind"], ["a", "store"]],
                "sources": [["id", "title", "fields"], ["s", "x", '{"title": "y"}']],
            },
            "sources, row 2, column fields: gives 'title' again: it has a column of its own",
        ),
        (
            {
                "nodes": [["id", "kind"], ["a", "store"]],
                "sources": [["id", "fields"], ["s.1", '{"a.b": {"c": Infinity}}']],
            },
            "sources, row 2, column fields: at a.b.c: must be a finite number, got inf",
        ),
        (
            {"nodes": [["id", "kind", "source"], ["a", "store", "scr"]], "sources": [["id"], ["src"]]},
            "nodes, row 2, column source: unknown source 'scr' (did you mean 'src'?)",
        ),
        (
            {
                "nodes": [["id", "kind"], ["CN", "jurisdiction"]],
                "model": [["field", "value"], ["adversaries", "CN; XX"]],
            },
            "model, row 2, column value: item 2: unknown node 'XX'",
        ),
        (
            {"nodes": [["id", "kind"]], "model": [["field", "value"], ["nmae", "x"]]},
            "model, row 2, column field: unknown field 'nmae' (did you mean 'name'?)",
        ),
        (
            {"nodes": [["id", "kind"]], "model": [["field", "value"], ["format", "datareach/2"]]},
            "model, row 2, column value: unsupported format 'datareach/2'",
        ),
        (
            {"nodes": [["id", "kind"]], "model": [["field", "value"], ["name", "a"], ["name", "b"]]},
            "model, row 3, column field: the field name is given twice (also row 2)",
        ),
        ({"nodes": [["id", "kind"]], "acess": [["from"]]}, "'acess': unknown sheet (did you mean 'access'?)"),
        ({"nodes": [["id", "kind"]], "Sheet1": []}, "'Sheet1': unknown sheet; the sheets are model, sources, events"),
        ({"access": [["from", "to", "p"]]}, "there is no nodes sheet: a model needs one"),
    ],
)
def test_sheet_mistakes(tmp_path: Path, sheets: dict[str, list[list[Any]]], expected: str) -> None:
    assert load_error(tmp_path, sheets).startswith(expected)


def test_a_huge_value_is_quoted_briefly(tmp_path: Path) -> None:
    long_id = "v" * 30_000
    message = load_error(tmp_path, {"nodes": NODES, "access": [["from", "to", "p"], ["admin", long_id, 1]]})
    assert message.startswith("access, row 2, column to: unknown node 'vvvv")
    assert "(30,000 characters)" in message and len(message) < 300


def test_cells_an_analyst_types_are_read(tmp_path: Path) -> None:
    # Dates typed as dates, numbers typed as text, flags as booleans or text, blank rows.
    path = workbook(
        tmp_path / "typed.xlsx",
        {
            "nodes": [
                ["id", "kind", "rule_exempt", "note"],
                ["v", "store", True, None],
                ["a", "role", "FALSE", "'=keep"],
            ],
            "access": [
                ["from", "to", "p", "window_start", "window_end", "cost"],
                [],
                ["a", "v", "0.25", datetime.datetime(2021, 9, 1), datetime.date(2022, 2, 1), "inf"],
            ],
        },
    )
    expected = dr.Model().add_node("v", "store", rule_exempt=True).add_node("a", "role", note="=keep")
    expected.add_access("a", "v", 0.25, window=("2021-09-01", "2022-02-01"), cost=float("inf"))
    assert dr.load(path) == expected


def test_blank_cells_are_not_given_and_an_apostrophe_is_the_empty_text(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path / "inv", {"nodes": "id,kind,note,region\na,store,,\nb,store,',US\n"})
    model = dr.load(folder)
    assert model.nodes["note"].tolist() == [None, ""]
    assert model.nodes["region"].tolist() == [None, "US"]


# -- hostile files ------------------------------------------------------------------------


def rewrite(path: Path, member: str, change: Callable[[bytes], bytes], extra: dict[str, bytes] | None = None) -> Path:
    """A copy of an XLSX file with one part changed (and parts added)."""
    out = path.with_name("crafted.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == member else data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out


def good_workbook(tmp_path: Path) -> Path:
    model = dr.Model().add_node("a", "role").add_node("v", "store").add_access("a", "v", 0.5)
    path = tmp_path / "good.xlsx"
    dr.save(model, path)
    return path


def sheet_part(path: Path, name: str) -> str:
    """The zip member of a sheet of a workbook dr.save wrote (sheet order is SHEET_ORDER)."""
    return f"xl/worksheets/sheet{SHEET_ORDER.index(name) + 1}.xml"


def test_a_file_over_max_bytes_is_refused(tmp_path: Path) -> None:
    path = good_workbook(tmp_path)
    assert "larger than the limit of 1,000 bytes" in str(error_of(path, max_bytes=1000))


def test_a_zip_bomb_is_refused_by_its_table_of_contents(tmp_path: Path) -> None:
    path = good_workbook(tmp_path)
    bomb = rewrite(path, "", bytes, extra={"xl/media/image1.bin": bytes(200_000_000)})
    size = bomb.stat().st_size
    assert size < 1_000_000  # 200 MB of zeros pack into a few hundred kB
    started = time.perf_counter()
    message = str(error_of(bomb, max_bytes=10 * size))
    assert time.perf_counter() - started < 5
    assert re.search(r"its parts would unpack to [\d,]+ bytes, more than the limit of [\d,]+ \(4 × max_bytes", message)


def test_files_that_are_no_workbook_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    assert "it is not an XLSX workbook (not a zip archive)" in str(error_of(junk))
    empty_zip = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("hello.txt", "secret-content-7f1c")
    message = str(error_of(empty_zip))
    assert "not a readable XLSX workbook" in message and "secret-content" not in message


def test_absurd_declared_dimensions_are_refused(tmp_path: Path) -> None:
    path = good_workbook(tmp_path)
    member = sheet_part(path, "access")

    # A write-only workbook has no <dimension>: put one before the sheet's views, as Excel does.
    def put_dimension(ref: str) -> Callable[[bytes], bytes]:
        def change(xml: bytes) -> bytes:
            start = xml.index(b"<sheetViews>") if b"<sheetViews>" in xml else xml.index(b"<sheetData")
            return xml[:start] + f'<dimension ref="{ref}"/>'.encode() + xml[start:]

        return change

    message = str(error_of(rewrite(path, member, put_dimension("A1:XFD2000000"))))
    assert message.startswith("access: the sheet declares 2,000,000 rows and 16,384 columns, beyond a spreadsheet's")
    # Declared at Excel's limits, with three real rows: read at once, no row padded.
    started = time.perf_counter()
    assert dr.load(rewrite(path, member, put_dimension("A1:XFD1048576"))).access["to"].tolist() == ["v"]
    assert time.perf_counter() - started < 5


def test_a_far_cell_or_a_far_row_is_bounded(tmp_path: Path) -> None:
    path = good_workbook(tmp_path)
    member = sheet_part(path, "access")

    def far_cell(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>", b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        )

    assert str(error_of(rewrite(path, member, far_cell))).startswith(
        "access, row 3, column XFD: a value in a column without a name"
    )

    def far_row(xml: bytes) -> bytes:
        return xml.replace(
            b"</sheetData>", b'<row r="5000000"><c r="A5000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        )

    far = rewrite(path, member, far_row)
    with cpu_time() as used:
        assert str(error_of(far)) == "access: the sheet has more than 1,048,576 rows"
    # About 0.1 s of CPU time. CPU time, not the wall clock, which a loaded machine stretches
    # (cpu_time.py).
    assert used.seconds < 10, used.seconds

    def wide_rows(xml: bytes) -> bytes:
        rows = b"".join(f'<row r="{r}"><c r="XFD{r}" s="0"/></row>'.encode() for r in range(10, 5_000))
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")

    wide = rewrite(path, member, wide_rows)
    with cpu_time() as used:
        assert str(error_of(wide)) == "access: the workbook has more than 50,000,000 cells"
    # About 2.4 s of CPU time to scan up to the cell budget, measured as CPU time for the
    # same reason.
    assert used.seconds < 30, used.seconds


def test_an_xml_entity_bomb_is_refused(tmp_path: Path) -> None:
    path = good_workbook(tmp_path)
    member = sheet_part(path, "access")
    entities = '<!ENTITY a0 "laugh">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))

    def bomb(xml: bytes) -> bytes:
        body = xml.replace(
            b'<c r="A2" t="inlineStr"><is><t>a</t></is></c>', b'<c r="A2" t="inlineStr"><is><t>&a9;</t></is></c>'
        )
        assert body != xml
        return f"<?xml version='1.0'?><!DOCTYPE worksheet [{entities}]>".encode() + body

    started = time.perf_counter()
    message = str(error_of(rewrite(path, member, bomb)))
    assert time.perf_counter() - started < 10
    assert "not a readable XLSX workbook" in message and "laugh" not in message


def test_openpyxl_missing_is_named_with_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed: import fails
    model = dr.Model().add_node("a", "store")
    with pytest.raises(dr.ModelError, match=re.escape("needs openpyxl: pip install 'datareach[xlsx]'")):
        dr.save(model, tmp_path / "m.xlsx")
    dr.save(model, f"{tmp_path}/csv/")  # CSV needs no extra
    assert dr.load(tmp_path / "csv") == model


# -- templates ----------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    package_root = Path(dr.__file__).resolve().parents[1]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_root), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "datareach.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_template_command_writes_a_workbook_that_loads_empty(tmp_path: Path) -> None:
    path = tmp_path / "inventory.xlsx"
    done = run_cli("template", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {path}: a template to fill in")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["README", *SHEET_ORDER]
    for name in SHEET_ORDER:
        assert [c.value for c in book[name][1]] == list(SHEETS[name].names)
    described = {(row[0].value, row[1].value): row[2].value for row in book["README"].iter_rows(min_row=2)}
    for name in SHEET_ORDER:
        for column in SHEETS[name].columns:
            assert described[(name, column.name)] == ("yes" if column.required else None), (name, column.name)
    empty = dr.load(path)
    assert empty == dr.Model()  # an unfilled template: an empty model (docs/scenario-format.md)


def test_a_filled_template_loads(tmp_path: Path) -> None:
    path = tmp_path / "inventory.xlsx"
    assert main(["template", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    book["nodes"].append(["CN", "jurisdiction", None, "CN", 0.9])
    book["nodes"].append(["admin", "role", "CN/Beijing"])
    book["nodes"].append(["virginia", "store", "US/VA"])
    book["classes"].append(["phones", 5, 150_000_000])
    book["placements"].append(["phones", "virginia"])
    book["access"].append(["admin", "virginia", 0.5, None, None, None, None, None, "admin"])
    for row in book["model"].iter_rows(min_row=2):
        if row[0].value == "adversaries":
            row[1].value = "CN"
    book.save(path)
    model = dr.load(path)
    expected = dr.Model()
    expected.add_node("CN", "jurisdiction", territory="CN", compels=0.9).add_node("admin", "role", "CN/Beijing")
    expected.add_node("virginia", "store", "US/VA").add_class("phones", 5, 150_000_000).place("phones", "virginia")
    expected.add_access("admin", "virginia", 0.5, kind="admin")
    expected.adversaries = ["CN"]
    assert model == expected
    # CN compels the admin (0.9), who reaches Virginia with 0.5.
    assert dr.analyze(model, method="exact").table.set_index("class").loc["phones", "probability"] == pytest.approx(
        0.45
    )


def test_the_csv_template_with_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", str(tmp_path / "inv"), "--format", "csv", "--example"]) == 0
    assert "the Project Texas example" in capsys.readouterr().out
    assert (tmp_path / "inv" / "README.md").read_text(encoding="utf-8").startswith("# datareach inventory")
    assert dr.load(tmp_path / "inv") == dr.examples.project_texas()
    assert main(["template", f"{tmp_path / 'empty'}/"]) == 0
    assert dr.load(tmp_path / "empty") == dr.Model()
    buffer = io.BytesIO()
    dr.template(buffer, "xlsx", model=dr.examples.project_texas())
    assert dr.load(io.BytesIO(buffer.getvalue()), format="xlsx") == dr.examples.project_texas()


def test_a_template_needs_a_spreadsheet_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", str(tmp_path / "inventory.yaml")]) == 2
    assert "a template is an XLSX workbook or a folder of CSV files" in capsys.readouterr().err


# -- a workbook as Excel writes it ----------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def excel_style_workbook(path: Path, strings: list[str], rows: list[str]) -> Path:
    """A minimal workbook of one ``nodes`` sheet whose text is in a shared-strings table,
    as Excel writes text (openpyxl writes inline strings)."""
    shared = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in strings)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets><sheet name="nodes" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}">{shared}</sst>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def test_a_workbook_with_shared_strings_and_excel_escapes(tmp_path: Path) -> None:
    strings = ["id", "kind", "note", "a", "store", "carriage_x000D_return", "b", "'=not a formula"]
    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>',
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c></row>',
        '<row r="4"><c r="A4" t="s"><v>6</v></c><c r="B4" t="s"><v>4</v></c><c r="C4" t="s"><v>7</v></c></row>',
    ]
    model = dr.load(excel_style_workbook(tmp_path / "excel.xlsx", strings, rows))
    assert model.nodes["id"].tolist() == ["a", "b"]
    assert model.nodes["note"].tolist() == ["carriage\rreturn", "=not a formula"]
    formula = '<row r="5"><c r="A5"><f>CONCAT("x","y")</f><v>xy</v></c><c r="B5" t="s"><v>4</v></c></row>'
    message = str(error_of(excel_style_workbook(tmp_path / "formula.xlsx", strings, [*rows, formula])))
    assert message.startswith("nodes, row 5, column id: holds a formula")


def test_a_csv_folder_is_read_within_max_bytes(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path / "inv", {"nodes": "id,kind\n" + "".join(f"n{i},store\n" for i in range(1000))})
    assert len(dr.load(folder).nodes) == 1000
    assert "larger than the limit of 5,000 bytes" in str(error_of(folder, max_bytes=5_000))


def test_a_csv_cell_beyond_the_reader_limit_names_its_row(tmp_path: Path) -> None:
    folder = csv_folder(tmp_path / "inv", {"nodes": 'id,kind,note\na,store,x\nb,store,"' + "y" * 200_000 + '"\n'})
    message = str(error_of(folder))
    assert message.startswith("nodes.csv, row 3: invalid CSV: field larger than field limit")
    assert "yyyy" not in message
    model = dr.Model().add_node("a", "store", note="y" * 200_000)
    with pytest.raises(
        dr.ModelError, match=r"nodes\.csv, row 2, column note: holds 200,000 characters, more than the 131,072"
    ):
        dr.save(model, tmp_path / "out", format="csv")
    with pytest.raises(
        dr.ModelError, match=r"nodes, row 2, column note: holds 200,000 characters, more than the 32,767"
    ):
        dr.save(model, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()  # nothing half-written


# -- fuzzing ---------------------------------------------------------------------------------

_ODD_CELLS = [
    "",
    "'",
    "''",
    "=1+1",
    "#N/A",
    "inf",
    "-inf",
    "nan",
    "1e999",
    "2021-02-30",
    "a; ; b",
    "{",
    '{"a": 1}',
    "TRUE",
]
_CELLS = st.one_of(
    st.none(),
    st.sampled_from(_ODD_CELLS),
    st.sampled_from(["virginia", "admin", "CN", "store", "role", "0.5", "1", "2022-01-01"]),
    st.text(max_size=6),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


@st.composite
def _sheets(draw: st.DrawFn) -> tuple[str, list[list[Any]]]:
    section = draw(st.sampled_from(["events", "nodes", "classes", "placements", "flows", "access", "sources", "model"]))
    names = list(SHEETS[section].names)
    header = draw(st.lists(st.one_of(st.sampled_from(names), st.sampled_from(["window", "prob", ""])), max_size=6))
    rows = draw(st.lists(st.lists(_CELLS, max_size=7), max_size=5))
    return section, [header, *rows]


def _check_outcome(load: Callable[[], dr.Model]) -> None:
    try:
        load()
    except dr.ModelError as error:
        assert len(str(error)) < 600, str(error)
        assert str(error).strip() and "Traceback" not in str(error)


@settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=_sheets())
def test_any_cells_load_or_fail_with_a_short_error(tmp_path: Path, drawn: tuple[str, list[list[Any]]]) -> None:
    """Whatever the cells, a workbook or a CSV folder loads or ends in a short ModelError,
    never another exception (docs/design.md §7, "Bad input")."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    section, rows = drawn
    sheets = {"nodes": rows} if section == "nodes" else {"nodes": NODES, section: rows}
    cleaned = {
        name: [[ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row] for row in content]
        for name, content in sheets.items()
    }
    folder = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    path = workbook(folder / "fuzz.xlsx", cleaned)
    _check_outcome(lambda: dr.load(path))
    texts = {}
    for name, content in sheets.items():
        out = io.StringIO()
        writer = csv.writer(out)
        for row in content:
            writer.writerow(["" if c is None else str(c) for c in row])
        texts[name] = out.getvalue()
    _check_outcome(lambda: dr.load(csv_folder(folder / "csv", texts)))
