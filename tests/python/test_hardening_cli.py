"""The ``datareach`` command as a Unix tool: a closed pipe and Ctrl-C end it quietly with
the conventional exit codes, ``--version``, one number format per column kind, strict and
complete JSON, errors naming the file or flag, an unreachable scheduler failing in seconds
(every command taking ``--scheduler``) and a bad ``--tasks`` before connecting,
and a tolerance honoured or reported."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import datareach as dr
from datareach.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, main
from datareach.cli.output import amount, format_table, probability, strict_json
from datareach.cli.scheduler import SCHEDULER_CONNECT_TIMEOUT

PACKAGE_ROOT = Path(dr.__file__).resolve().parents[1]
TEXAS = dr.examples.path("project_texas")
AT = "2022-07-01"
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="signals and pipes as a POSIX shell has them")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "datareach.cli", *args]


# A shell starts background jobs with SIGINT ignored and a child inherits that: this launcher
# restores the default before exec, so the interpreter installs its KeyboardInterrupt handler
# as in a terminal (preexec_fn would do the same, but is unsafe in a threaded test runner).
_WITH_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'datareach.cli', *sys.argv[1:]])"
)


def _fail_on_constant(name: str) -> Any:
    raise AssertionError(f"not strict JSON: {name}")


def _strict(text: str) -> Any:
    return json.loads(text, parse_constant=_fail_on_constant)


@pytest.fixture(scope="module")
def coin_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One arc of p = 0.5 to a store: Monte Carlo intervals as wide as they get."""
    path = tmp_path_factory.mktemp("coin") / "coin.yaml"
    model = dr.Model("coin").add_class("d").add_node("a", "role").add_node("s", "store")
    dr.save(model.place("d", "s").add_access("a", "s", p=0.5), path)
    return path


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("plans")
    base = folder / "base.yaml"
    base.write_text(TEXAS.read_text(encoding="utf-8"), encoding="utf-8")
    good = folder / "a.yaml"
    good.write_text(
        "format: datareach/1\nbase: base.yaml\nname: a\nchanges:\n"
        "  - {op: revoke, from: beijing_master_admin, to: tiktok_virginia}\n",
        encoding="utf-8",
    )
    bad = folder / "b.yaml"
    bad.write_text(
        "format: datareach/1\nbase: base.yaml\nname: b\nchanges:\n"
        "  - {op: migrate, class: public_videos, from: tiktok_virginia, to: texsa}\n",
        encoding="utf-8",
    )
    return base, good, bad


# --- pipes, Ctrl-C, --version ----------------------------------------------------------------


@POSIX_ONLY
def test_a_closed_pipe_ends_quietly_with_141() -> None:
    # The shell's `datareach demo | head -2`: head exits after two lines, closing the pipe.
    shell = f'{sys.executable} -m datareach.cli demo | head -2; echo "status ${{PIPESTATUS[0]}}" >&2'
    done = subprocess.run(
        ["bash", "-c", shell], capture_output=True, text=True, env=_environment(), timeout=120, check=False
    )
    assert done.stdout.count("\n") == 2
    assert done.stderr.strip().splitlines() == [f"status {EXIT_BROKEN_PIPE}"]  # no "[Errno 32] Broken pipe"


@POSIX_ONLY
def test_ctrl_c_exits_130_with_one_line(tmp_path: Path) -> None:
    # Far more worlds than the run will reach: it is still sampling when interrupted.
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WITH_DEFAULT_SIGINT,
            "analyze",
            str(TEXAS),
            "--method",
            "monte_carlo",
            "--samples",
            str(2**50),
            "--seed",
            "1",
            "--threads",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
    )
    time.sleep(3)
    assert process.poll() is None, "the run ended before it could be interrupted"
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, error = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED == 130
    assert error.splitlines() == ["datareach: interrupted"] and out == ""
    assert time.monotonic() - sent < 30


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"datareach {dr.__version__}"


# --- numbers ------------------------------------------------------------------------------


def test_one_format_per_column_kind() -> None:
    table = pd.DataFrame(
        {
            "class": ["a", "b", "c"],
            "probability": [1.0, 0.99671234, 0.0],
            "expected_records": [326_700.0, 3_328.0, 0.0],
            "risk": [1.196e9, 12.5e3, 0.0],
            "risk_difference": [-340_795_898.2, 0.0, 12.0e3],
            "probability_difference": [-0.25, 0.0, 0.125],
        }
    )
    shown = format_table(table)
    assert list(shown["probability"]) == ["1.0000", "0.9967", "0.0000"]
    assert list(shown["expected_records"]) == ["326,700", "3,328", "0"]
    assert list(shown["risk"]) == ["1,196,000,000", "12,500", "0"]
    assert list(shown["risk_difference"]) == ["-340,795,898", "+0", "+12,000"]
    assert list(shown["probability_difference"]) == ["-0.2500", "+0.0000", "+0.1250"]
    small = format_table(pd.DataFrame({"expected_records": [0.25, 150.0]}))
    assert list(small["expected_records"]) == ["0.25", "150.00"]  # one column, one number of decimals
    assert probability(float("nan")) == "" and amount(None) == ""


def _columns_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_analyze_prints_no_scientific_notation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEXAS), "--method", "monte_carlo", "--seed", "1", "--samples", "5000", "--at", AT]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\d\.?\d*e[+-]\d", out), out
    assert "149,501,953" in out  # CN's phone numbers, expected records
    assert "total risk:" in out and "3,455,299,023" in out


def test_compare_and_demo_print_no_scientific_notation(
    variants: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, _ = variants
    assert main(["compare", str(base), str(good), "--at", AT, "--adversary", "CN"]) == 0
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\d\.?\d*e[+-]\d", out)


# --- JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["reach", str(TEXAS), "--at", AT, "--json"],
        ["analyze", str(TEXAS), "--at", AT, "--json"],
        ["analyze", str(TEXAS), "--method", "monte_carlo", "--samples", "512", "--seed", "1", "--json"],
        ["validate", str(TEXAS), "--json"],
    ],
)
def test_every_json_is_strict(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    payload = _strict(capsys.readouterr().out)
    assert set(payload) == {"analysis", "model", "provenance", "tables"}


def test_reach_json_writes_missing_path_probabilities_as_null(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", str(TEXAS), "--at", AT, "--json"]) == 0
    rows = _strict(capsys.readouterr().out)["tables"]["table"]
    assert any(row["path_probability"] is None for row in rows)  # composites have no path


def test_analyze_json_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEXAS), "--at", AT, "--json"]) == 0
    payload = _strict(capsys.readouterr().out)
    assert payload["model"] == dr.examples.project_texas().name
    assert set(payload["tables"]) == {"table", "by_store", "by_region", "total_risk"}
    assert all(payload["tables"][name] for name in payload["tables"])
    provenance = payload["provenance"]
    assert provenance["method"] == "exact" and provenance["converged"] is True and provenance["at"] == AT


def test_compare_and_sweep_json_include_total_risk(
    variants: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, _ = variants
    for command in ("compare", "sweep"):
        assert main([command, str(base), str(good), "--at", AT, "--seed", "1", "--json"]) == 0
        payload = _strict(capsys.readouterr().out)
        totals = payload["tables"]["total_risk"]
        assert totals and {"base_total_risk", "total_risk", "total_risk_difference"} <= set(totals[0])


def test_strict_json_turns_non_finite_numbers_into_null() -> None:
    assert strict_json({"a": [float("nan"), float("inf"), 1.5], "b": (-float("inf"),)}) == {
        "a": [None, None, 1.5],
        "b": [None],
    }


# --- errors that say where ------------------------------------------------------------------


def test_compare_names_the_bad_variant_file(
    variants: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, bad = variants
    assert main(["compare", str(base), str(good), str(bad)]) == 2
    assert capsys.readouterr().err == f"datareach: error: {bad}: changes[0].to: unknown node 'texsa'\n"


def test_sweep_names_the_bad_variant_file(
    variants: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, bad = variants
    assert main(["sweep", str(base), str(good), str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"datareach: error: {bad}: changes[0].to: unknown node 'texsa'")


def test_compare_names_the_file_whose_classes_differ(
    variants: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, _ = variants
    other = tmp_path / "other.yaml"
    dr.save(dr.Model("other").add_class("x").add_node("CN", "role"), other)
    assert main(["compare", str(base), str(good), str(other), "--adversary", "CN"]) == 2
    assert capsys.readouterr().err == (
        f"datareach: error: {other}: a variant must have the base's classes in the same order\n"
    )


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--seed", str(2**64)], "--seed: expected an integer from 0 to 2^64 - 1, got 18446744073709551616"),
        (["--samples", str(2**63)], "--samples: expected an integer from 1 to 2^62"),
        (["--threads", "5000"], "--threads: expected an integer from 1 to 1,024, got 5000"),
        (["--tolerance", "inf"], "--tolerance: expected a finite number > 0, got inf"),
        (["--tolerance", "0.01", "--max-samples", "0"], "--max-samples: expected an integer from 1 to 2^62, got 0"),
        (["--adversary", "CN", "--adversary", "CN"], "adversaries[1]: 'CN' is listed twice"),
    ],
)
def test_bad_options_name_the_flag(flags: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEXAS), *flags]) == 2
    assert capsys.readouterr().err.startswith(f"datareach: error: {message}")


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: bound, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("command", ["sweep", "compare", "analyze"])
def test_an_unreachable_scheduler_fails_in_seconds(
    command: str, variants: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, _ = variants
    files = [str(base)] if command == "analyze" else [str(base), str(good)]
    started = time.monotonic()
    code = main([command, *files, "--scheduler", f"tcp://127.0.0.1:{_closed_port()}"])
    took = time.monotonic() - started
    # The connection gives up after SCHEDULER_CONNECT_TIMEOUT (5 s); without it Dask waits
    # 30 s. The bound sits between the two with room for a loaded machine.
    assert code == 2 and took < 20, took
    error = capsys.readouterr().err
    assert error.startswith("datareach: error: --scheduler: cannot reach the Dask scheduler") and error.count("\n") == 1
    assert "Traceback" not in error


def test_a_scheduler_without_dask_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # what an import then finds: none
    assert main(["analyze", str(TEXAS), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert capsys.readouterr().err == (
        "datareach: error: --scheduler: a Dask scheduler needs dask.distributed: pip install 'datareach[dask]'\n"
    )


@pytest.mark.parametrize("command", ["compare", "analyze"])
def test_bad_tasks_fail_before_any_file_or_scheduler(
    command: str, variants: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, good, _ = variants
    files = [str(base)] if command == "analyze" else [str(base), str(good)]
    unreachable = ["--scheduler", f"tcp://127.0.0.1:{_closed_port()}"]
    for flags, message in (
        (["--tasks", "4"], "--tasks: splits a run over a Dask cluster; give --scheduler too"),
        (["--tasks", "0", *unreachable], "--tasks: expected an integer from 1 to 100,000, got 0"),
        (["--tasks", "100001", *unreachable], "--tasks: expected an integer from 1 to 100,000, got 100001"),
    ):
        started = time.monotonic()
        assert main([command, *files, "--method", "monte_carlo", *flags]) == 2
        # Refused before connecting: an unreachable scheduler would take its 5 s timeout.
        assert time.monotonic() - started < SCHEDULER_CONNECT_TIMEOUT
        assert capsys.readouterr().err == f"datareach: error: {message}\n"


# --- tolerance ------------------------------------------------------------------------------


def test_readme_tolerance_example_does_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEXAS), "--adversary", "CN", "--tolerance", "0.001", "--seed", "1", "--json"]) == 0
    captured = capsys.readouterr()
    payload = _strict(captured.out)
    assert payload["provenance"]["converged"] is True and captured.err == ""
    rows = payload["tables"]["table"]
    assert max((row["ci_high"] - row["ci_low"]) / 2 for row in rows) <= 0.001


def test_monte_carlo_tolerance_is_met_on_the_command_line(coin_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # It used to stop at 100,352 worlds with a widest half-width of 0.0031 and say nothing.
    assert (
        main(
            [
                "analyze",
                str(coin_file),
                "--adversary",
                "a",
                "--method",
                "monte_carlo",
                "--tolerance",
                "0.001",
                "--seed",
                "1",
                "--json",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    payload = _strict(captured.out)
    rows = payload["tables"]["table"]
    assert max((row["ci_high"] - row["ci_low"]) / 2 for row in rows) <= 0.001
    assert payload["provenance"]["worlds"] > 100_352 and payload["provenance"]["converged"] is True
    assert captured.err == ""


def test_a_tolerance_not_met_says_so_on_stderr(coin_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "analyze",
                str(coin_file),
                "--adversary",
                "a",
                "--method",
                "monte_carlo",
                "--tolerance",
                "0.001",
                "--max-samples",
                "4096",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.err == (
        "datareach: warning: analyze: tolerance 0.001 not met after 4,096 worlds "
        "(max_samples 4,096); raise max_samples or the tolerance\n"
    )
    assert "tolerance 0.001 NOT met" in captured.out.splitlines()[0]


def test_max_samples_without_a_tolerance_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEXAS), "--max-samples", "5000"]) == 2
    assert capsys.readouterr().err.startswith("datareach: error: --max-samples: applies only with --tolerance")
