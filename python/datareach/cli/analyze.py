"""``datareach analyze``: exposure scores of a scenario file (exact or Monte Carlo, in this
process or spread over a Dask cluster)."""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_analysis_options, add_request_options, analysis_options
from .output import interval, load, print_frame, write_json
from .scheduler import add_scheduler_option, scheduling

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..analysis import analyze

    options = analysis_options(args)
    run_on = scheduling(args)
    model = load(args.file, args)
    with run_on.keywords() as spread:
        result = analyze(model, args.adversary or None, options, **spread)
    if args.json:
        write_json(result)
        return 0
    print(f"{model.name or args.file}: exposure ({result.provenance.describe()})")
    table = result.table.copy()
    table["probability"] = [
        interval(*row) for row in table[["probability", "ci_low", "ci_high"]].itertuples(index=False)
    ]
    print_frame(table.drop(columns=["ci_low", "ci_high"]))
    print()
    print("total risk:")
    print_frame(result.total_risk)
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("analyze", help="exposure scores of a scenario file (exact or Monte Carlo)")
    parser.add_argument("file")
    add_request_options(parser)
    add_analysis_options(
        parser,
        tolerance_help="sample until every interval half-width <= T",
        threads_help="threads (default: all cores; 1 per task with --scheduler)",
    )
    add_scheduler_option(parser, default="this process", tasks=True)
    parser.set_defaults(run=_run)
