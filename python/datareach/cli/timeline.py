"""``datareach timeline``: exposure of a scenario file over time, by default at the model's own
change dates (docs/design.md §5, "Timeline")."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..errors import ModelError, did_you_mean, quote
from .options import add_analysis_options, analysis_options
from .output import load, print_frame, probability, write_json

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import timeline

    options = analysis_options(args)
    model = load(args.file, args)
    for name in args.data_class or ():
        if name not in model.class_index:
            raise ModelError(f"unknown class {quote(name)}{did_you_mean(name, model.class_ids)}", where="--class")
    changes = model.change_dates()
    start, end = args.start or (changes[0] if changes else None), args.end or (changes[-1] if changes else None)
    if start is None or end is None:
        raise ModelError("the model has no dated entries: give --start and --end", where="--start")
    try:
        result = timeline(
            model, start, end, args.freq, changes=args.changes, adversaries=args.adversary or None, options=options
        )
    except ModelError as error:
        if error.where in ("start", "end", "freq"):
            raise ModelError(error.reason, where=f"--{error.where}") from None
        raise
    if args.json:
        write_json(result)
        return 0
    print(f"{model.name or args.file}: exposure probability over time ({result.provenance.describe()})")
    if result.change_dates:
        print(f"the model changes on {', '.join(result.change_dates)}")
    table = result.table
    if args.data_class:
        table = table[table["class"].isin(args.data_class)]
    for adversary, rows in table.groupby("adversary", sort=False):
        print(f"\n{adversary}:")
        wide = rows.pivot(index="date", columns="class", values="probability")
        wide = wide[list(dict.fromkeys(rows["class"]))]  # the model's class order, not sorted
        wide.index = [date.date().isoformat() for date in pd.DatetimeIndex(wide.index)]
        print_frame(_with_dates(wide))
    return 0


def _with_dates(wide: pd.DataFrame) -> pd.DataFrame:
    """The pivot with its dates as the first column and every class column a probability."""
    shown: pd.DataFrame = wide.reset_index(names="date")
    for name in shown.columns[1:]:
        shown[name] = shown[name].map(probability)
    return shown


def register(commands: Any) -> None:
    parser = commands.add_parser("timeline", help="exposure over time, at the model's change dates or on a grid")
    parser.add_argument("file")
    parser.add_argument("--start", metavar="DATE", help="first date (default: the model's first change date)")
    parser.add_argument("--end", metavar="DATE", help="last date (default: the model's last change date)")
    parser.add_argument(
        "--freq",
        default="changes",
        metavar="FREQ",
        help="'changes' (default: the model's own change dates) or a pandas frequency such as MS, QS, W",
    )
    parser.add_argument("--changes", action="store_true", help="with a --freq grid: add the model's change dates")
    parser.add_argument("--adversary", action="append", metavar="ID", help="adversary node id (repeatable)")
    parser.add_argument(
        "--class", dest="data_class", action="append", metavar="ID", help="show only this class (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_analysis_options(parser, tolerance_help="sample until every interval half-width <= T", threads_help="threads")
    parser.set_defaults(run=_run, at=None)
