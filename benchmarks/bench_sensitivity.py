"""Sensitivity: ``dr.tornado`` and ``dr.uncertainty`` on synthetic models with ranges, against
the cost of the runs they are made of (one compile, one Monte Carlo run of the model).

    PYTHONPATH=python python benchmarks/bench_sensitivity.py            # 10^4 to 10^6 arcs
    PYTHONPATH=python python benchmarks/bench_sensitivity.py --quick    # 10^4 and 10^5

Each model is ``dr.synthetic.enterprise_with_arcs(n, seed=1)`` with ranges added to its
events, its jurisdictions and ``--ranged-arcs`` arcs (p ± half, within [0, 1]). A tornado
costs one paired run of two compiled models per ranged variable plus the base; an
uncertainty draw one run of one compiled model. The figures show what each evaluation costs
beyond that: the lowered tables are copied and compiled again per evaluation, never the
model. Results go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import _baselines as b
from _baselines import dr
from datareach.model.fields import SECTIONS
from datareach.model.lowering import compile_model

START, END = "<!-- bench_sensitivity:start -->", "<!-- bench_sensitivity:end -->"


def with_ranges(model: dr.Model, ranged_arcs: int) -> dr.Model:
    """The model with ranges on every event and jurisdiction and on ``ranged_arcs`` arcs
    (the first with 0 < p < 1), built from its columns (the ranges hold their points)."""
    tables = {section: dict(model._tables[section].columns()) for section in SECTIONS}

    def ranged(columns: dict[str, np.ndarray], point: str, field: str, rows: np.ndarray) -> None:
        p = columns[point]
        low, high = np.full(len(p), np.nan), np.full(len(p), np.nan)
        low[rows], high[rows] = p[rows] / 2, np.minimum(1.0, p[rows] * 1.5)
        columns[f"{field}_low"], columns[f"{field}_high"] = low, high

    ranged(tables["events"], "p", "p_range", np.arange(len(tables["events"]["p"])))
    ranged(tables["nodes"], "compels", "compels_range", np.flatnonzero(~np.isnan(tables["nodes"]["compels"])))
    p = tables["access"]["p"]
    ranged(tables["access"], "p", "p_range", np.flatnonzero((p > 0) & (p < 1))[:ranged_arcs])
    return dr.Model._from_columns(name=model.name, sources=model.sources, adversaries=model.adversaries, tables=tables)


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def measure(arcs: int, ranged_arcs: int, samples: int, draws: int) -> dict[str, float]:
    model = with_ranges(dr.synthetic.enterprise_with_arcs(arcs, seed=1), ranged_arcs)
    adversary, data_class = "CN", model.class_ids[0]
    _, compile_s = timed(lambda: compile_model(model))
    options = {"method": "monte_carlo", "samples": samples, "seed": 1}
    single, analyze_s = timed(lambda: dr.analyze(model, [adversary], **options))
    paired, compare_s = timed(lambda: dr.compare(model, model.copy(), adversaries=[adversary], **options))
    tornado, tornado_s = timed(lambda: dr.tornado(model, adversary, data_class, **options))
    uncertainty, uncertainty_s = timed(lambda: dr.uncertainty(model, adversary, data_class, draws=draws, **options))
    variables = len(tornado.table)
    row = {
        "arcs": float(len(model.access)),
        "variables": float(variables),
        "compile": compile_s,
        "analyze": analyze_s,
        "compare": compare_s,
        "tornado": tornado_s,
        "per_variable": tornado_s / (variables + 1),
        "uncertainty": uncertainty_s,
        "per_draw": uncertainty_s / (draws + 1),
    }
    print(
        f"{len(model.access):,} arcs, {variables} ranged variables: compile {compile_s:.2f} s, analyze "
        f"{analyze_s:.2f} s, compare {compare_s:.2f} s; tornado {tornado_s:.1f} s "
        f"({row['per_variable']:.2f} s per variable), uncertainty {uncertainty_s:.1f} s "
        f"({row['per_draw']:.2f} s per draw)",
        flush=True,
    )
    del single, paired, uncertainty
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 and 10^5 arcs only")
    parser.add_argument("--ranged-arcs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=10_240)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    info = b.machine()
    command = b.command_line("benchmarks/bench_sensitivity.py")
    print(f"# {b.describe_machine(info)}; load average {info['load']} at the start", flush=True)
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows = [measure(n, args.ranged_arcs, args.samples, args.draws) for n in sizes]
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    section = [
        "## Sensitivity (`bench_sensitivity.py`)",
        "",
        f"- Command: `{command}` (from the repository root)",
        f"- Machine: {b.describe_machine(info)}",
        f"- Date: {info['date']}; load average (1, 5, 15 min) {info['load']} at the start, {load_end} at the end",
        "",
        (
            f"Models: `dr.synthetic.enterprise_with_arcs(n, seed=1)` with ranges on every event and "
            f"jurisdiction and on {args.ranged_arcs} arcs; adversary CN, one class, Monte Carlo with "
            f"{args.samples:,} worlds and seed 1 for every run; uncertainty with {args.draws} draws."
        ),
        "",
        "| arcs | ranged variables | compile s | analyze s | compare s (2 models) | tornado s | per variable s | uncertainty s | per draw s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {r['arcs']:,.0f} | {r['variables']:.0f} | {r['compile']:.2f} | {r['analyze']:.2f} | "
            f"{r['compare']:.2f} | {r['tornado']:.1f} | {r['per_variable']:.2f} | {r['uncertainty']:.1f} | "
            f"{r['per_draw']:.2f} |"
            for r in rows
        ),
        "",
        (
            "*compile*: lowering and compiling the model once; *analyze*: one Monte Carlo run of the model "
            "(all classes, places included); *compare*: the model against a copy of itself, the paired run a "
            "tornado makes per variable. *Per variable* = tornado s ÷ (variables + 1), the base run included; "
            "*per draw* likewise. An evaluation costs about a compile and a run of the model, whatever its "
            "size relative to the ranges: no Python loop over arcs, no copy of the model."
        ),
    ]
    if not args.no_write:
        b.write_section(Path(__file__).resolve().parent / "RESULTS.md", START, END, section)
        print("\nwritten to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
