"""``datareach reduce``: a cheap set of revokes bringing an exposure down to a target (a
heuristic that says so), with the exposure after each revoke."""

from __future__ import annotations

import argparse
from typing import Any

from .explain import add_explain_options, explain_request
from .options import add_analysis_options, analysis_options
from .output import interval, print_frame, write_json

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import cheapest_reduction

    options = analysis_options(args)
    model = explain_request(args)
    result = cheapest_reduction(model, args.adversary, args.data_class, args.target, options)
    if args.json:
        write_json(result)
        return 0
    print(result._title())
    print(f"exposure reached: {interval(result.exposure, result.exposure_low, result.exposure_high)}")
    print(f"how: {result.heuristic}")
    if len(result.table):
        table = result.table.copy()
        table["exposure_after"] = [
            interval(*row) for row in table[["exposure_after", "exposure_low", "exposure_high"]].itertuples(index=False)
        ]
        table["sources"] = table["sources"].fillna("")
        print_frame(table.drop(columns=["exposure_low", "exposure_high"]))
    elif result.met:
        print("(the exposure is within the target already: nothing to revoke)")
    else:
        print("(no revoke of explicit arcs helps: rule arcs or uncuttable arcs lead there)")
    return 0 if result.met else 1


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "reduce", help="a cheap set of revokes bringing an exposure to at most a target (exit 1 if out of reach)"
    )
    add_explain_options(parser)
    parser.add_argument("--target", type=float, required=True, metavar="P", help="the exposure to reach (0 to 1)")
    add_analysis_options(
        parser,
        tolerance_help="refused: candidates are judged on one fixed sample (use --samples)",
        threads_help="threads (default: all cores)",
    )
    parser.set_defaults(run=_run)
