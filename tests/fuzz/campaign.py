"""The long fuzzing campaign (docs/design.md §7, "Bad input"): the properties of
``tests/python/test_fuzz.py`` with fresh random inputs for a time budget, then the C++ fuzz
driver ``datareach_fuzz_core`` (``tests/cpp/fuzz_core.cpp``) under the AddressSanitizer and
UBSan build, built first if needed. Prints what was tried and what broke::

    python tests/fuzz/campaign.py --minutes 30

Half the budget goes to the Python properties (shared among the targets in turn), half to
the C++ driver; ``--python-share`` changes the split, ``--skip-cpp`` / ``--skip-python``
leave one out. Everything runs on one core. A failure is reported once per target and kind
with the input Hypothesis shrank it to (Python) or the command that replays it (C++); the
exit code is 1 when anything failed. Run it from the repository root or anywhere: paths are
taken from this file's place.
"""

from __future__ import annotations

import argparse
import collections
import faulthandler
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SANITIZE_BUILD = ROOT / "build" / "cpp-sanitize"
DRIVER = SANITIZE_BUILD / "tests" / "cpp" / "datareach_fuzz_core"
# A property example takes milliseconds; one that runs this long is a hang.
HANG_SECONDS = 120
# A model that needs more memory than this is a blow-up (a MemoryError, reported).
MEMORY_LIMIT = 4 * 1024**3
# Examples per Hypothesis run; the targets take turns until the budget is spent.
CHUNK = 200


def _python_paths() -> None:
    sys.path[:0] = [str(ROOT / "tests" / "python")]
    try:
        import datareach  # noqa: F401
    except ImportError:  # a source tree with the compiled module copied in, not installed
        sys.path.insert(0, str(ROOT / "python"))


def _signature(error: BaseException) -> str:
    """What tells one failure from another: its type and message, numbers left out."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {re.sub(r'[0-9]+', 'N', text)[:160]}"


def python_campaign(seconds: float, seed: int) -> tuple[dict[str, collections.Counter[str]], list[str]]:
    """Run every target of test_fuzz for about ``seconds`` in all; outcomes per target and
    the failures found (one per target and kind)."""
    _python_paths()
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded

    import test_fuzz

    failures: dict[tuple[str, str], str] = {}
    names = list(test_fuzz.TARGETS)
    deadline = time.monotonic() + seconds
    rng = random.Random(seed)
    spent: collections.Counter[str] = collections.Counter()
    faulthandler.enable()

    def guarded(check: Any) -> Any:
        def run(value: Any) -> None:
            faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
            try:
                check(value)
            finally:
                faulthandler.cancel_dump_traceback_later()

        return run

    turn = 0
    while time.monotonic() < deadline:
        name = names[turn % len(names)]
        turn += 1
        strategy, check, _ = test_fuzz.TARGETS[name]
        test = seeded(rng.getrandbits(64))(
            settings(
                max_examples=CHUNK,
                deadline=None,
                database=None,
                derandomize=False,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.generate, Phase.shrink],
                report_multiple_bugs=False,
            )(given(strategy)(guarded(check)))
        )
        started = time.monotonic()
        try:
            test()  # each run from its own seed: no two runs repeat each other
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a broken property, whatever it raised
            key = (name, _signature(error))
            if key not in failures:
                notes = "\n".join(getattr(error, "__notes__", []))
                failures[key] = (
                    f"[{name}] {_signature(error)}\n{notes}\n{''.join(traceback.format_exception(error))[-3000:]}"
                )
                print(f"  found: [{name}] {_signature(error)}", flush=True)
        spent[name] += time.monotonic() - started
    outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for (target, outcome), count in test_fuzz.OUTCOMES.items():
        outcomes[target][outcome] += count
    for name in names:
        outcomes[name]["seconds"] = round(spent[name])
        outcomes[name]["failures"] = sum(1 for target, _ in failures if target == name)
    return outcomes, list(failures.values())


def build_driver() -> None:
    """Configure and build the sanitizer build of the C++ driver (one job: one core)."""
    cmake = shutil.which("cmake") or "cmake"
    if not (SANITIZE_BUILD / "CMakeCache.txt").exists():
        subprocess.run(
            [cmake, "-S", str(ROOT), "-B", str(SANITIZE_BUILD), "-DDATAREACH_TESTS=ON", "-DDATAREACH_SANITIZE=ON"],
            check=True,
        )
    subprocess.run([cmake, "--build", str(SANITIZE_BUILD), "--target", "datareach_fuzz_core", "-j1"], check=True)


def cpp_campaign(seconds: float, seed: int) -> tuple[dict[str, str], list[str]]:
    """The C++ driver for ``seconds``; its summary figures (summed over its runs) and its
    failures. A sanitizer report ends the driver's process: the report is kept and the run
    goes on from the next iteration until the time is spent."""
    build_driver()
    deadline = time.monotonic() + seconds
    figures: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    first = 0
    runs = 0
    while time.monotonic() < deadline - 1:
        left = int(deadline - time.monotonic())
        run = subprocess.run(
            [str(DRIVER), "--seconds", str(max(left, 1)), "--iterations", str(2**62), "--seed", str(seed)]
            + ["--first", str(first)],
            capture_output=True,
            text=True,
            env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "print_stacktrace=1"},
        )
        runs += 1
        lines = run.stdout.splitlines()
        failures += [line for line in lines if line.startswith("FAILED") and "sanitizer report" not in line]
        summary = next((line for line in reversed(lines) if line.startswith("fuzz_core:")), "")
        if summary:
            for item in summary.split()[1:]:
                key, value = item.split("=", 1)
                if key not in ("seed",):
                    figures[key] += float(value) if key == "seconds" else int(value)
            if run.stderr.strip():  # a report that did not stop the process (a leak, say)
                failures.insert(0, f"the driver wrote to stderr:\n{run.stderr[-4000:]}")
            break
        stopped = next((line for line in lines if "sanitizer report" in line), None)
        report = "\n".join(run.stderr.splitlines()[:40])
        failures.insert(0, f"{stopped or f'the driver stopped (exit code {run.returncode})'}\n{report}")
        figures["sanitizer stops"] += 1
        match = re.search(r"--first (\d+)", stopped or "")
        if match is None:
            break  # no iteration to go on from: a crash outside the sanitizers' reach
        figures["iterations"] += int(match.group(1)) + 1 - first
        first = int(match.group(1)) + 1
    figures["runs"] = runs
    return {key: f"{value:g}" if isinstance(value, float) else str(value) for key, value in figures.items()}, failures


def _kinds(failures: list[str]) -> collections.Counter[str]:
    """C++ failures by kind: their message with numbers left out."""
    kinds: collections.Counter[str] = collections.Counter()
    for line in failures:
        message = line.split("): ", 1)[-1]
        kinds[re.sub(r"-?[0-9][0-9.e+-]*", "N", message)[:140]] += 1
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--minutes", type=float, default=30.0, help="the whole budget (default 30)")
    parser.add_argument("--python-share", type=float, default=0.5, help="part of it for Python (default 0.5)")
    parser.add_argument("--seed", type=int, default=None, help="seed of both parts (default: a fresh one)")
    parser.add_argument("--skip-python", action="store_true")
    parser.add_argument("--skip-cpp", action="store_true")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    budget = args.minutes * 60
    share = 0.0 if args.skip_python else 1.0 if args.skip_cpp else min(max(args.python_share, 0.0), 1.0)
    print(f"fuzz campaign: {args.minutes:g} minutes, seed {seed}", flush=True)
    started = time.monotonic()
    failed = False

    if not args.skip_python:
        print(f"\n== Python properties (Hypothesis), {budget * share / 60:.1f} minutes", flush=True)
        # A memory blow-up becomes a MemoryError (reported) rather than a stalled machine;
        # only here: the sanitizer build reserves far more address space than it uses.
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT if hard < 0 else min(MEMORY_LIMIT, hard), hard))
        try:
            outcomes, failures = python_campaign(budget * share, seed)
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        print(f"{'target':<10} {'inputs tried':>12} {'loaded':>8} {'refused':>8} {'failures':>8} {'seconds':>8}")
        for name, counts in outcomes.items():
            loaded = counts["loaded"] + counts["accepted"]
            refused = counts["refused"] + counts["type error"]
            print(
                f"{name:<10} {counts['tried']:>12,} {loaded:>8,} {refused:>8,} {counts['failures']:>8} "
                f"{counts['seconds']:>8}"
            )
        total = sum(c["tried"] for c in outcomes.values())
        print(f"{'all':<10} {total:>12,}   failures: {len(failures)}")
        for failure in failures:
            print(f"\n-- {failure}")
        failed |= bool(failures)

    if not args.skip_cpp:
        seconds = budget - (time.monotonic() - started)
        print(f"\n== C++ core under ASan + UBSan (datareach_fuzz_core), {seconds / 60:.1f} minutes", flush=True)
        figures, failures = cpp_campaign(max(seconds, 10), seed)
        print("  " + ", ".join(f"{key} {value}" for key, value in figures.items()))
        print(f"  failures: {len(failures)}")
        for kind, count in _kinds(failures).most_common():
            print(f"    {count:>5} × {kind}")
        for failure in failures[:12]:
            print(f"  {failure}")
        failed |= bool(failures)

    print(f"\nfuzz campaign: {(time.monotonic() - started) / 60:.1f} minutes, {'FAILURES' if failed else 'no failure'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
