"""``datareach template PATH``: write a spreadsheet to fill in, an XLSX workbook (``.xlsx``)
or a folder of CSV files (``--format csv`` or a path ending in ``/``), with every sheet, its
header row and a README describing each column; ``--example`` fills it with the embedded
Project Texas model."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..examples import project_texas
    from ..io.sheets import SHEET_ORDER
    from ..io.template import template

    template(args.path, args.format, model=project_texas() if args.example else None)
    what = "the Project Texas example" if args.example else "a template to fill in"
    print(f"wrote {args.path}: {what}, sheets {', '.join(SHEET_ORDER)} and a README")
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("template", help="write a spreadsheet (XLSX or a CSV folder) to fill in")
    parser.add_argument("path", help="an .xlsx file, or a folder for CSV files (ending in '/', or with --format csv)")
    parser.add_argument("--format", choices=["xlsx", "csv"], default=None, help="xlsx or csv (default: from the path)")
    parser.add_argument("--example", action="store_true", help="fill the sheets with the embedded example model")
    parser.set_defaults(run=_run)
