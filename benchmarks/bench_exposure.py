"""Monte Carlo exposure: datareach against the networkx and igraph estimators a user would
write, side by side on the same synthetic model, then datareach alone from 10^4 to 10^7 arcs.

    PYTHONPATH=python python benchmarks/bench_exposure.py            # full (10^7 arcs: ~5 min, ~5 GiB)
    PYTHONPATH=python python benchmarks/bench_exposure.py --quick    # scaling up to 10^6 arcs

Both parts run on two shapes of ``dr.synthetic.enterprise_with_arcs``: the generator's
default, where 2 primaries per class hold data (most of the graph reaches no data, and the
engine leaves it out of its sweeps), and "data everywhere" (``placements_per_class`` =
0.003 x arcs: ~80 % of the stores hold a class, ~85 % of the arcs are swept), which
measures the kernel itself.

Part 1 builds a model of ``--arcs`` arcs (three jurisdictions as adversaries, 8 atomic and
2 composite classes, shared events, class filters) and times (a)
``dr.analyze(method="monte_carlo")`` on one thread and on all threads, (b) the networkx
estimator and (c) the igraph estimator of ``_baselines.py`` (per world: vectorised coins
and events, live subgraph per class group, a search from each adversary). It checks that
the baselines' probabilities agree with datareach's (99.9% Wilson intervals of the
baseline overlap datareach's 95% intervals) and prints worlds per second and the ratios.
The all-core ratio grants the single-threaded baselines a perfect speed-up over all cores.

Part 2 runs each size in two fresh subprocesses (build, compile, then the same Monte Carlo
run on one thread in one, on all threads in the other, each after a first run of 512
worlds that takes the one-time costs; a run shorter than a second is timed repeatedly for a
second, at most 15 times, and the median is kept). The all-thread process times each of
its runs right after a one-thread run of the same worlds; *N threads ÷ 1* is the median of
those pairs' wall-time ratios. *Arc-worlds per CPU second* =
compiled arcs x worlds / CPU seconds of the one-thread run (one world covers every
adversary and every class). *Memory per arc* = growth of the peak resident set (VmHWM)
from before building the model (its frames drawn, the heap's free memory released) to
after compiling it, divided by the compiled arcs; the
run's own extra peak is shown apart, and the end to end peak (building, compiling and the
run) beside it.

Results go to benchmarks/RESULTS.md (the section between this script's markers).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import _baselines as b
from _baselines import dr

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
START, END = "<!-- bench_exposure:start -->", "<!-- bench_exposure:end -->"


# The two shapes of model measured. In the generator's default only 2 primaries per class hold
# data, so most of the graph cannot reach any data and the engine leaves it out of its sweeps
# (docs/design.md decision 55); with data everywhere about 80 % of the stores hold a class and
# ~85 % of the arcs are swept: the kernel's own speed.
SHAPES = ("default", "data everywhere")


def shape_arguments(shape: str, arcs: int) -> dict:
    if shape == "default":
        return {}
    return {"placements_per_class": max(2, round(arcs * 0.003))}


def shape_text(shape: str, arcs: int, seed: int) -> str:
    extra = "".join(f", {k}={v}" for k, v in shape_arguments(shape, arcs).items())
    return f"`dr.synthetic.enterprise_with_arcs({arcs}, seed={seed}{extra})`"


def measure(arcs: int, seed: int, arc_worlds: float, shape: str, threads: int) -> dict:
    """One size of the scaling table (run in a subprocess of its own)."""
    from datareach.model.lowering import compile_model

    # The frames are drawn first (what a user holds before building), then the heap's free
    # memory is released and the peak reset, so that memory counts building, compiling and
    # running from them (as bench_build.py counts building).
    frames = dr.synthetic.enterprise_frames_with_arcs(arcs, seed=seed, **shape_arguments(shape, arcs))
    b.release_free_memory()
    b.reset_peak()
    before = b.process_status("VmRSS")
    started = time.perf_counter()
    model = frames.model()
    built = time.perf_counter() - started
    started = time.perf_counter()
    graph = compile_model(model)
    compiled = time.perf_counter() - started
    peak_model = b.process_status("VmHWM") - before
    n = graph.arc_count
    worlds = int(min(max(arc_worlds / n, 10_240), 1 << 20))
    # A first run of 512 worlds takes the run's peak memory (its plan and per-thread state
    # are those of any run of this model) and the one-time costs of a fresh process (pages
    # touched for the first time); the timed run after it gives the sustained rate.
    rss = b.process_status("VmRSS")
    reset = b.reset_peak()
    cold = time.process_time()
    dr.analyze(model, method="monte_carlo", samples=512, seed=seed, threads=threads)
    cold = time.process_time() - cold
    engine_peak = b.process_status("VmHWM") - rss if reset else float("nan")
    # End to end: the highest the resident set rose above where it was before building,
    # while building and compiling or during the run.
    end_to_end = max(peak_model, rss - before + engine_peak) if reset else float("nan")

    # A run of a few milliseconds (the default shape: few arcs swept) is timed again and again
    # for a second, at most 15 times, and its median taken: one such run alone varies by
    # half on this shared machine. A run of a second or more is timed once. With several
    # threads, each timed run follows a one-thread run of the same worlds and the speed-up is
    # the median of the pairs' ratios: the two sit side by side in time, so a neighbour's
    # load on the shared machine falls on both rather than on one process of the two.
    def timed(count: int) -> tuple[float, float, int]:
        cpu = time.process_time()
        run = dr.analyze(model, method="monte_carlo", samples=worlds, seed=seed, threads=count)
        return run.elapsed, time.process_time() - cpu, run.worlds

    timings: list[tuple[float, float]] = []
    ratios: list[float] = []
    while not timings or (sum(t for t, _ in timings) < 1.0 and len(timings) < 15):
        alone = timed(1)[0] if threads > 1 else None
        elapsed, cpu, done = timed(threads)
        timings.append((elapsed, cpu))
        if alone is not None:
            ratios.append(alone / elapsed)
    elapsed, cpu = (float(np.median([t[k] for t in timings])) for k in (0, 1))
    return {
        "arcs": n,
        "nodes": graph.node_count,
        "roles": int((model.nodes["kind"] == "role").sum()),
        "build_s": built,
        "compile_s": compiled,
        "worlds": done,
        "elapsed_s": elapsed,
        "speed_up": float(np.median(ratios)) if ratios else 1.0,
        "cpu_s": cpu,
        "timed_runs": len(timings),
        "threads": threads,
        "model_bytes_per_arc": peak_model / n,
        "engine_peak_bytes": engine_peak,
        "end_to_end_bytes": end_to_end,
        "first_run_cpu_s": cold,
    }


def side_by_side(
    arcs: int, seed: int, worlds: int, seconds: float, check_seconds: float, shape: str
) -> tuple[list[str], dict]:
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    from datareach.model.lowering import compile_model

    started = time.perf_counter()
    model = dr.synthetic.enterprise_with_arcs(arcs, seed=seed, **shape_arguments(shape, arcs))
    graph = compile_model(model)
    data = b.arrays(model)
    assert data.arcs == graph.arc_count, (data.arcs, graph.arc_count)
    say(
        f"Model ({shape}): {shape_text(shape, arcs, seed)} — {graph.arc_count:,} arcs "
        f"(jurisdiction rules included), {graph.node_count:,} nodes, {len(model.class_ids)} classes "
        f"({len(data.groups)} filter groups), adversaries {', '.join(model.adversaries)} "
        f"(built and compiled in {time.perf_counter() - started:.1f} s)."
    )
    say()
    adversaries = [model.node_index[a] for a in model.adversaries]
    cores = os.cpu_count() or 1

    dr.analyze(model, method="monte_carlo", samples=512, seed=seed, threads=1)  # warm-up
    one = dr.analyze(model, method="monte_carlo", samples=worlds, seed=seed, threads=1)
    every = dr.analyze(model, method="monte_carlo", samples=worlds, seed=seed)
    assert np.array_equal(one.matrix("probability"), every.matrix("probability")), "thread count changed the result"
    rate_one = one.worlds / one.elapsed
    rate_all = every.worlds / every.elapsed

    estimators = [b.NetworkxEstimator(data, adversaries, seed=seed), b.IgraphEstimator(data, adversaries, seed=seed)]
    estimators[0].run(seconds=seconds)
    # igraph runs longer: its many worlds make the agreement check meaningful.
    estimators[1].run(seconds=max(seconds, check_seconds))

    say("| estimator | worlds | seconds | worlds/s | datareach 1 thread ÷ it | datareach all cores ÷ it (it × cores) |")
    say("|---|---:|---:|---:|---:|---:|")
    say(f"| datareach, 1 thread | {one.worlds:,} | {one.elapsed:.2f} | {b.fmt_rate(rate_one)} | 1 | |")
    say(f"| datareach, {cores} threads | {every.worlds:,} | {every.elapsed:.2f} | {b.fmt_rate(rate_all)} | | 1 |")
    ratios = {}
    for e in estimators:
        single = rate_one / e.rate
        multi = rate_all / (e.rate * cores)
        ratios[e.name] = (single, multi)
        say(f"| {e.name} | {e.worlds:,} | {e.seconds:.2f} | {e.rate:.3g} | **{single:,.0f}×** | **{multi:,.0f}×** |")
    say()
    all_agree = True
    for e in estimators:
        ok, summary = b.agreement(e, every.exposure)
        all_agree &= ok
        say(f"- agreement, {summary}: {'OK' if ok else 'DISAGREE'}")
    targets = {"networkx": 5000, "igraph": 500}
    for name, (single, _multi) in ratios.items():
        met = single >= targets[name]
        say(f"- target ≥ {targets[name]:,}× {name} (single core): {'met' if met else 'NOT met'} ({single:,.0f}×)")
    say(
        f"- datareach arc-worlds per second on one thread: {b.fmt_rate(graph.arc_count * rate_one)} "
        f"(a world covers {len(adversaries)} adversaries × {len(model.class_ids)} classes)"
    )
    return lines, {"ratios": ratios, "agree": all_agree, "rate_one": rate_one, "rate_all": rate_all}


def scaling(sizes: list[int], seed: int, arc_worlds: float, shape: str) -> list[str]:
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    cores = os.cpu_count() or 1
    say(
        f"| arcs | nodes | build s | compile s | first run s | worlds | arc-worlds per CPU s, 1 thread | "
        f"{cores} threads ÷ 1 "
        "(wall) | peak memory per arc (model + compiled) | run's peak per arc, 1 thread | "
        f"{cores} threads | end to end peak per arc, 1 thread | {cores} threads |"
    )
    say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        runs = []
        for threads in (1, cores):
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--_measure",
                str(size),
                "--seed",
                str(seed),
                "--_arc-worlds",
                str(arc_worlds),
                "--_shape",
                shape,
                "--_threads",
                str(threads),
            ]
            out = subprocess.run(command, capture_output=True, text=True, env=os.environ)
            if out.returncode != 0:
                failure = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode
                say(f"| {size:,} | failed: {failure} |")
                break
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if len(runs) < 2:
            continue
        one, every = runs
        arc_worlds_cpu = one["arcs"] * one["worlds"] / one["cpu_s"]
        speed_up = every["speed_up"]

        def per_arc(r: dict, key: str = "engine_peak_bytes") -> str:
            peak = r[key]
            return "n/a" if peak != peak else f"{peak / r['arcs']:.0f} B"

        say(
            f"| {one['arcs']:,} | {one['nodes']:,} | {one['build_s']:.2f} | {one['compile_s']:.2f} | "
            f"{one['first_run_cpu_s']:.2f} | {one['worlds']:,} | {b.fmt_rate(arc_worlds_cpu)} | {speed_up:.2f}× | "
            f"{one['model_bytes_per_arc']:.0f} B | {per_arc(one)} | {per_arc(every)} | "
            f"{per_arc(one, 'end_to_end_bytes')} | {per_arc(every, 'end_to_end_bytes')} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scaling table up to 10^6 arcs only, shorter runs")
    parser.add_argument("--arcs", type=int, default=100_000, help="size of the side-by-side model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worlds", type=int, default=200_000, help="datareach worlds in part 1 (>= 100k)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds per baseline (default 10, quick 4)")
    parser.add_argument(
        "--check-seconds",
        type=float,
        default=None,
        help="seconds of the igraph run, for the agreement check (default 30, quick 4)",
    )
    parser.add_argument("--sizes", type=float, nargs="+", default=None, help="arc counts of the scaling table")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--_measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_arc-worlds", type=float, default=2e10, help=argparse.SUPPRESS)
    parser.add_argument("--_shape", default="default", choices=SHAPES, help=argparse.SUPPRESS)
    parser.add_argument("--_threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._measure:
        print(json.dumps(measure(args._measure, args.seed, args._arc_worlds, args._shape, args._threads)))
        return

    seconds = args.seconds if args.seconds is not None else (4.0 if args.quick else 10.0)
    check_seconds = args.check_seconds if args.check_seconds is not None else (4.0 if args.quick else 30.0)
    sizes = (
        [int(s) for s in args.sizes]
        if args.sizes
        else ([10**4, 10**5, 10**6] if args.quick else [10**4, 10**5, 10**6, 10**7])
    )
    arc_worlds = 5e9 if args.quick else 2e10
    info = b.machine()
    command = b.command_line("benchmarks/bench_exposure.py")
    print(f"# {b.describe_machine(info)}; load average {info['load']} at the start")

    part1: list[str] = []
    part2: list[str] = []
    for shape in SHAPES:
        print(f"\n## Side by side ({shape})\n")
        lines, _summary = side_by_side(args.arcs, args.seed, args.worlds, seconds, check_seconds, shape)
        part1 += [*lines, ""]
    for shape in SHAPES:
        print(f"\n## Scaling ({shape})\n")
        how = "the generator's defaults" if shape == "default" else "placements_per_class = 0.003 × arcs"
        part2 += [f"Shape: {shape} ({how}).", "", *scaling(sizes, args.seed, arc_worlds, shape), ""]
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())

    section = [
        "## Monte Carlo exposure (`bench_exposure.py`)",
        "",
        f"- Command: `{command}` (from the repository root)",
        f"- Machine: {b.describe_machine(info)}",
        f"- Date: {info['date']}; load average (1, 5, 15 min) {info['load']} at the start, {load_end} at the end"
        " (other engineers' builds share the machine)",
        "",
        "### Side by side on one model, two shapes",
        "",
        *part1,
        "",
        "The baselines (`benchmarks/_baselines.py`) sample every arc's coin and every event per world with one "
        "NumPy call each, keep the live arcs, take per group of classes admitting the same arcs (4 category groups) "
        'the live arcs admitting the group, and search from each adversary (`nx.descendants`; igraph `subcomponent(mode="out")`). They are '
        "single-threaded and run with Python's cyclic garbage collector off (it would double their time); "
        "networkx adds and removes each group's filtered arcs on one graph per world, igraph appends and deletes "
        "them likewise. The all-core ratio compares datareach on every core with the baseline's rate times the "
        "core count (a perfect multiprocessing speed-up granted to the baseline).",
        "",
        "### Scaling",
        "",
        *part2,
        "",
        "Each row is two fresh processes, each building and compiling the model, then running the Monte Carlo "
        "run twice: first 512 worlds (*first run s*: CPU seconds, the plan and the one-time costs of a fresh "
        "process included), then the timed run, on one thread in one process and on every core in the other "
        "(a run under a second is timed for a second, at most 15 times, and the median kept). "
        "*Arc-worlds per CPU s* = compiled arcs × worlds ÷ CPU seconds of the timed one-thread run, its plan "
        "included (a world covers all 3 adversaries and every class). *Threads ÷ 1*: the all-core process "
        "times each run right after a one-thread run of the same worlds; the median of those pairs' wall-time "
        "ratios. *Build s*: the model built from the generator's frames, drawn before (not timed). *Peak memory "
        "per arc* = growth of VmHWM from before building the model (the frames drawn, the heap's free memory "
        "released) to after compiling it (the Python model tables plus the core's model data and compiled "
        "graph), ÷ compiled arcs. *Run's peak per arc* = the extra peak resident memory of the first run (plan, "
        "per-thread records and live words: the same for any number of worlds), ÷ compiled arcs. *End to end "
        "peak per arc* = the highest the resident set rose above its size before building, while building and "
        "compiling or during the first run, ÷ compiled arcs.",
    ]
    if not args.no_write:
        b.write_section(RESULTS, START, END, section)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
