"""``datareach demo``: the story of the embedded Project Texas example, told in a terminal 100
columns wide — a headline in sentences for each period (autumn 2021, July 2022, after Project
Texas), a compact table per period, the Project Texas what-if with its interval, and where
to find the full picture (``datareach report``). ``--json`` prints the same story as data.

Every number in a sentence is formatted from an analysis of the example, never written here;
what the demo chooses is only which class and which contrast to talk about."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..narrative import (
    class_name,
    joined,
    new_and_remaining,
    path_text,
    percent,
    percent_points,
    points_interval,
    stores_reached,
)
from .options import check_dates
from .output import strict_json

if TYPE_CHECKING:
    from ..analysis import Comparison, Result
    from ..model import Model

__all__ = ["DEMO_DATES", "register"]

WIDTH = 100
# The periods of the story: label and date (docs/design.md, the example's own dates).
PERIODS = (
    ("Autumn 2021", "2021-10-01"),
    ("July 2022, after the routing to Oracle", "2022-07-01"),
    ("After Project Texas", "2024-01-01"),
)
DEMO_DATES = tuple(at for _, at in PERIODS)
ADVERSARY = "CN"
FOCUS = "phone_numbers"  # the protected class the reporting followed
WHAT_IF_AT = "2022-09-01"  # after the routing, before the real controls (the notebooks' date)
WHAT_IF_SAMPLES = 100_000
SEED = 1
# A change of exposure smaller than this is "hardly changed" in a sentence.
NOTABLE = 0.01
# Stores reached with at least this probability are "within reach" in a sentence.
WITHIN_REACH = 0.5


@dataclass
class Period:
    label: str
    at: str
    result: Result
    paths: dict[str, str]
    sentences: list[str] = field(default_factory=list)


def _exposure(result: Result, adversary: str, data_class: str) -> float:
    rows = result.exposure
    row = rows[(rows["adversary"] == adversary) & (rows["class"] == data_class)]
    return float(row["probability"].iloc[0])


def _paths(model: Model, result: Result, adversary: str, at: str) -> dict[str, str]:
    from ..analysis import most_likely_path

    shown: dict[str, str] = {}
    composite = model.classes.set_index("id")["components"]
    for data_class in result.exposure["class"].unique():
        parts = composite.get(data_class)
        if isinstance(parts, (list, tuple)) and len(parts):
            shown[data_class] = "needs " + ", ".join(parts)
            continue
        path = most_likely_path(model, adversary, data_class, at=at)
        shown[data_class] = "—" if path is None else path_text(path)
    return shown


def _headline(period: Period, previous: Period | None) -> list[str]:
    result, adversary = period.result, ADVERSARY
    table = result.exposure[result.exposure["adversary"] == adversary]
    exposed = table[table["probability"] > 0]
    p = _exposure(result, adversary, FOCUS)
    sentences = [
        f"{adversary} can reach {len(exposed)} of {len(table)} data classes, "
        f"each with at least {percent(float(exposed['probability'].min()))}."
        if len(exposed)
        else f"{adversary} can reach none of the {len(table)} data classes."
    ]
    reached = stores_reached(result, adversary, FOCUS)
    sentences.append(
        f"{_sentence_case(class_name(FOCUS))}: {percent(p)}, most likely through {period.paths[FOCUS]}."
        if reached
        else f"{_sentence_case(class_name(FOCUS))} are out of reach."
    )
    if previous is None:
        if reached:
            sentences.append(f"Copies are held in {joined(reached)}.")
        return sentences
    before = _exposure(previous.result, adversary, FOCUS)
    new, remaining = new_and_remaining(stores_reached(previous.result, adversary, FOCUS), reached)
    within = [s for s in remaining if s in stores_reached(result, adversary, FOCUS, at_least=WITHIN_REACH)]
    if new and abs(p - before) < 10 * NOTABLE:
        sentences.append(
            f"{_sentence_case(class_name(FOCUS))} moved into {joined(new)}, yet exposure went only from "
            f"{percent(before)} to {percent(p)}: copies remain in {joined(within or remaining)}."
        )
    elif before - p >= NOTABLE:
        since = previous.at if previous.label.endswith(previous.at) else previous.label.split(",")[0]
        sentences.append(f"Since {since}, exposure fell from {percent(before)}.")
        sentences.extend(_left_behind(period.result, previous.result))
    return sentences


def _left_behind(now: Result, before: Result) -> list[str]:
    """The first class (in the model's order) that stays within reach, at most a point lower
    than before, in a store that held the focus class before: the data that never moved."""
    former = set(stores_reached(before, ADVERSARY, FOCUS))
    for row in now.exposure[now.exposure["adversary"] == ADVERSARY].itertuples(index=False):
        data_class, p = str(row._1), float(row.probability)
        if data_class == FOCUS or p < WITHIN_REACH or p < _exposure(before, ADVERSARY, data_class) - NOTABLE:
            continue
        stores = [s for s in stores_reached(now, ADVERSARY, data_class, at_least=WITHIN_REACH) if s in former]
        if stores:
            return [f"{_sentence_case(class_name(data_class))} stay at {percent(p)}: still held in {joined(stores)}."]
    return []


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _period_table(period: Period, adversaries: list[str]) -> pd.DataFrame:
    table = period.result.exposure
    wide = table.pivot(index="class", columns="adversary", values="probability")
    wide = wide.loc[list(dict.fromkeys(table["class"])), adversaries]
    shown: pd.DataFrame = pd.DataFrame({"class": [class_name(c) for c in wide.index]})
    for adversary in adversaries:
        shown[adversary] = [percent(p) for p in wide[adversary]]
    shown[f"most likely path from {ADVERSARY}"] = [period.paths[c] for c in wide.index]
    return shown


@dataclass
class WhatIf:
    name: str
    changes: int
    operations: str
    comparison: Comparison
    sentences: list[str]


def _what_if(model: Model) -> WhatIf:
    from ..analysis import compare
    from ..examples import project_texas_as_designed

    plan = project_texas_as_designed()
    comparison = compare(
        model,
        plan,
        names=[plan.name or "plan"],
        adversaries=ADVERSARY,
        at=WHAT_IF_AT,
        method="monte_carlo",
        samples=WHAT_IF_SAMPLES,
        seed=SEED,
    )
    counts = Counter(change.op for change in plan.changes)
    operations = joined(f"{n} {op}" for op, n in counts.items())
    row = comparison.table.set_index("class").loc[FOCUS]
    sentences = [
        f"{plan.name} is {len(plan.changes)} changes in force from 2022-07-01 ({operations}).",
        f"As of {WHAT_IF_AT}, it would lower {ADVERSARY}'s exposure of {class_name(FOCUS)} from "
        f"{percent(row['base_probability'])} to {percent(row['probability'])}: "
        f"{percent_points(row['probability_difference'])} (95% interval "
        f"{points_interval(row['probability_difference_ci_low'], row['probability_difference_ci_high'])}; "
        f"Monte Carlo, {comparison.provenance.worlds:,} worlds on common random numbers, seed {SEED}).",
        *_left_behind(comparison.results[1], comparison.results[0]),
    ]
    return WhatIf(plan.name or "plan", len(plan.changes), operations, comparison, sentences)


def _what_if_table(what_if: WhatIf) -> pd.DataFrame:
    table = what_if.comparison.table
    shown: pd.DataFrame = pd.DataFrame(
        {
            "class": [class_name(c) for c in table["class"]],
            "July 2022 state": [percent(p) for p in table["base_probability"]],
            "as designed": [percent(p) for p in table["probability"]],
            "difference [95% interval]": [
                f"{percent_points(d)} {points_interval(lo, hi)}"
                for d, lo, hi in table[
                    ["probability_difference", "probability_difference_ci_low", "probability_difference_ci_high"]
                ].itertuples(index=False)
            ],
        }
    )
    return shown


def _heading(text: str) -> str:
    return f"== {text} ".ljust(WIDTH, "=")


def _say(sentences: list[str]) -> None:
    print(textwrap.fill(" ".join(sentences), WIDTH))


def _print_table(table: pd.DataFrame, numbers: tuple[str, ...] = ()) -> None:
    """Text columns aligned left, the ``numbers`` columns right, two spaces apart, indented;
    a line longer than the terminal is cut with an ellipsis."""
    columns = [[str(name), *map(str, table[name])] for name in table.columns]
    widths = [max(map(len, cells)) for cells in columns]
    for cells in zip(*columns):
        line = "  " + "  ".join(
            cell.rjust(width) if name in numbers else cell.ljust(width)
            for name, cell, width in zip(table.columns, cells, widths)
        )
        line = line.rstrip()
        print(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")


def _story(model: Model, dates: list[tuple[str, str]]) -> tuple[list[Period], WhatIf]:
    from ..analysis import analyze

    periods: list[Period] = []
    for label, at in dates:
        result = analyze(model, at=at, seed=SEED)
        period = Period(label, at, result, _paths(model, result, ADVERSARY, at))
        period.sentences = _headline(period, periods[-1] if periods else None)
        periods.append(period)
    return periods, _what_if(model)


def _print_story(model: Model, periods: list[Period], what_if: WhatIf) -> None:
    from ..examples import path

    print(model.name)
    _say(
        [
            "Exposure follows access paths, not where the disks stand.",
            f"Exposure is the probability that an adversary ({ADVERSARY}: the Chinese state; US: the US "
            "government) can reach at least one copy of a data class; every probability of the model is a "
            "modelling assumption, cited or marked as such in the file.",
        ]
    )
    adversaries = list(model.adversaries)
    for period in periods:
        print()
        when = "" if period.label.endswith(period.at) else f"as of {period.at}; "
        print(_heading(f"{period.label} ({when}{period.result.method.replace('_', ' ')})"))
        _say(period.sentences)
        print()
        _print_table(_period_table(period, adversaries), numbers=tuple(adversaries))
    print()
    print(_heading(f"What if: {what_if.name}"))
    _say(what_if.sentences)
    print()
    _print_table(_what_if_table(what_if), numbers=("July 2022 state", "as designed"))
    print()
    _say(
        [
            "The full picture (the access map, every path with its citations, the plans ranked, the timeline "
            "and the assumptions register) is one HTML file:"
        ]
    )
    scenario, plan = path("project_texas"), path("project_texas_as_designed")
    print(f"  D={scenario.parent}")
    print(f'  datareach report "$D/{scenario.name}" "$D/{plan.name}" \\')
    print(f"      --at {WHAT_IF_AT} -o report.html")


def _json(model: Model, periods: list[Period], what_if: WhatIf) -> dict[str, Any]:
    return {
        "analysis": "demo",
        "model": model.name,
        "adversary": ADVERSARY,
        "focus": FOCUS,
        "periods": [
            {
                "label": period.label,
                "at": period.at,
                "sentences": period.sentences,
                "paths": period.paths,
                "exposure": period.result.to_dict(),
            }
            for period in periods
        ],
        "what_if": {
            "name": what_if.name,
            "at": WHAT_IF_AT,
            "changes": what_if.changes,
            "sentences": what_if.sentences,
            "comparison": what_if.comparison.to_dict(),
        },
    }


def _run(args: argparse.Namespace) -> int:
    from ..examples import project_texas

    if args.at:
        check_dates(args.at)
        dates = [(f"As of {at}", at) for at in args.at]  # headings say the date once
    else:
        dates = list(PERIODS)
    model = project_texas()
    periods, what_if = _story(model, dates)
    if args.json:
        json.dump(strict_json(_json(model, periods, what_if)), sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        _print_story(model, periods, what_if)
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help="tell the story of the embedded Project Texas example")
    parser.add_argument(
        "--at", action="append", metavar="DATE", help=f"date(s) to show (default: {', '.join(DEMO_DATES)})"
    )
    parser.add_argument("--json", action="store_true", help="print the story as JSON (sentences and every table)")
    parser.set_defaults(run=_run)
