"""AnalysisOptions: one definition of the analysis options, validated in one place, with the
same defaults in every analysis and on the command line."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
from pathlib import Path

import pytest

import datareach as dr
from datareach.cli import main
from datareach.cli.options import (
    add_analysis_options,
    add_request_options,
    analysis_options,
)


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def test_defaults() -> None:
    options = dr.AnalysisOptions()
    assert (
        options.method,
        options.samples,
        options.tolerance,
        options.seed,
        options.threads,
        options.progress,
        options.at,
    ) == ("auto", 100_000, None, None, None, False, None)
    assert dataclasses.is_dataclass(options)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.samples = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"method": "magic"}, "method"),
        ({"samples": 0}, "samples"),
        ({"samples": 1.5}, "samples"),
        ({"samples": True}, "samples"),
        ({"seed": -1}, "seed"),
        ({"threads": 0}, "threads"),
        ({"tolerance": 0}, "tolerance"),
        ({"tolerance": "small"}, "tolerance"),
        ({"at": "2021-02-30"}, "at"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_validation_names_the_option(fields: dict, where: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.AnalysisOptions(**fields)
    assert error.value.where == where


def test_resolve_and_replace() -> None:
    base = dr.AnalysisOptions(seed=3, method="exact")
    assert dr.AnalysisOptions.resolve() == dr.AnalysisOptions()
    assert dr.AnalysisOptions.resolve(base) is base
    assert dr.AnalysisOptions.resolve(base, samples=10) == dr.AnalysisOptions(seed=3, method="exact", samples=10)
    assert base.replace(seed=4).seed == 4 and base.seed == 3
    assert dr.AnalysisOptions(progress=None).progress is False  # None means no progress
    with pytest.raises(dr.ModelError, match="^samples:"):
        base.replace(samples=0)
    with pytest.raises(TypeError, match="worlds"):
        base.replace(worlds=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="options"):
        dr.AnalysisOptions.resolve({"seed": 1})  # type: ignore[arg-type]


def test_seeded_draws_a_seed_once() -> None:
    drawn = dr.AnalysisOptions().seeded()
    assert isinstance(drawn.seed, int) and drawn.seeded() is drawn
    assert dr.AnalysisOptions(seed=5).seeded().seed == 5


@pytest.mark.parametrize("analysis", [dr.analyze, dr.compare, dr.timeline, dr.sweep])
def test_every_analysis_takes_options_and_copies_none_of_them(analysis: object) -> None:
    parameters = inspect.signature(analysis).parameters  # type: ignore[arg-type]
    assert "options" in parameters
    assert list(parameters)[-1] == "overrides"
    copied = {field.name for field in dataclasses.fields(dr.AnalysisOptions)} & set(parameters)
    assert copied == set()


def test_options_object_and_keywords_agree(texas: dr.Model) -> None:
    options = dr.AnalysisOptions(method="monte_carlo", samples=4096, seed=8, at="2022-07-01")
    by_object = dr.analyze(texas, "CN", options)
    by_keywords = dr.analyze(texas, "CN", method="monte_carlo", samples=4096, seed=8, at="2022-07-01")
    mixed = dr.analyze(
        texas, "CN", dr.AnalysisOptions(method="monte_carlo", samples=4096, seed=1), seed=8, at="2022-07-01"
    )
    assert by_object.table.equals(by_keywords.table) and by_object.table.equals(mixed.table)


def test_every_analysis_has_the_same_default_samples(texas: dr.Model) -> None:
    # The same seed gives the same numbers whichever analysis asks: timeline and sweep used
    # to default to 20,000 worlds and analyze and compare to 100,000.
    at = "2022-07-01"
    analyzed = dr.analyze(texas, "CN", method="monte_carlo", seed=4, at=at)
    samples = dr.AnalysisOptions().samples
    assert analyzed.worlds is not None and samples <= analyzed.worlds < samples + 512  # whole blocks of 512
    timeline = dr.timeline(texas, at, at, freq="D", adversaries="CN", method="monte_carlo", seed=4)
    assert timeline.provenance.worlds == analyzed.worlds
    got = timeline.table.drop(columns=["date", "method"])
    assert got.equals(analyzed.table)
    plan = [dr.changes.revoke("beijing_master_admin", "tiktok_virginia")]
    compared = dr.compare(texas, plan, names=["revoke"], adversaries="CN", method="monte_carlo", seed=4, at=at)
    swept = dr.sweep(texas, {"revoke": plan}, adversaries="CN", method="monte_carlo", seed=4, at=at)
    assert compared.worlds == swept.worlds == analyzed.worlds
    assert swept.table.drop(columns=["changes", "method", "worlds"]).equals(compared.table)


def _parsed(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_request_options(parser)
    add_analysis_options(parser, tolerance_help="", threads_help="")
    return parser.parse_args(argv)


def test_command_line_defaults_are_the_python_defaults() -> None:
    from_cli = analysis_options(_parsed([]))
    assert from_cli == dr.AnalysisOptions(progress=from_cli.progress)
    given = analysis_options(
        _parsed(["--method", "exact", "--samples", "7", "--seed", "2", "--threads", "3", "--at", "2022-07-01"])
    )
    assert given == dr.AnalysisOptions(
        method="exact", samples=7, seed=2, threads=3, at="2022-07-01", progress=given.progress
    )


def test_command_line_errors_name_the_flag() -> None:
    with pytest.raises(dr.ModelError, match="^--samples: "):
        analysis_options(_parsed(["--samples", "0"]))
    with pytest.raises(dr.ModelError, match="^--at: "):
        analysis_options(_parsed(["--at", "2022-13-01"]))


def test_cli_analyze_gives_the_numbers_of_python(
    texas: dr.Model, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = dr.examples.path("project_texas")
    assert main(["analyze", str(path), "--method", "monte_carlo", "--seed", "21", "--at", "2022-07-01", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    python = dr.analyze(dr.load(path), method="monte_carlo", seed=21, at="2022-07-01")
    assert payload["provenance"]["worlds"] == python.worlds
    assert python.worlds is not None and 100_000 <= python.worlds < 100_000 + 512
    # Exactly the same floats: JSON carries each number's shortest round-trip form.
    assert payload["tables"]["table"] == python.table.to_dict("records")
    assert payload["tables"]["total_risk"] == python.total_risk.to_dict("records")
