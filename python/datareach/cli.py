"""The ``datareach`` command: run the embedded example, check and analyse scenario files.

Every failure caused by the input (a bad file, an unknown id, a malformed date) ends with
exit code 2 and one line on stderr naming the entry and field.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .errors import ModelError

__all__ = ["main"]

DEMO_DATES = ("2021-10-01", "2022-07-01")


def _load(path: str) -> Any:
    from .io import load

    return load(path)


def _path_text(model: Any, adversary: str, data_class: str, at: str | None) -> tuple[str, float | None]:
    from .reach import most_likely_path

    components = model.classes.set_index("id")["components"].get(data_class)
    if isinstance(components, (list, tuple)) and len(components):
        return "(composite: needs " + ", ".join(components) + ")", None
    path = most_likely_path(model, adversary, data_class, at=at)
    if path is None:
        return "—", None
    return " → ".join(path.nodes), path.probability


def reach_table(model: Any, adversaries: Sequence[str] | None, at: str | None) -> pd.DataFrame:
    """One row per class and adversary: possible/certain reach, the most likely path."""
    from .reach import reach

    table = reach(model, adversaries, at=at)
    paths = [_path_text(model, row.adversary, row["class"], at) for _, row in table.iterrows()]
    table["path"] = [p for p, _ in paths]
    table["path_probability"] = [q for _, q in paths]
    return table


def _interval(row: pd.Series) -> str:
    if row["ci_low"] == row["ci_high"]:
        return f"{row['probability']:.4f}"
    return f"{row['probability']:.4f} [{row['ci_low']:.4f}, {row['ci_high']:.4f}]"


def _print_reach(table: pd.DataFrame, title: str, exposure: pd.DataFrame | None = None) -> None:
    print(title)
    shown = table.assign(
        possible=table["possible"].map({True: "yes", False: "no"}),
        certain=table["certain"].map({True: "yes", False: "no"}),
        stores=table["stores"].map(lambda s: ", ".join(s) if len(s) else "—"),
        path_probability=table["path_probability"].map(lambda p: "" if p is None or pd.isna(p) else f"{p:.3f}"),
    )
    columns = ["adversary", "class", "possible", "certain", "stores"]
    if exposure is not None:
        scores = exposure.set_index(["adversary", "class"])
        keys = list(zip(shown["adversary"], shown["class"]))
        shown["exposure"] = [_interval(scores.loc[k]) for k in keys]
        shown["expected_records"] = [f"{scores.loc[k, 'expected_records']:,.0f}" for k in keys]
        columns += ["exposure", "expected_records"]
    print(shown[columns + ["path_probability", "path"]].to_string(index=False))
    print()


def _analyze_args(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "method": args.method,
        "samples": args.samples,
        "tolerance": args.tolerance,
        "seed": args.seed,
        "threads": args.threads,
        "progress": sys.stderr.isatty(),
    }


def _check_dates(dates: Sequence[str]) -> None:
    """A bad --at fails before anything is printed, naming the option."""
    from .dates import to_day

    for at in dates:
        to_day(at, where="--at")


def _command_demo(args: argparse.Namespace) -> int:
    from .examples import project_texas

    dates = args.at or DEMO_DATES
    _check_dates(dates)
    from .exposure import analyze

    model = project_texas()
    print(f"{model.name}\n")
    for at in dates:
        result = analyze(model, at=at, seed=1)
        title = f"As of {at}: who can reach which data (exposure: {result.method.replace('_', ' ')})"
        _print_reach(reach_table(model, None, at), title, result.exposure)
    return 0


def _command_analyze(args: argparse.Namespace) -> int:
    from .exposure import analyze

    if args.at is not None:
        _check_dates([args.at])
    model = _load(args.file)
    result = analyze(model, args.adversary or None, at=args.at, **_analyze_args(args))
    if args.json:
        payload = {
            "method": result.method,
            "samples": result.samples,
            "seed": result.seed,
            "at": result.at,
            "elapsed_seconds": result.elapsed,
            "exposure": json.loads(result.exposure.to_json(orient="records")),
            "total_risk": result.total_risk.to_dict(),
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
        return 0
    print(f"{model.name or args.file}: exposure ({result._describe()})")
    table = result.exposure.copy()
    table["probability"] = [_interval(row) for _, row in table.iterrows()]
    table = table.drop(columns=["ci_low", "ci_high"])
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.4g}"))
    print()
    print("total risk: " + ", ".join(f"{a} {r:,.4g}" for a, r in result.total_risk.items()))
    return 0


def _command_reach(args: argparse.Namespace) -> int:
    if args.at is not None:
        _check_dates([args.at])
    model = _load(args.file)
    table = reach_table(model, args.adversary or None, args.at)
    if args.json:
        json.dump(json.loads(table.to_json(orient="records")), sys.stdout, indent=2)
        print()
    else:
        _print_reach(table, f"{model.name or args.file}" + (f", as of {args.at}" if args.at else ""))
    return 0


_DIFFERENCE_COLUMNS = ["variant", "adversary", "class", "base_probability", "probability", "difference",
                       "difference_ci_low", "difference_ci_high", "risk_difference"]


def _print_differences(table: pd.DataFrame, totals: pd.DataFrame, title: str) -> None:
    print(title)
    shown = table[_DIFFERENCE_COLUMNS].copy()
    shown["difference"] = [
        f"{d:+.4f}" if lo == hi else f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]"
        for d, lo, hi in zip(shown["difference"], shown["difference_ci_low"], shown["difference_ci_high"])
    ]
    shown = shown.drop(columns=["difference_ci_low", "difference_ci_high"])
    print(shown.to_string(index=False, float_format=lambda x: f"{x:,.4g}"))
    print()
    print("total risk:")
    print(totals.to_string(index=False, float_format=lambda x: f"{x:,.4g}"))


def _variant_names(paths: Sequence[str]) -> list[str]:
    from pathlib import Path

    names = [Path(p).stem for p in paths]
    return names if len(set(names)) == len(names) else list(paths)


def _command_compare(args: argparse.Namespace) -> int:
    from .comparison import compare

    if args.at is not None:
        _check_dates([args.at])
    base = _load(args.base)
    variants = [_load(path) for path in args.variants]
    comparison = compare(base, *variants, names=_variant_names(args.variants), adversaries=args.adversary or None,
                         at=args.at, **_analyze_args(args))
    if args.json:
        payload = {
            "method": comparison.method, "samples": comparison.samples, "seed": comparison.seed, "at": comparison.at,
            "differences": json.loads(comparison.table.to_json(orient="records")),
            "total_risk": json.loads(comparison.total_risk.to_json(orient="records")),
        }
        json.dump(payload, sys.stdout, indent=2)
        print()
        return 0
    _print_differences(comparison.table, comparison.total_risk, f"{args.base} against {len(variants)} variant(s) ({comparison._describe()})")
    return 0


def _changes_relative_to(base_path: str, variant_path: str, variant: Any) -> list[Any]:
    """The changes that turn the base file into the variant: the variant must be a variant
    file whose chain of bases ends at the base file."""
    from pathlib import Path

    if variant.variant_of is None or Path(variant.variant_of).resolve() != Path(base_path).resolve():
        raise ModelError(f"{variant_path} is not a variant file of {base_path}", where="variants")
    return list(variant.changes)


def _command_sweep(args: argparse.Namespace) -> int:
    import os

    from .sweep import sweep

    if args.at is not None:
        _check_dates([args.at])
    base = _load(args.base)
    names = _variant_names(args.variants)
    plans = {name: _changes_relative_to(args.base, path, _load(path)) for name, path in zip(names, args.variants)}
    options = {key: value for key, value in _analyze_args(args).items() if key != "progress"}
    if args.scheduler:
        from dask.distributed import Client

        with Client(args.scheduler) as client:
            table = sweep(base, plans, client, adversaries=args.adversary or None, at=args.at,
                          progress=sys.stderr.isatty(), **options)
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(len(plans), os.cpu_count() or 1)) as pool:
            table = sweep(base, plans, pool, adversaries=args.adversary or None, at=args.at,
                          progress=sys.stderr.isatty(), **options)
    totals = (
        table.groupby(["variant", "adversary"], sort=False)[["base_risk", "risk"]].sum()
        .rename(columns={"base_risk": "base_total_risk", "risk": "total_risk"})
        .assign(difference=lambda t: t["total_risk"] - t["base_total_risk"]).reset_index()
        .sort_values(["adversary", "total_risk"])
    )
    if args.json:
        payload = {"seed": table.attrs["seed"], "differences": json.loads(table.to_json(orient="records")),
                   "total_risk": json.loads(totals.to_json(orient="records"))}
        json.dump(payload, sys.stdout, indent=2)
        print()
        return 0
    _print_differences(table, totals, f"{args.base}: sweep of {len(plans)} variant(s), seed {table.attrs['seed']}")
    return 0


def _command_validate(args: argparse.Namespace) -> int:
    from .model.lowering import core_model

    model = _load(args.file)
    core_model(model)  # the core's own checks: numbers, composite cycles
    print(
        f"{args.file}: valid ({len(model.nodes)} nodes, {len(model.classes)} classes, "
        f"{len(model.access)} access arcs)"
    )
    return 0


def _add_analysis_options(parser: argparse.ArgumentParser, tolerance_help: str, threads_help: str) -> None:
    parser.add_argument("--adversary", action="append", metavar="ID", help="adversary node id (repeatable)")
    parser.add_argument("--at", metavar="DATE", help="analyse as of this date (YYYY-MM-DD)")
    parser.add_argument("--method", choices=["auto", "exact", "monte_carlo"], default="auto")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--samples", type=int, default=100_000, metavar="N", help="worlds to sample (default 100000)")
    budget.add_argument("--tolerance", type=float, metavar="T", help=tolerance_help)
    parser.add_argument("--seed", type=int, metavar="S", help="random seed (default: fresh)")
    parser.add_argument("--threads", type=int, metavar="N", help=threads_help)
    parser.add_argument("--json", action="store_true", help="print JSON")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datareach", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the embedded Project Texas example")
    demo.add_argument("--at", action="append", metavar="DATE", help="date(s) to show (default: %s)" % ", ".join(DEMO_DATES))
    demo.set_defaults(run=_command_demo)

    reach = commands.add_parser("reach", help="possible/certain reach and most likely paths of a scenario file")
    reach.add_argument("file")
    reach.add_argument("--adversary", action="append", metavar="ID", help="adversary node id (repeatable)")
    reach.add_argument("--at", metavar="DATE", help="analyse as of this date (YYYY-MM-DD)")
    reach.add_argument("--json", action="store_true", help="print JSON records")
    reach.set_defaults(run=_command_reach)

    analyze = commands.add_parser("analyze", help="exposure scores of a scenario file (exact or Monte Carlo)")
    analyze.add_argument("file")
    _add_analysis_options(analyze, "sample until every interval half-width <= T", "threads (default: all cores)")
    analyze.set_defaults(run=_command_analyze)

    def what_if(name: str, help: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help)
        parser.add_argument("base", metavar="BASE")
        parser.add_argument("variants", nargs="+", metavar="VARIANT")
        _add_analysis_options(parser, "sample until every difference is known to within T",
                              "threads per model (default: all cores)")
        return parser

    compare_parser = what_if("compare", "compare a base scenario with variants (common random numbers)")
    compare_parser.set_defaults(run=_command_compare)
    sweep_parser = what_if("sweep", "evaluate many variant files of one base in parallel")
    sweep_parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (default: local processes)")
    sweep_parser.set_defaults(run=_command_sweep)

    validate = commands.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    validate.set_defaults(run=_command_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (ModelError, OSError) as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"datareach: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
