"""``datareach uncertainty``: the distribution of the exposure of one class to one adversary
when every ranged value of the model is drawn within its range."""

from __future__ import annotations

import argparse
from typing import Any

from .output import format_table, interval, print_frame, probability, write_json
from .tornado import add_sensitivity_request, sensitivity_request, variable_columns

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import uncertainty

    model, options = sensitivity_request(args)
    result = uncertainty(model, args.adversary, args.data_class, draws=args.draws, options=options)
    if args.json:
        write_json(result)
        return 0
    print(result._title())
    if result.base_ci_low != result.base_ci_high:  # the title gives the exact value
        print(f"exposure at the point values: {interval(result.base, result.base_ci_low, result.base_ci_high)}")
    summary = result.summary.drop(columns=["adversary", "class", "base"])
    numbers = [name for name in summary.columns if name != "draws"]
    summary[numbers] = summary[numbers].map(probability)
    print(f"over {args.draws:,} draws:")
    print(format_table(summary).to_string(index=False))
    print()
    print("ranges drawn (uniformly, independently):")
    print_frame(variable_columns(result.variables))
    return 0


def register(commands: Any) -> None:
    from ..analysis.uncertainty import DEFAULT_DRAWS

    parser = commands.add_parser(
        "uncertainty", help="the distribution of the exposure when every range of the model is drawn at once"
    )
    add_sensitivity_request(parser)
    parser.add_argument(
        "--draws",
        type=int,
        default=DEFAULT_DRAWS,
        metavar="N",
        help=f"how many times to draw the ranges (default {DEFAULT_DRAWS:,}); not --samples, the worlds of each draw",
    )
    parser.set_defaults(run=_run)
