"""``datareach compare`` and ``datareach sweep``: a base scenario against variant files, on
common random numbers (compare: in this process, or its worlds spread over a Dask cluster;
sweep: one variant per worker process, or on a Dask cluster)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis._requests import within
from ..errors import ModelError
from .options import add_analysis_options, add_request_options, analysis_options
from .output import difference, load, print_frame, write_json
from .scheduler import add_scheduler_option, connect, scheduling

if TYPE_CHECKING:
    from ..changes import Change
    from ..model import Model

__all__ = ["register"]

_SHOWN = [
    "variant",
    "adversary",
    "class",
    "base_probability",
    "probability",
    "probability_difference",
    "risk_difference",
]


def _print_differences(table: pd.DataFrame, totals: pd.DataFrame, title: str) -> None:
    print(title)
    shown = table[_SHOWN].copy()
    shown["probability_difference"] = [
        difference(*row)
        for row in table[
            ["probability_difference", "probability_difference_ci_low", "probability_difference_ci_high"]
        ].itertuples(index=False)
    ]
    print_frame(shown)
    print()
    print("total risk:")
    print_frame(totals)


def _variant_names(paths: Sequence[str]) -> list[str]:
    names = [Path(p).stem for p in paths]
    return names if len(set(names)) == len(names) else list(paths)


def _changes_relative_to(base_path: str, variant_path: str, variant: Model) -> list[Change]:
    """The changes that turn the base file into the variant: the variant must be a variant
    file whose chain of bases ends at the base file."""
    if variant.variant_of is None or Path(variant.variant_of).resolve() != Path(base_path).resolve():
        raise ModelError(f"{variant_path} is not a variant file of {base_path}", where="variants")
    return list(variant.changes)


def _load_variant(path: str, args: argparse.Namespace) -> Model:
    """A variant file; its errors name the file, since a command reads several."""
    try:
        return load(path, args)
    except ModelError as error:
        raise within(error, path) from None


_VARIANT_POSITION = re.compile(r"variants\[(\d+)\](?:: |\.)?(.*)")


def _in_variant_file(error: ModelError, paths: Sequence[str]) -> ModelError:
    """An error that ``compare`` located at ``variants[i]`` located in the i-th file instead."""
    found = _VARIANT_POSITION.fullmatch(error.where or "")
    if found is None or int(found.group(1)) >= len(paths):
        return error
    return within(ModelError(error.reason, where=found.group(2) or None), paths[int(found.group(1))])


def _compare(args: argparse.Namespace) -> int:
    from ..analysis import compare

    options = analysis_options(args)
    run_on = scheduling(args)
    base = load(args.base, args)
    variants = [_load_variant(path, args) for path in args.variants]
    try:
        with run_on.keywords() as spread:
            comparison = compare(
                base,
                *variants,
                names=_variant_names(args.variants),
                adversaries=args.adversary or None,
                options=options,
                **spread,
            )
    except ModelError as error:
        raise _in_variant_file(error, args.variants) from None
    if args.json:
        write_json(comparison)
        return 0
    _print_differences(
        comparison.table,
        comparison.total_risk,
        f"{args.base} against {len(variants)} variant(s) ({comparison.provenance.describe()})",
    )
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from ..analysis import sweep

    options = analysis_options(args).seeded()
    base = load(args.base, args)
    names = _variant_names(args.variants)
    plans = {
        name: _changes_relative_to(args.base, path, _load_variant(path, args))
        for name, path in zip(names, args.variants)
    }
    if args.scheduler:
        with connect(args.scheduler) as client:
            result = sweep(base, plans, client, adversaries=args.adversary or None, options=options)
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(len(plans), os.cpu_count() or 1)) as pool:
            result = sweep(base, plans, pool, adversaries=args.adversary or None, options=options)
    if args.json:
        write_json(result)
        return 0
    totals = result.total_risk.sort_values(["adversary", "total_risk"])
    _print_differences(result.table, totals, f"{args.base}: sweep of {len(plans)} variant(s), seed {options.seed}")
    return 0


def register(commands: Any) -> None:
    for name, help, run in (
        ("compare", "compare a base scenario with variants (common random numbers)", _compare),
        ("sweep", "evaluate many variant files of one base in parallel", _sweep),
    ):
        parser = commands.add_parser(name, help=help)
        parser.add_argument("base", metavar="BASE")
        parser.add_argument("variants", nargs="+", metavar="VARIANT")
        add_request_options(parser)
        add_analysis_options(
            parser,
            tolerance_help="sample until every difference is known to within T",
            threads_help="threads per model (default: all cores)",
        )
        if name == "sweep":
            add_scheduler_option(parser, default="local processes, one plan each")
        else:
            add_scheduler_option(parser, default="this process", tasks=True)
        parser.set_defaults(run=run)
