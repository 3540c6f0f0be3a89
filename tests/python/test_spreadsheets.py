"""Spreadsheets as scenario files (docs/scenario-format.md, "Spreadsheets"): XLSX workbooks
and folders of CSV files round-trip every model exactly — the embedded example, random
models, Hypothesis models and edge cases (ids that look like numbers, dates or formulas,
ids holding ';', text with line breaks and control characters, counts up to 2^63 - 1,
floats that need 17 digits, open windows) — and a datareach CSV file read with
``pd.read_csv`` goes into the bulk builders, list cells ``a; b`` included."""

from __future__ import annotations

import csv
import io
import math
import random
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import datareach as dr
from datareach.model.lists import join_list_cell, split_list_cell
from fuzz_strategies import valid_scenarios
from random_models import add_ranges, random_scenario

FORMATS = ["xlsx", "csv"]


def round_trip(model: dr.Model, tmp_path: Path, format: str) -> dr.Model:
    target = tmp_path / ("inventory.xlsx" if format == "xlsx" else "inventory/")
    dr.save(model, target if format == "xlsx" else f"{target}/")
    return dr.load(target)


def _canonical_sources(model: dr.Model) -> dr.Model:
    """``model`` with each source's fields in the order a sheet gives them back: the columns
    title, publisher, date, url first, then the others (docs/scenario-format.md)."""
    first = ("title", "publisher", "date", "url")
    data = model.to_dict()
    for source, fields in data.get("sources", {}).items():
        ordered = {k: fields[k] for k in first if isinstance(fields.get(k), str)}
        data["sources"][source] = {**ordered, **{k: v for k, v in fields.items() if k not in ordered}}
    return dr.Model.from_dict(data)


def assert_same(loaded: dr.Model, model: dr.Model) -> None:
    assert loaded == model
    assert loaded.to_dict() == model.to_dict()
    # Byte for byte the same YAML: number spelling (1 vs 1.0) and key order kept too.
    assert dr.io.dumps(loaded) == dr.io.dumps(_canonical_sources(model))


# -- the embedded example -----------------------------------------------------------------


@pytest.mark.parametrize("format", FORMATS)
def test_the_example_round_trips_exactly(tmp_path: Path, format: str) -> None:
    model = dr.examples.project_texas()
    assert_same(round_trip(model, tmp_path, format), model)


def test_the_example_workbook_has_a_sheet_per_section(tmp_path: Path) -> None:
    model = dr.examples.project_texas()
    dr.save(model, tmp_path / "texas.xlsx")
    book = openpyxl.load_workbook(tmp_path / "texas.xlsx")
    assert book.sheetnames == ["model", "sources", "events", "nodes", "classes", "placements", "flows", "access"]
    # One row per entry below the header, counted against the model's own tables.
    for section in ("events", "nodes", "classes", "placements", "flows", "access"):
        assert book[section].max_row == 1 + len(getattr(model, section)), section
    assert book["sources"].max_row == 1 + len(model.sources)
    header = [cell.value for cell in book["access"][1]]
    assert header == list(model.access.columns)  # the bulk-frame columns, in order
    model_rows = {row[0].value: row[1].value for row in book["model"].iter_rows(min_row=2)}
    assert model_rows == {"format": "datareach/1", "name": model.name, "adversaries": "; ".join(model.adversaries)}


def test_the_example_csv_folder_has_a_file_per_sheet(tmp_path: Path) -> None:
    model = dr.examples.project_texas()
    dr.save(model, tmp_path / "texas", format="csv")
    names = sorted(p.name for p in (tmp_path / "texas").iterdir())
    assert names == sorted(
        f"{s}.csv" for s in ("model", "sources", "events", "nodes", "classes", "placements", "flows", "access")
    )
    with open(tmp_path / "texas" / "access.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(model.access)
    for row, (_, arc) in zip(rows, model.access.iterrows()):
        assert row["from"] == arc["from"] and row["to"] == arc["to"]
        assert row["requires"] == ("" if arc["requires"] is None else "; ".join(arc["requires"]))
        assert float(row["p"]) == arc["p"]


# -- random models ------------------------------------------------------------------------


@pytest.mark.parametrize("format", FORMATS)
def test_random_models_round_trip(tmp_path: Path, format: str) -> None:
    rng = random.Random(20261202)
    for i in range(60):
        model = dr.Model.from_dict(add_ranges(random_scenario(rng), rng))
        folder = tmp_path / str(i)
        folder.mkdir()
        assert_same(round_trip(model, folder, format), model)


def _valid_model(scenario: dict[str, Any]) -> dr.Model | None:
    try:
        return dr.Model.from_dict(scenario)
    except dr.ModelError:
        return None  # the strategy now and then draws a scenario one step from valid


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=valid_scenarios())
def test_hypothesis_models_round_trip(tmp_path: Path, scenario: dict[str, Any]) -> None:
    model = _valid_model(scenario)
    if model is None:
        return
    for format in FORMATS:
        buffer = io.BytesIO()
        if format == "xlsx":
            dr.save(model, buffer, format="xlsx")
            loaded = dr.load(io.BytesIO(buffer.getvalue()), format="xlsx")
        else:
            folder = tmp_path / f"h{abs(hash(repr(scenario))) % 10**9}"
            dr.save(model, folder, format="csv")
            loaded = dr.load(folder, format="csv")
        assert_same(loaded, model)


# -- edge cases ---------------------------------------------------------------------------

# Ids a spreadsheet program would read as something else, ids holding the list separator or
# its escape, and ids that look like Excel's own text escape.
ODD_IDS = [
    "1",
    "007",
    "2021-01-01",
    "1e5",
    "TRUE",
    "inf",
    "NA",
    "null",
    "=cmd|' /C calc'!A0",
    "+1",
    "-x",
    "@SUM(A1)",
    "'quoted",
    "a;b",
    "dept\\eng",
    "a\\;b",
    "_x0041_",
    "北京",
    "é",
    "🙂 store",
]
ODD_TEXTS = [
    "",
    " lead and trail ",
    "two\nlines",
    "crlf\r\nline",
    "carriage\rreturn",
    "a; b; c",
    "tab\tinside",
    "\x01control\x1f",
    '=HYPERLINK("http://x")',
    "-5 degrees",
    "'",
    "''",
    "_x000D_ literal",
    "_x0041_x0042_",
    "_x0041\r",
    "\u2028 \u0085 \ufeff",
]


def edge_model() -> dr.Model:
    m = dr.Model("a name\nwith two lines; and a ';'")
    m.add_source("s;1", title="", publisher="=P", year=2023, tags=["a", 1.5, None, True], nested={"x": {"y": [10**30]}})
    m.add_source("plain", title="Only a title")
    m.add_source("typed", title=7, date="2022-06-31")
    m.add_event("e;1", 1e-300, p_range=(0.0, 0.1), note="ASSUMPTION: tiny")
    m.add_event("e2", 0.30000000000000004)
    m.add_node("CN", "jurisdiction", territory="CN", compels=0.1 + 0.2, compels_range=(0.1, 0.9))
    for i, node in enumerate(ODD_IDS):
        m.add_node(
            node, "store" if i % 2 else "role", region="US/VA" if i % 3 else None, note=ODD_TEXTS[i % len(ODD_TEXTS)]
        )
    m.add_node("attrs", "organization", rule_exempt=True, owner="=x", n=2**70, f=5e-324, deep={"a": [1, {"b": None}]})
    records = [0, 1, 2**53 + 1, 2**63 - 1, 150_000_000, 9_007_199_254_740_993]
    for i, count in enumerate(records):
        m.add_class(
            f"c{i}", sensitivity=[0, 1e-320, 2.5, 1e300, 0.1, 7][i], records=count, category="=cat" if i else None
        )
    m.add_class("mosaic", components=["c1", "c2"], note="; ".join(ODD_TEXTS[:4]))
    stores = [n for i, n in enumerate(ODD_IDS) if i % 2]
    windows: list[Any] = [None, ("2021-01-01", None), (None, "2022-02-01"), ("0001-01-01", "9999-12-31")]
    for i, store in enumerate(stores):
        m.place(f"c{i % 6}", store, share=[1, 5e-324, 0.1, 1 / 3][i % 4], window=windows[i % 4], source="s;1")
    m.add_flow(stores[0], stores[1], classes=["c0", "mosaic"], share=2 / 3, kind="backup", window=windows[1])
    m.add_flow(stores[1], stores[2], kind="=x")
    for i, node in enumerate(ODD_IDS):
        m.add_access(
            node,
            ODD_IDS[(i + 1) % len(ODD_IDS)],
            p=[1, 0, 0.5, 1 / 7][i % 4],
            classes=["c1", "mosaic"] if i % 3 == 0 else None,
            requires=["e;1", "e2"] if i % 4 == 0 else None,
            cost=[1, math.inf, 1e-300, 3][i % 4],
            kind=["=x", "1", "a; b", None, "TRUE"][i % 5],
            window=windows[i % 4],
            note=ODD_TEXTS[(i + 3) % len(ODD_TEXTS)],
            p_range=(0.0, 1.0) if i % 5 == 0 else None,
            source="typed" if i % 2 else None,
        )
    m.adversaries = ["CN", "a;b", "=cmd|' /C calc'!A0"]
    return m


def test_the_edge_model_is_what_it_says() -> None:
    # The cases exist in the model before they are written (not dropped on the way in).
    m = edge_model()
    assert m.classes["records"].tolist()[3] == 2**63 - 1
    assert "a;b" in m.node_ids and "" in m.nodes["note"].tolist()
    assert m.sources["s;1"]["nested"] == {"x": {"y": [10**30]}}
    assert math.inf in m.access["cost"].tolist()


@pytest.mark.parametrize("format", FORMATS)
def test_edge_cases_round_trip(tmp_path: Path, format: str) -> None:
    model = edge_model()
    assert_same(round_trip(model, tmp_path, format), model)


def test_xlsx_text_never_becomes_a_formula(tmp_path: Path) -> None:
    dr.save(edge_model(), tmp_path / "m.xlsx")
    with zipfile.ZipFile(tmp_path / "m.xlsx") as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)
    book = openpyxl.load_workbook(tmp_path / "m.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert {cell.data_type for cell in cells} <= {"s", "n", "b"}
    formula_like = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)


def test_xlsx_numbers_are_number_cells_where_excel_holds_them(tmp_path: Path) -> None:
    dr.save(edge_model(), tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(tmp_path / "m.xlsx")
    records = {row[0].value: row[2].value for row in book["classes"].iter_rows(min_row=2)}
    assert records["c4"] == 150_000_000  # a number cell
    assert records["c2"] == str(2**53 + 1) and records["c3"] == str(2**63 - 1)  # past 2^53: text
    p = {row[0].value: row[1].value for row in book["events"].iter_rows(min_row=2)}
    assert p["e2"] == "0.30000000000000004"  # 17 digits: text, exact
    assert p["e;1"] == 1e-300
    costs = [row[7].value for row in book["access"].iter_rows(min_row=2)]
    assert "inf" in costs


def test_csv_guards_formulas_with_an_apostrophe(tmp_path: Path) -> None:
    dr.save(edge_model(), tmp_path / "m", format="csv")
    with open(tmp_path / "m" / "nodes.csv", newline="", encoding="utf-8") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert "'=cmd|' /C calc'!A0" in ids and "'+1" in ids and "'-x" in ids and "'@SUM(A1)" in ids
    assert "''quoted" in ids and "1" in ids
    assert not any(i.startswith(("=", "+", "-", "@")) for i in ids)


def test_list_cells_escape_the_separator() -> None:
    ids = ["a;b", "dept\\eng", "a\\;b", "plain", ";", "\\"]
    text = join_list_cell(ids)
    assert text == "a\\;b; dept\\\\eng; a\\\\\\;b; plain; \\;; \\\\"
    assert split_list_cell(text) == ids
    assert split_list_cell("a;b ;  c") == ["a", "b", "c"]
    assert split_list_cell("dept\\eng") == ["dept\\eng"]  # a backslash before other text is itself
    for bad in ("a; ; b", "a;", " ", ";"):
        with pytest.raises(ValueError, match="is empty"):
            split_list_cell(bad)


@pytest.mark.parametrize("format", FORMATS)
def test_an_empty_model_round_trips(tmp_path: Path, format: str) -> None:
    assert_same(round_trip(dr.Model(), tmp_path, format), dr.Model())


def test_save_dispatch(tmp_path: Path) -> None:
    model = dr.examples.project_texas()
    existing = tmp_path / "existing"
    existing.mkdir()
    dr.save(model, existing)  # an existing folder: CSV files
    assert (existing / "nodes.csv").is_file()
    dr.save(model, str(tmp_path / "slash") + "/")
    assert (tmp_path / "slash" / "access.csv").is_file()
    dr.save(model, tmp_path / "book.data", format="xlsx")
    assert dr.load(tmp_path / "book.data", format="xlsx") == model
    with pytest.raises(dr.ModelError, match="a CSV file holds one sheet, not a model"):
        dr.load(existing / "nodes.csv")
    with pytest.raises(dr.ModelError, match="a CSV file holds one sheet"):
        dr.save(model, tmp_path / "model.csv")
    with pytest.raises(dr.ModelError, match="unknown file format 'xls'"):
        dr.save(model, tmp_path / "a.xls", format="xls")  # type: ignore[arg-type]
    with pytest.raises(dr.ModelError, match="the folder .* does not exist"):
        dr.save(model, f"{tmp_path / 'missing' / 'deeper'}/")
    with pytest.raises(dr.ModelError, match=r"name it \.yaml, \.yml, \.json or \.xlsx"):
        dr.save(model, tmp_path / "inventory")


def test_a_saved_folder_keeps_no_stale_section(tmp_path: Path) -> None:
    # Every sheet is written, an empty section as its header: an old flows.csv cannot linger.
    dr.save(dr.examples.project_texas(), f"{tmp_path}/inv/")
    smaller = dr.Model().add_node("a", "store")
    dr.save(smaller, tmp_path / "inv")  # an existing folder
    assert dr.load(tmp_path / "inv") == smaller


# -- bulk frames take list cells ----------------------------------------------------------


def test_add_arcs_takes_list_cells() -> None:
    base = (
        dr.Model().add_event("e1", 0.5).add_event("e;2", 0.5).add_nodes({"id": ["a", "b"], "kind": ["role", "store"]})
    )
    base.add_class("x").add_class("y")
    as_text = base.copy().add_arcs(
        pd.DataFrame({"from": ["a"], "to": ["b"], "p": [1.0], "requires": ["e1; e\\;2"], "classes": ["x;y"]})
    )
    as_lists = base.copy().add_arcs(
        pd.DataFrame({"from": ["a"], "to": ["b"], "p": [1.0], "requires": [("e1", "e;2")], "classes": [["x", "y"]]})
    )
    assert as_text == as_lists
    assert as_text.access["requires"].tolist() == [("e1", "e;2")]
    # The model holds one arc already: the frame's second row is access[2].
    with pytest.raises(dr.ModelError, match=r"access\[2\]\.requires: item 2 of the list is empty"):
        as_text.add_arcs({"from": ["a", "a"], "to": ["b", "b"], "p": [1, 1], "requires": [None, "e1;"]})


def test_a_csv_sheet_read_by_pandas_goes_into_the_bulk_builders(tmp_path: Path) -> None:
    model = dr.examples.project_texas()
    dr.save(model, tmp_path / "inv", format="csv")

    def frame(name: str) -> pd.DataFrame:
        # Text as text: ids such as "NA" or "1" stay ids (docs/scenario-format.md).
        table = pd.read_csv(tmp_path / "inv" / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
        for column in ("p", "p_range_low", "p_range_high", "share", "cost", "sensitivity"):
            if column in table:
                table[column] = table[column].astype(float)
        return table

    rebuilt = dr.Model(model.name)
    for source, fields in model.sources.items():
        rebuilt.add_source(source, **fields)
    rebuilt.add_events(frame("events"))
    rebuilt.add_nodes(model.nodes)  # attrs are JSON text in a CSV file: dr.load reads them
    classes = frame("classes")
    classes["records"] = classes["records"].map(int)
    rebuilt.add_classes(classes)
    rebuilt.add_placements(frame("placements"))
    rebuilt.add_flows(frame("flows"))
    rebuilt.add_arcs(frame("access"))
    rebuilt.adversaries = model.adversaries
    assert rebuilt == model
