"""``datareach reach``: possible and certain reach of a scenario file with the most likely
path of each (adversary, class); the table the demo prints too."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .options import add_request_options, check_dates
from .output import amount, amount_decimals, interval, load, probability, write_json

if TYPE_CHECKING:
    from ..analysis import ReachResult
    from ..model import Model

__all__ = ["print_reach", "reach_with_paths", "register"]


def _path_text(model: Model, adversary: str, data_class: str, at: str | None) -> tuple[str, float | None]:
    from ..analysis import most_likely_path

    components = model.classes.set_index("id")["components"].get(data_class)
    if isinstance(components, (list, tuple)) and len(components):
        return "(composite: needs " + ", ".join(components) + ")", None
    path = most_likely_path(model, adversary, data_class, at=at)
    if path is None:
        return "—", None
    return " → ".join(path.nodes), path.probability


def reach_with_paths(model: Model, adversaries: Sequence[str] | None, at: str | None) -> ReachResult:
    """``reach`` with two more columns: ``path`` (the most likely path, written out) and
    ``path_probability``."""
    from ..analysis import ReachResult, reach

    result = reach(model, adversaries, at=at)
    table = result.table.copy()
    paths = [_path_text(model, row.adversary, row["class"], at) for _, row in table.iterrows()]
    table["path"] = [p for p, _ in paths]
    table["path_probability"] = [q for _, q in paths]
    return ReachResult(table, result.provenance, model=result.name)


def print_reach(table: pd.DataFrame, title: str, exposure: pd.DataFrame | None = None) -> None:
    """The reach table with yes/no and joined store lists; with ``exposure`` (a Result table)
    the exposure interval and expected records of each row too."""
    print(title)
    shown = table.assign(
        possible=table["possible"].map({True: "yes", False: "no"}),
        certain=table["certain"].map({True: "yes", False: "no"}),
        possible_stores=table["possible_stores"].map(lambda s: ", ".join(s) if len(s) else "—"),
        path_probability=table["path_probability"].map(probability),
    )
    columns = ["adversary", "class", "possible", "certain", "possible_stores"]
    if exposure is not None:
        scores = exposure.set_index(["adversary", "class"])
        keys = list(zip(shown["adversary"], shown["class"]))
        shown["exposure"] = [interval(*scores.loc[k, ["probability", "ci_low", "ci_high"]]) for k in keys]
        records = scores["expected_records"]
        decimals = amount_decimals(records)
        shown["expected_records"] = [amount(records.loc[k], decimals=decimals) for k in keys]
        columns += ["exposure", "expected_records"]
    print(shown[[*columns, "path_probability", "path"]].to_string(index=False))
    print()


def _run(args: argparse.Namespace) -> int:
    if args.at is not None:
        check_dates([args.at])
    model = load(args.file, args)
    result = reach_with_paths(model, args.adversary or None, args.at)
    if args.json:
        write_json(result)
    else:
        print_reach(result.table, f"{model.name or args.file}" + (f", as of {args.at}" if args.at else ""))
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("reach", help="possible/certain reach and most likely paths of a scenario file")
    parser.add_argument("file")
    add_request_options(parser)
    parser.set_defaults(run=_run)
