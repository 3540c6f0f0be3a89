"""Building a model from bulk frames and compiling it: datareach against igraph's
``Graph.DataFrame`` on the same frames, at 10^5, 10^6 and 10^7 arcs.

    PYTHONPATH=python python benchmarks/bench_build.py            # 10^5, 10^6, 10^7 arcs (~2 min, ~5 GiB)
    PYTHONPATH=python python benchmarks/bench_build.py --quick    # 10^5 and 10^6 arcs

For each size the frames of ``dr.synthetic.enterprise_frames_with_arcs(n, seed=1)`` are
drawn first (not timed with the build: they are what a user holds before calling the
library). Then, each in a fresh process of its own:

* **datareach**: the model built from the frames (``Model.add_events``, ``add_nodes``,
  ``add_classes``, ``add_placements``, ``add_flows``, ``add_arcs``, the adversaries; every
  value validated), then ``compile_model(model)`` (lowering to the core's ``ModelData``,
  its validation, and the compiled graph with the jurisdiction rules expanded);
* **igraph**: ``Graph.DataFrame(access, directed=True, vertices=nodes, use_vids=False)``
  on the same access and node frames (edge and vertex attributes from their columns,
  names resolved to vertices; no validation of values, no rules, no windows).

*Peak bytes per arc* = growth of the peak resident set (VmHWM, reset after the frames are
drawn) over the resident set before the build, divided by the compiled arcs (datareach:
access arcs plus the arcs the jurisdiction rules imply) or the graph's edges (igraph). It
covers everything alive at the peak: the model's tables, the core's model data and the
compiled graph for datareach.

Results go to benchmarks/RESULTS.md (the section between this script's markers).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

import _baselines as b
from _baselines import dr

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- bench_build:start -->", "<!-- bench_build:end -->"


def _spelled_out(frames: Any) -> Any:
    """The frames with every categorical column as an object column of strings."""
    import dataclasses

    def plain(frame: Any) -> Any:
        frame = frame.copy()
        for name in frame.columns:
            if isinstance(frame[name].dtype, pd.CategoricalDtype):
                frame[name] = pd.Series(frame[name].to_numpy(dtype=object), dtype=object)
        return frame

    return dataclasses.replace(frames, **{s: plain(getattr(frames, s)) for s in ("nodes", "flows", "access")})


def measure(arcs: int, seed: int, engine: str, plain_ids: bool = False) -> dict[str, Any]:
    """One engine at one size (run in a subprocess of its own)."""
    started = time.perf_counter()
    frames = dr.synthetic.enterprise_frames_with_arcs(arcs, seed=seed)
    if plain_ids:  # the ids spelled out in every row, as a frame read without dtype="category"
        frames = _spelled_out(frames)
    drawn = time.perf_counter() - started
    gc.collect()
    reset = b.reset_peak()
    before = b.process_status("VmRSS")
    result: dict[str, Any] = {"engine": engine, "frames_s": drawn, "rows": len(frames.access), "reset": reset}
    if engine == "datareach":
        from datareach.model.lowering import compile_model

        started = time.perf_counter()
        model = frames.model()
        result["build_s"] = time.perf_counter() - started
        started = time.perf_counter()
        graph = compile_model(model)
        result["compile_s"] = time.perf_counter() - started
        result["arcs"] = graph.arc_count
        result["nodes"] = graph.node_count
    else:
        import igraph

        started = time.perf_counter()
        g = igraph.Graph.DataFrame(frames.access, directed=True, vertices=frames.nodes, use_vids=False)
        result["build_s"] = time.perf_counter() - started
        result["compile_s"] = 0.0
        result["arcs"] = g.ecount()
        result["nodes"] = g.vcount()
    result["peak_bytes"] = b.process_status("VmHWM") - before
    return result


def run(size: int, seed: int, engine: str, plain_ids: bool) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--_measure", str(size), "--_engine", engine]
    command += ["--seed", str(seed)] + (["--plain-ids"] if plain_ids else [])
    out = subprocess.run(command, capture_output=True, text=True, env=os.environ)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else str(out.returncode)
        return {"engine": engine, "failed": tail}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def table(sizes: list[int], seed: int, plain_ids: bool) -> list[str]:
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    say(
        "| arcs | access rows | engine | build s (frames → model) | compile s | build + compile s | "
        "peak bytes per arc | datareach ÷ igraph time |"
    )
    say("|---:|---:|---|---:|---:|---:|---:|---:|")
    for size in sizes:
        results = [run(size, seed, engine, plain_ids) for engine in ("datareach", "igraph")]
        total = {}
        for r in results:
            if "failed" in r:
                say(f"| {size:,} | | {r['engine']} | failed: {r['failed']} | | | | |")
                continue
            total[r["engine"]] = r["build_s"] + r["compile_s"]
        for r in results:
            if "failed" in r:
                continue
            ratio = ""
            if r["engine"] == "datareach" and "igraph" in total:
                ratio = f"{total['datareach'] / total['igraph']:.2f}"
            peak = f"{r['peak_bytes'] / r['arcs']:.0f} B" if r["reset"] else "n/a"
            compile_text = f"{r['compile_s']:.2f}" if r["engine"] == "datareach" else "—"
            say(
                f"| {r['arcs']:,} | {r['rows']:,} | {r['engine']} | {r['build_s']:.2f} | {compile_text} | "
                f"{total[r['engine']]:.2f} | {peak} | {ratio} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 and 10^6 arcs only")
    parser.add_argument("--sizes", type=float, nargs="+", default=None, help="arc counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="", help="a heading for this run's table in RESULTS.md")
    parser.add_argument(
        "--keep", action="store_true", help="add this run's table to the section instead of replacing it"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument(
        "--plain-ids",
        action="store_true",
        help="give both libraries the ids spelled out in every row (object columns) instead of categoricals",
    )
    parser.add_argument("--_measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_engine", default="datareach", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._measure:
        print(json.dumps(measure(args._measure, args.seed, args._engine, args.plain_ids)))
        return

    sizes = [int(s) for s in args.sizes] if args.sizes else ([10**5, 10**6] if args.quick else [10**5, 10**6, 10**7])
    info = b.machine()
    command = b.command_line("benchmarks/bench_build.py")
    print(f"# {b.describe_machine(info)}; load average {info['load']} at the start")
    rows = table(sizes, args.seed, args.plain_ids)
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    run_block = [
        f"### {args.label or 'Build and compile'}",
        "",
        f"- Command: `{command}` (from the repository root)",
        f"- Machine: {b.describe_machine(info)}",
        f"- Date: {info['date']}; load average (1, 5, 15 min) {info['load']} at the start, {load_end} at the end",
        f"- Frames: node ids in `from`/`to` (access, flows) and `kind` (access) "
        f"{'spelled out in every row (object columns)' if args.plain_ids else 'as pandas categoricals'}",
        "",
        *rows,
        "",
    ]
    intro = [
        "## Building and compiling (`bench_build.py`)",
        "",
        "The frames of `dr.synthetic.enterprise_frames_with_arcs(n, seed=1)` (drawn first, not timed) built into a "
        "model (every value validated) and compiled (`compile_model`: lowering, the core's validation, the compiled "
        "graph with jurisdiction rules expanded), against igraph's `Graph.DataFrame` on the same access and node "
        "frames, each in a fresh process. *Peak bytes per arc* = growth of VmHWM over the resident set before the "
        "build (frames already drawn), ÷ compiled arcs (datareach) or edges (igraph).",
        "",
    ]
    section = intro + run_block
    if args.keep and RESULTS.exists() and START in RESULTS.read_text():
        old = RESULTS.read_text().split(START, 1)[1].split(END, 1)[0].strip("\n").splitlines()
        section = [*old, "", *run_block] if old else section
    if not args.no_write:
        b.write_section(RESULTS, START, END, section)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
