"""``datareach report``: one self-contained HTML page on a scenario and its variants — summary
in sentences, exposure with intervals, stores and regions, paths with citations, the plans
ranked, the timeline and the assumptions register (docs/design.md §5b)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from ..io.report.content import DEFAULT_PATH_CLASSES, DEFAULT_PATHS
from .options import add_analysis_options, analysis_options
from .output import load
from .whatif import _in_variant_file, _load_variant, _variant_names

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ..io.report import report
    from ..io.report.content import RANK_RULES

    if args.rank_by not in RANK_RULES:  # argparse's choices say so already; kept for direct calls
        raise ModelError(f"must be one of {', '.join(RANK_RULES)}", where="--rank-by")
    options = analysis_options(args)
    base = load(args.file, args)
    variants = [_load_variant(path, args) for path in args.variants]
    try:
        made = report(
            base,
            *variants,
            names=_plan_names(base, variants, args.variants) if variants else None,
            adversaries=args.adversary or None,
            rank_by=args.rank_by,
            timeline=not args.no_timeline,
            k=args.k,
            path_classes=args.path_classes,
            title=args.title,
            options=options,
        )
    except ModelError as error:
        raise _in_variant_file(error, args.variants) from None
    if args.output == "-":
        sys.stdout.write(made.html)
    else:
        made.save(args.output)
        content = made.content
        when = f" as of {content.at}" if content.at else ""
        print(f"{args.output}: report of {base.name or args.file}{when}, {len(content.variants)} plan(s)")
    return 0


def _plan_names(base: Model, variants: Sequence[Model], paths: Sequence[str]) -> list[str]:
    """Each plan's own name (a variant file's ``name``) where the plans have distinct names
    other than the base's, else the file names, as ``compare`` names them."""
    names = [variant.name for variant in variants]
    if all(name and name != base.name for name in names) and len(set(names)) == len(names):
        return [str(name) for name in names]
    return _variant_names(paths)


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def register(commands: Any) -> None:
    parser = commands.add_parser("report", help="write a self-contained HTML report of a scenario and its variants")
    parser.add_argument("file", metavar="SCENARIO")
    parser.add_argument("variants", nargs="*", metavar="VARIANT", help="variant files to compare and rank")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write ('-': stdout)")
    parser.add_argument("--adversary", action="append", metavar="ID", help="adversary node id (repeatable)")
    parser.add_argument("--at", metavar="DATE", help="analyse as of this date (YYYY-MM-DD)")
    parser.add_argument(
        "--rank-by",
        choices=["total_risk", "most_sensitive"],
        default="total_risk",
        help="rank plans by the reduction of total risk (default) or of the most sensitive class's exposure",
    )
    parser.add_argument(
        "-k", type=_whole_number, default=DEFAULT_PATHS, metavar="K", help=f"paths per class (default {DEFAULT_PATHS})"
    )
    parser.add_argument(
        "--path-classes",
        type=_whole_number,
        default=DEFAULT_PATH_CLASSES,
        metavar="N",
        help=f"classes per adversary whose paths are listed, the most exposed first (default {DEFAULT_PATH_CLASSES})",
    )
    parser.add_argument("--title", metavar="TEXT", help="the report's title (default: the model's name)")
    parser.add_argument("--no-timeline", action="store_true", help="leave the timeline out")
    add_analysis_options(
        parser,
        tolerance_help="sample until every interval half-width <= T",
        threads_help="threads (default: all cores)",
    )
    parser.set_defaults(run=_run)
