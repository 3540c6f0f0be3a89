"""``datareach tornado``: how much the exposure of one class to one adversary moves when each
ranged value of the model (``p_range``, ``compels_range``) goes from one end of its range to
the other, the rest at their point values; largest swing first."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import pandas as pd

from .options import add_analysis_options, analysis_options
from .output import interval, load, print_frame, probability, write_json

if TYPE_CHECKING:
    from ..model import Model
    from ..options import AnalysisOptions

__all__ = ["add_sensitivity_request", "register", "sensitivity_request", "variable_columns"]


def add_sensitivity_request(parser: argparse.ArgumentParser) -> None:
    """The request of a sensitivity command: a file, one adversary, one class, ``--at``,
    ``--json`` and the analysis options."""
    parser.add_argument("file")
    parser.add_argument("--adversary", required=True, metavar="ID", help="adversary node id")
    parser.add_argument(
        "--class", dest="data_class", required=True, metavar="ID", help="class id (atomic or composite)"
    )
    parser.add_argument("--at", metavar="DATE", help="analyse as of this date (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_analysis_options(
        parser,
        tolerance_help="sample until every interval half-width <= T",
        threads_help="threads (default: all cores)",
    )


def sensitivity_request(args: argparse.Namespace) -> tuple[Model, AnalysisOptions]:
    """The model and the options of the parsed flags (a bad --at fails before reading)."""
    options = analysis_options(args)
    return load(args.file, args), options


def variable_columns(table: pd.DataFrame) -> pd.DataFrame:
    """entry, kind, variable (``a → b``, the event's or jurisdiction's id), p and its range."""
    names = [
        f"{row.source} → {row.target}" if row.kind == "arc" else (row.event if row.kind == "event" else row.node)
        for row in table.rename(columns={"from": "source", "to": "target"}).itertuples(index=False)
    ]
    shown: pd.DataFrame = pd.DataFrame(
        {
            "entry": table["entry"],
            "kind": table["kind"],
            "variable": names,
            "p": table["p"].map(probability),
            "range": [f"[{probability(lo)}, {probability(hi)}]" for lo, hi in zip(table["low"], table["high"])],
        }
    )
    return shown


def _run(args: argparse.Namespace) -> int:
    from ..analysis import tornado

    model, options = sensitivity_request(args)
    result = tornado(model, args.adversary, args.data_class, options=options)
    if args.json:
        write_json(result)
        return 0
    print(result._title())
    if result.base_ci_low != result.base_ci_high:  # the title gives the exact value
        print(f"exposure at the point values: {interval(result.base, result.base_ci_low, result.base_ci_high)}")
    table = result.table
    if not len(table):
        print("(no ranges: give p_range on arcs and events, compels_range on jurisdictions)")
        return 0
    shown = variable_columns(table)
    for name in ("exposure_low", "exposure_high", "swing"):
        shown[name] = [
            interval(*row) for row in table[[name, f"{name}_ci_low", f"{name}_ci_high"]].itertuples(index=False)
        ]
    print_frame(shown)
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "tornado", help="the exposure at each end of every range of the model, largest swing first"
    )
    add_sensitivity_request(parser)
    parser.set_defaults(run=_run)
