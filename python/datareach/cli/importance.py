"""``datareach importance``: every random variable that can change whether an adversary
reaches a class, ranked by Birnbaum importance, with the exposure if it were removed."""

from __future__ import annotations

import argparse
from typing import Any

from .explain import add_explain_options, explain_request
from .options import add_analysis_options, analysis_options
from .output import interval, print_frame, write_json

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import importance

    options = analysis_options(args)
    model = explain_request(args)
    result = importance(model, args.adversary, args.data_class, options)
    if args.json:
        write_json(result)
        return 0
    print(result._title())
    exposure = interval(result.exposure, result.exposure_low, result.exposure_high)
    print(f"exposure: {exposure}")
    if not len(result.table):
        print("(nothing to rank: no random variable can change whether the class is reached)")
        return 0
    table = result.table.copy()
    table["importance"] = [
        interval(*row) for row in table[["importance", "importance_low", "importance_high"]].itertuples(index=False)
    ]
    table["exposure_if_removed"] = [
        interval(*row) for row in table[["exposure_if_removed", "removed_low", "removed_high"]].itertuples(index=False)
    ]
    for column in ("from", "to", "event", "source"):  # an event has no ends, an arc no event
        table[column] = table[column].fillna("")
    shown = table.drop(columns=["importance_low", "importance_high", "removed_low", "removed_high"])
    print_frame(shown.head(args.top) if args.top else shown)
    if args.top and len(table) > args.top:
        print(f"({len(table) - args.top:,} more rows; --top 0 shows all)")
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "importance", help="rank the arcs, rule arcs and events by how much the exposure depends on them"
    )
    add_explain_options(parser)
    add_analysis_options(
        parser,
        tolerance_help="sample until every importance interval half-width <= T",
        threads_help="threads (default: all cores)",
    )
    parser.add_argument("--top", type=int, default=20, metavar="N", help="rows to print (default 20; 0: all)")
    parser.set_defaults(run=_run)
