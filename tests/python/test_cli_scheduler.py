"""``datareach analyze`` and ``datareach compare`` with ``--scheduler`` on a real Dask cluster
of two worker processes (docs/design.md §4): the printed numbers are exactly those of the
serial command with the same seed, as JSON and as text, for any ``--tasks``, with and
without a tolerance; provenance records the cluster. (An unreachable scheduler and a bad
``--tasks``: test_hardening_cli.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import datareach as dr
from datareach.cli import main

TEXAS = dr.examples.path("project_texas")
PLAN = dr.examples.path("project_texas_as_designed")
# Fields of the provenance that say how a run was made, not what it found: they differ
# between a serial and a spread run by design (the cluster, threads per task) or by clock.
HOW_RUN = ("elapsed", "created", "threads", "executor")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0 and captured.err == "", captured.err
    return captured.out


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(_run([*argv, "--json"], capsys))


def _address(cluster: Any) -> str:
    address: str = cluster.scheduler.address
    return address


def assert_same_run(spread: Any, serial: Any) -> None:
    """The same tables, value for value, and the same provenance but for how it ran; the
    spread run was on the cluster, one thread per task."""
    assert spread["tables"] == serial["tables"]
    assert set(spread["tables"]) == set(serial["tables"]) and serial["tables"]["table"]
    found = {key: value for key, value in spread["provenance"].items() if key not in HOW_RUN}
    assert found == {key: value for key, value in serial["provenance"].items() if key not in HOW_RUN}
    assert spread["provenance"]["executor"] == "dask" and spread["provenance"]["threads"] == 1
    assert serial["provenance"]["executor"] is None


ANALYZE = ["analyze", str(TEXAS), "--method", "monte_carlo", "--samples", "20000", "--seed", "11", "--at", "2022-07-01"]


@pytest.mark.parametrize("tasks", [None, 1, 7, 40])
def test_analyze_on_the_cluster_prints_the_serial_numbers(
    tasks: int | None, cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = _json(ANALYZE, capsys)
    split = [] if tasks is None else ["--tasks", str(tasks)]
    spread = _json([*ANALYZE, "--scheduler", _address(cluster), *split], capsys)
    assert_same_run(spread, serial)
    assert serial["provenance"]["worlds"] == 20_480  # 40 quanta: 40 tasks count one each
    # And those are the library's numbers of the same run in this process.
    library = dr.analyze(dr.load(TEXAS), method="monte_carlo", samples=20_000, seed=11, at="2022-07-01")
    table = pd.DataFrame(spread["tables"]["table"])
    pd.testing.assert_frame_equal(table, library.table.reset_index(drop=True), check_dtype=False, check_exact=True)


def test_analyze_with_a_tolerance_stops_after_the_same_worlds(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["analyze", str(TEXAS), "--adversary", "CN", "--tolerance", "0.005", "--seed", "3", "--at", "2022-07-01"]
    argv += ["--method", "monte_carlo"]
    serial = _json(argv, capsys)
    spread = _json([*argv, "--scheduler", _address(cluster), "--tasks", "3"], capsys)
    assert_same_run(spread, serial)
    assert serial["provenance"]["converged"] is True
    # A stop before the cap: the checkpoints, not the cap, ended both runs.
    assert serial["provenance"]["worlds"] < serial["provenance"]["max_samples"]


def test_analyze_text_output_is_the_serial_one_but_for_the_time(
    cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = _run(ANALYZE, capsys).splitlines()
    spread = _run([*ANALYZE, "--scheduler", _address(cluster), "--tasks", "5"], capsys).splitlines()
    assert spread[1:] == serial[1:] and len(serial) > 5
    # The title differs in the seconds taken only.
    assert spread[0].rsplit(", ", 1)[0] == serial[0].rsplit(", ", 1)[0]
    assert "Monte Carlo, 20,480 worlds, seed 11" in serial[0]


COMPARE = ["compare", str(TEXAS), str(PLAN), "--method", "monte_carlo", "--samples", "8192", "--seed", "4"]
COMPARE += ["--at", "2022-09-01"]


@pytest.mark.parametrize("tasks", [None, 3])
def test_compare_on_the_cluster_prints_the_serial_numbers(
    tasks: int | None, cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    serial = _json(COMPARE, capsys)
    split = [] if tasks is None else ["--tasks", str(tasks)]
    spread = _json([*COMPARE, "--scheduler", _address(cluster), *split], capsys)
    assert_same_run(spread, serial)
    table = pd.DataFrame(spread["tables"]["table"])
    # The plan changes something, so the paired sums were really counted (not all zero).
    assert (table["probability_difference"] != 0).any()
    text_serial = _run(COMPARE, capsys).splitlines()
    text_spread = _run([*COMPARE, "--scheduler", _address(cluster), *split], capsys).splitlines()
    assert text_spread[1:] == text_serial[1:]


def test_compare_with_a_tolerance_stops_after_the_same_worlds(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*COMPARE, "--adversary", "CN", "--tolerance", "0.01"]
    argv.remove("--samples")
    argv.remove("8192")
    serial = _json(argv, capsys)
    spread = _json([*argv, "--scheduler", _address(cluster), "--tasks", "4"], capsys)
    assert_same_run(spread, serial)
    assert serial["provenance"]["converged"] is True


def test_compare_errors_still_name_the_variant_file(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(TEXAS.read_text(encoding="utf-8"), encoding="utf-8")
    other = tmp_path / "other.yaml"
    # A model with other classes: compare refuses it, naming the file, on the cluster too.
    dr.save(dr.Model("other").add_class("d").add_node("a", "role").add_node("s", "store").place("d", "s"), other)
    code = main(["compare", str(base), str(other), "--method", "monte_carlo", "--scheduler", _address(cluster)])
    error = capsys.readouterr().err
    assert code == 2
    assert error == f"datareach: error: {other}: a variant must have the base's classes in the same order\n"
