"""One Monte Carlo analysis spread over a Dask cluster against the same analysis in one
process: ``dr.analyze(model, executor=client)`` on a ~10^6-arc synthetic model.

    PYTHONPATH=python python benchmarks/bench_distributed.py            # 10^6 arcs, ~3 min
    PYTHONPATH=python python benchmarks/bench_distributed.py --quick    # 10^5 arcs

Builds ``dr.synthetic.enterprise_with_arcs(n, seed=1)`` (adversaries US, CN, EU; every class,
places included) and times one ``dr.analyze(method="monte_carlo")`` with the same seed and
worlds (a) in this process on 1 thread, (b) on 2 threads, (c) on a
``distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` with
``executor=client`` (one task per worker; the cluster is started before the clock runs). The
clustered time includes what spreading costs: lowering the model and scattering its columns
to the workers, each worker compiling them, the coordinator compiling the model too to make
the table. Every table is
checked equal (exactly) to the 1-thread one. Results go to benchmarks/RESULTS.md (this
script's section).
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
from pathlib import Path
from typing import Any

import pandas as pd

import _baselines as b
from _baselines import dr
from datareach.model.lowering import compile_model, lower

HERE = Path(__file__).resolve().parent
START, END = "<!-- bench_distributed:start -->", "<!-- bench_distributed:end -->"


def timed(label: str, run: Any) -> tuple[float, dr.Result]:
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10^5 arcs instead of 10^6")
    parser.add_argument("--samples", type=int, default=16_384, help="worlds per analysis (default 16,384)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    from dask import distributed

    info = b.machine()
    command = b.command_line("benchmarks/bench_distributed.py")
    print(f"# {b.describe_machine(info)}; load average {info['load']} at the start", flush=True)
    arcs = 100_000 if args.quick else 1_000_000
    model = dr.synthetic.enterprise_with_arcs(arcs, seed=1)
    compiled = compile_model(model, None)
    megabytes = len(pickle.dumps(lower(model), protocol=pickle.HIGHEST_PROTOCOL)) / 1e6
    options: dict[str, Any] = {"method": "monte_carlo", "samples": args.samples, "seed": 1}

    one, serial = timed("1 thread", lambda: dr.analyze(model, threads=1, **options))
    two, threaded = timed("2 threads", lambda: dr.analyze(model, threads=2, **options))
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        cold, clustered = timed("2-worker cluster, first run", lambda: dr.analyze(model, executor=client, **options))
        warm, again = timed("2-worker cluster, second run", lambda: dr.analyze(model, executor=client, **options))
    pd.testing.assert_frame_equal(again.table, serial.table, check_exact=True)
    for result in (threaded, clustered):
        pd.testing.assert_frame_equal(result.table, serial.table, check_exact=True)
        pd.testing.assert_frame_equal(result.by_store, serial.by_store, check_exact=True)
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"# load average {load_end} at the end; tables identical", flush=True)

    section = [
        "## One analysis spread over a Dask cluster (`bench_distributed.py`)",
        "",
        f"- Command: `{command}` (from the repository root)",
        f"- Machine: {b.describe_machine(info)}",
        (
            f"- Date: {info['date']}; load average (1, 5, 15 min) {info['load']} at the start, {load_end} at the end "
            "(the 2 cores were shared with other engineers' builds and tests: a load above 2 means the runs "
            "below got less than the 2 cores they asked for, so read the ratios as lower bounds of what an idle "
            "machine gives)"
        ),
        "",
        (
            f"Model: `dr.synthetic.enterprise_with_arcs({arcs:,}, seed=1)`: {compiled.arc_count:,} compiled arcs, "
            f"{compiled.node_count:,} nodes, adversaries US, CN, EU, every class, places included; "
            f"{serial.worlds:,} worlds, seed 1 in every run; its lowered columns, what the workers receive, "
            f"pickle to {megabytes:.0f} MB."
        ),
        "",
        "| run | seconds | 1 thread ÷ this | table |",
        "|---|---:|---:|---|",
        f"| `dr.analyze(m, threads=1)` | {one:.1f} | 1.00× | reference |",
        f"| `dr.analyze(m, threads=2)` | {two:.1f} | {one / two:.2f}× | identical |",
        (
            f"| `dr.analyze(m, executor=client)`, 2 worker processes × 1 thread, first run | {cold:.1f} | "
            f"{one / cold:.2f}× | identical |"
        ),
        (
            f"| the same, second run (the workers have imported datareach) | {warm:.1f} | "
            f"{one / warm:.2f}× | identical |"
        ),
        "",
        (
            "Each time is one whole `analyze`: planning, sampling and the table (the model's compiled graph is "
            "cached after the first run in this process). The cluster's time also holds lowering the model, pickling "
            "its columns and scattering them to both workers, and each worker compiling them; its first run "
            "also pays each fresh worker process importing datareach. The sampling itself is the same work split "
            "in two, so a cluster gains on threads only where its workers have cores of their own: on this "
            "2-core machine both spread the same 2 cores, and the cluster pays the spreading on top."
        ),
    ]
    if not args.no_write:
        b.write_section(HERE / "RESULTS.md", START, END, section)
        print("\nwritten to benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
