"""Shared by ``datareach paths | cut | chokepoints``: the request flags of one explanation
(a file, one adversary, one class, ``--at``, ``--json``) and how its result is printed."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .options import check_dates
from .output import load, print_frame, write_json

if TYPE_CHECKING:
    from ..model import Model
    from ..results import AnalysisResult

__all__ = ["add_explain_options", "explain_request", "show"]


def add_explain_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file")
    parser.add_argument("--adversary", required=True, metavar="ID", help="adversary node id")
    parser.add_argument("--class", dest="data_class", required=True, metavar="ID", help="an atomic class id")
    parser.add_argument("--at", metavar="DATE", help="analyse as of this date (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def explain_request(args: argparse.Namespace) -> Model:
    if args.at is not None:
        check_dates([args.at])
    return load(args.file, args)


def show(result: AnalysisResult, args: argparse.Namespace, empty: str) -> None:
    if args.json:
        write_json(result)
        return
    print(result._title())
    if len(result.table):
        print_frame(result.table)
    else:
        print(empty)
