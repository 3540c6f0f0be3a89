"""The result vocabulary: every analysis returns a result with ``.table`` and
``.provenance``, prints as its table, pickles with a version, and turns into the one JSON
shape every ``--json`` of the command line prints."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import datareach as dr
from datareach.cli import main

C = dr.changes
PLAN = [C.revoke("beijing_master_admin", "tiktok_virginia")]
AT = "2022-07-01"


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def _results(texas: dr.Model) -> dict[str, dr.AnalysisResult]:
    return {
        "reach": dr.reach(texas, "CN", at=AT),
        "analyze": dr.analyze(texas, "CN", method="monte_carlo", samples=4096, seed=3, at=AT),
        "compare": dr.compare(texas, PLAN, adversaries="CN", method="monte_carlo", samples=4096, seed=3, at=AT),
        "timeline": dr.timeline(
            texas, "2021-10-01", "2021-12-01", adversaries="CN", method="monte_carlo", samples=4096, seed=3
        ),
        "sweep": dr.sweep(texas, {"revoke": PLAN}, adversaries="CN", method="monte_carlo", samples=4096, seed=3, at=AT),
    }


@pytest.fixture(scope="module")
def results(texas: dr.Model) -> dict[str, dr.AnalysisResult]:
    return _results(texas)


def test_every_result_has_a_table_and_provenance(results: dict[str, dr.AnalysisResult], texas: dr.Model) -> None:
    for name, result in results.items():
        assert isinstance(result, dr.AnalysisResult), name
        assert isinstance(result.table, pd.DataFrame) and len(result.table) > 0, name
        provenance = result.provenance
        assert provenance.analysis == name and result.name == texas.name
        assert provenance.version == dr.__version__
        assert provenance.elapsed >= 0 and provenance.created.endswith("+00:00")
        if name == "reach":
            assert (provenance.method, provenance.worlds, provenance.seed) == ("deterministic", None, None)
        else:
            assert (provenance.method, provenance.seed) == ("monte_carlo", 3), name
            assert provenance.worlds == 4096, name
        assert provenance.at == (None if name == "timeline" else AT), name
        assert set(provenance.to_dict()) == {
            "analysis",
            "method",
            "worlds",
            "seed",
            "at",
            "elapsed",
            "threads",
            "tolerance",
            "max_samples",
            "converged",
            "executor",
            "version",
            "created",
        }


def test_exact_results_record_no_worlds_and_no_seed(texas: dr.Model) -> None:
    for result in (dr.analyze(texas, method="exact", seed=3), dr.compare(texas, PLAN, method="exact", seed=3)):
        assert (result.method, result.worlds, result.seed) == ("exact", None, None)


def test_a_fresh_seed_is_drawn_once_and_recorded(texas: dr.Model) -> None:
    result = dr.analyze(texas, "CN", method="monte_carlo", samples=4096, at=AT)
    assert isinstance(result.seed, int)
    again = dr.analyze(texas, "CN", method="monte_carlo", samples=4096, at=AT, seed=result.seed)
    pd.testing.assert_frame_equal(again.table, result.table)


def test_columns_agree_across_analyses(results: dict[str, Any]) -> None:
    exposure = list(results["analyze"].table.columns)
    assert exposure == [
        "adversary",
        "class",
        "probability",
        "ci_low",
        "ci_high",
        "expected_share",
        "expected_records",
        "risk",
    ]
    assert list(results["analyze"].exposure.columns) == exposure  # the old name stays
    assert list(results["reach"].table.columns) == [
        "adversary",
        "class",
        "possible",
        "certain",
        "possible_stores",
        "certain_stores",
        "possible_regions",
        "certain_regions",
    ]
    comparison = list(results["compare"].table.columns)
    assert comparison == [
        "variant",
        "adversary",
        "class",
        "base_probability",
        "probability",
        "probability_difference",
        "probability_difference_ci_low",
        "probability_difference_ci_high",
        "base_expected_records",
        "expected_records",
        "records_difference",
        "base_risk",
        "risk",
        "risk_difference",
        "risk_difference_ci_low",
        "risk_difference_ci_high",
    ]
    assert list(results["timeline"].table.columns) == ["date", *exposure, "method"]
    assert list(results["sweep"].table.columns) == ["variant", "changes", *comparison[1:], "method", "worlds"]


def test_total_risk_has_one_shape(results: dict[str, Any]) -> None:
    analyzed = results["analyze"].total_risk
    assert list(analyzed.columns) == ["adversary", "total_risk"]
    assert analyzed["total_risk"].tolist() == pytest.approx([results["analyze"].table["risk"].sum()])
    for name in ("compare", "sweep"):
        totals = results[name].total_risk
        assert list(totals.columns) == [
            "variant",
            "adversary",
            "base_total_risk",
            "total_risk",
            "total_risk_difference",
        ], name
        assert totals["total_risk_difference"].tolist() == pytest.approx(
            (totals["total_risk"] - totals["base_total_risk"]).tolist()
        )
        assert totals["base_total_risk"].tolist() == pytest.approx(analyzed["total_risk"].tolist())
    assert list(results["timeline"].total_risk.columns) == ["date", "adversary", "total_risk"]


def test_printing_a_result_prints_its_table(results: dict[str, Any]) -> None:
    for name, result in results.items():
        text = str(result)
        assert result.provenance.describe() in text.splitlines()[0], name
        # title, header, rows; a comparison adds its total risk (blank, title, header, rows, hint)
        extra = len(result.total_risk) + 4 if name == "compare" else 0
        assert len(text.splitlines()) == len(result.table) + 2 + extra, name
        assert "<table" in result._repr_html_() and result.provenance.describe() in result._repr_html_()
        assert type(result).__name__ in repr(result)


def test_results_pickle_with_a_version(results: dict[str, Any]) -> None:
    for name, result in results.items():
        back = pickle.loads(pickle.dumps(result))
        pd.testing.assert_frame_equal(back.table, result.table)
        assert back.provenance == result.provenance, name
        state = result.__getstate__()
        state["version"] = 99
        with pytest.raises(dr.ModelError, match="version 99"):
            object.__new__(type(result)).__setstate__(state)


def test_an_exposure_result_makes_its_tables_when_first_asked_and_pickles_them(texas: dr.Model) -> None:
    # A loop of runs that reads the scores only never pays for the DataFrames.
    run = dr.analyze(texas, method="monte_carlo", samples=4096, seed=3, at=AT)
    assert run._table is None and run._by_store is None and run._by_region is None
    assert run.matrix("probability").shape == (len(run.adversaries), len(run.classes))
    assert run._table is None
    fresh = pickle.loads(pickle.dumps(run))  # pickling makes every table
    assert "_columns" not in fresh.__dict__ and fresh._by_store is not None
    eager = dr.analyze(texas, method="monte_carlo", samples=4096, seed=3, at=AT)
    for name in ("table", "by_store", "by_region", "total_risk"):
        made = getattr(eager, name)
        assert len(made) > 0, name
        pd.testing.assert_frame_equal(getattr(fresh, name), made)
        assert getattr(eager, name) is made or name == "total_risk", name  # made once, then kept
    assert set(eager.by_store["store"]) <= set(texas.node_ids)
    assert eager._columns == {}  # the columns are let go once the frames are made


def test_to_dict_is_json_with_every_table(results: dict[str, Any]) -> None:
    for name, result in results.items():
        payload = json.loads(json.dumps(result.to_dict()))
        assert set(payload) == {"analysis", "model", "provenance", "tables"}
        assert payload["analysis"] == name and payload["provenance"] == result.provenance.to_dict()
        assert set(payload["tables"]) == {"table", *type(result).extra_tables}
        assert len(payload["tables"]["table"]) == len(result.table)
    assert set(results["analyze"].to_dict()["tables"]) == {"table", "by_store", "by_region", "total_risk"}


GOOD = """\
format: datareach/1
name: tiny scenario
adversaries: [CN]
nodes:
  - {id: CN, kind: jurisdiction, territory: CN, compels: 0.9}
  - {id: admin, kind: role, region: CN/Beijing}
  - {id: virginia, kind: store, region: US/VA}
classes:
  - {id: videos}
placements:
  - {class: videos, store: virginia}
access:
  - {from: admin, to: virginia, p: 0.5, kind: admin}
"""


def test_every_command_prints_the_same_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    base = tmp_path / "base.yaml"
    shutil.copy(dr.examples.path("project_texas"), base)
    revoke = tmp_path / "revoke.yaml"
    revoke.write_text(
        "format: datareach/1\nbase: base.yaml\nname: revoke\nchanges:\n"
        "  - {op: revoke, from: beijing_master_admin, to: tiktok_virginia}\n",
        encoding="utf-8",
    )
    sampling = ["--method", "monte_carlo", "--samples", "4096", "--seed", "5"]
    commands = {
        "reach": ["reach", str(good)],
        "validate": ["validate", str(good)],
        "analyze": ["analyze", str(good), *sampling],
        "compare": ["compare", str(base), str(revoke), "--adversary", "CN", *sampling],
        "sweep": ["sweep", str(base), str(revoke), "--adversary", "CN", *sampling],
    }
    for name, argv in commands.items():
        assert main([*argv, "--json"]) == 0, name
        payload = json.loads(capsys.readouterr().out)
        assert set(payload) == {"analysis", "model", "provenance", "tables"}, name
        assert payload["analysis"] == name and isinstance(payload["tables"]["table"], list), name
        assert payload["provenance"]["analysis"] == name and payload["provenance"]["version"] == dr.__version__
        if name in ("analyze", "compare", "sweep"):
            assert payload["provenance"]["seed"] == 5 and payload["provenance"]["worlds"] == 4096, name
    assert main(["validate", str(good), "--json"]) == 0
    counts = {r["section"]: r["count"] for r in json.loads(capsys.readouterr().out)["tables"]["table"]}
    assert counts == {"nodes": 3, "classes": 1, "placements": 1, "access": 1, "events": 0}


def test_a_result_of_the_old_pickle_layout_is_refused(results: dict[str, Any]) -> None:
    state = results["analyze"].__getstate__()
    assert state["version"] == 2
    state["version"] = 1  # slots, no provenance: not readable into today's layout
    with pytest.raises(dr.ModelError, match="version 1"):
        object.__new__(dr.Result).__setstate__(state)
