"""The one command-line definition of the analysis options (``AnalysisOptions``): the flags,
their defaults (those of Python), and their mapping to ``AnalysisOptions``; plus the request
flags every command shares (``--adversary``, ``--at``, ``--json``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import ModelError
from ..options import METHODS, AnalysisOptions

__all__ = ["add_analysis_options", "add_request_options", "analysis_options", "check_dates"]

DEFAULTS = AnalysisOptions()


def add_request_options(parser: argparse.ArgumentParser) -> None:
    """``--adversary`` (repeatable), ``--at`` and ``--json``: shared by every analysing command."""
    parser.add_argument("--adversary", action="append", metavar="ID", help="adversary node id (repeatable)")
    parser.add_argument("--at", metavar="DATE", help="analyse as of this date (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def add_analysis_options(parser: argparse.ArgumentParser, *, tolerance_help: str, threads_help: str) -> None:
    """The flags of ``AnalysisOptions`` (besides ``--at``, a request flag), with its defaults."""
    parser.add_argument("--method", choices=list(METHODS), default=DEFAULTS.method)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument(
        "--samples",
        type=int,
        default=DEFAULTS.samples,
        metavar="N",
        help=f"worlds to sample without --tolerance (default {DEFAULTS.samples:,})",
    )
    budget.add_argument("--tolerance", type=float, metavar="T", help=f"{tolerance_help}, or until --max-samples worlds")
    parser.add_argument(
        "--max-samples",
        type=int,
        metavar="N",
        help=f"with --tolerance: the most worlds to sample (default {DEFAULTS.max_samples:,})",
    )
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (default: fresh, printed with the result)")
    parser.add_argument("--threads", type=int, metavar="N", help=threads_help)


def check_dates(dates: Sequence[str]) -> None:
    """A bad --at fails before anything is read or printed, naming the flag."""
    from ..dates import to_day

    for at in dates:
        to_day(at, where="--at")


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """The ``AnalysisOptions`` of the parsed flags; a progress bar when stderr is a terminal.
    Errors name the flag (``--samples: ...``)."""
    if args.at is not None:
        check_dates([args.at])
    if args.max_samples is not None and args.tolerance is None:
        # Without a tolerance the cap would silently do nothing: --samples is the budget then.
        raise ModelError(
            "applies only with --tolerance; without one, --samples sets the worlds drawn", where="--max-samples"
        )
    try:
        cap = DEFAULTS.max_samples if args.max_samples is None else args.max_samples
        return AnalysisOptions(
            method=args.method,
            samples=args.samples,
            max_samples=cap,
            tolerance=args.tolerance,
            seed=args.seed,
            threads=args.threads,
            progress=sys.stderr.isatty(),
            at=args.at,
        )
    except ModelError as error:
        flag = f"--{error.where.replace('_', '-')}" if error.where else None
        raise ModelError(error.reason, where=flag) from None
