"""``datareach demo``: the embedded Project Texas example, reach and exposure at a few dates."""

from __future__ import annotations

import argparse
from typing import Any

from .options import check_dates
from .reach import print_reach, reach_with_paths

__all__ = ["DEMO_DATES", "register"]

DEMO_DATES = ("2021-10-01", "2022-07-01")


def _run(args: argparse.Namespace) -> int:
    from ..analysis import analyze
    from ..examples import project_texas

    dates = args.at or DEMO_DATES
    check_dates(dates)
    model = project_texas()
    print(f"{model.name}\n")
    for at in dates:
        result = analyze(model, at=at, seed=1)
        title = f"As of {at}: who can reach which data (exposure: {result.method.replace('_', ' ')})"
        print_reach(reach_with_paths(model, None, at).table, title, result.table)
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help="run the embedded Project Texas example")
    parser.add_argument(
        "--at", action="append", metavar="DATE", help=f"date(s) to show (default: {', '.join(DEMO_DATES)})"
    )
    parser.set_defaults(run=_run)
