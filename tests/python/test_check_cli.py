"""``datareach check``: exit 0 when every rule holds, 1 on a violated or undecided rule (each
printed with its witness path and citations), 2 on bad input; ``--junit`` writes JUnit XML
that parses and counts right; ``--json`` prints strict JSON of the result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import datareach as dr
from datareach.cli import main

SCENARIO = str(dr.examples.path("project_texas"))
POLICY = str(dr.examples.policy_path("project_texas"))
PACKAGE_ROOT = Path(dr.__file__).resolve().parents[1]


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_exit_0_when_every_rule_holds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", SCENARIO, POLICY, "--at", "2024-01-01"]) == 0
    out = capsys.readouterr().out
    assert "PASSED: 28 of 28 checks hold" in out
    assert "VIOLATED" not in out


def test_exit_1_prints_each_violation_with_its_witness_and_citations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", SCENARIO, POLICY, "--at", "2022-07-01"]) == 1
    out = capsys.readouterr().out
    report = dr.check(dr.examples.project_texas(), POLICY, at="2022-07-01")
    assert out.count("\nVIOLATED rules[") == len(report.violations)
    assert "FAILED: " + report.summary() in out
    # The Master Admin's path, with the entry and the report it rests on.
    assert "witness: beijing_master_admin → tiktok_virginia (p = 1)" in out
    assert (
        "1. beijing_master_admin → tiktok_virginia (admin, p 1) access[10]; source buzzfeed-2022-06-17: "
        "Leaked audio from 80+ internal TikTok meetings" in out
    )
    # A rule arc is cited by its jurisdiction's source; a composite has a witness per component.
    assert "(compels, p 0.9) nodes[0].compels; source cn-nil-2017" in out
    assert "witness (public_videos): " in out
    assert "note: the Beijing 'Master Admin'" in out


def test_junit_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "report.xml"
    assert main(["check", SCENARIO, POLICY, "--at", "2022-07-01", "--junit", str(junit)]) == 1
    capsys.readouterr()
    report = dr.check(dr.examples.project_texas(), POLICY, at="2022-07-01")
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(cases) == len(report.table) == int(suite.get("tests", "")) == int(root.get("tests", ""))
    assert len(failures) == len(report.violations) == int(suite.get("failures", "")) == int(root.get("failures", ""))
    assert suite.get("errors") == "0" and suite.get("name") == dr.load_policy(POLICY).name
    first = failures[0]
    assert first.get("classname") == "rules[0].never_reaches"
    assert first.get("name") == "beijing_master_admin / phone_numbers as of 2022-07-01"
    failure = first.find("failure")
    assert failure is not None and failure.get("type") == "violated"
    assert failure.get("message", "").startswith("rules[0] never_reaches: beijing_master_admin can reach")
    assert "source buzzfeed-2022-06-17" in (failure.text or "")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["method"] == "exact" and properties["at"] == "2022-07-01"


def test_junit_when_everything_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "report.xml"
    assert main(["check", SCENARIO, POLICY, "--at", "2024-06-01", "--junit", str(junit), "--json"]) == 0
    _strict(capsys.readouterr().out)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and len(suite.findall("testcase")) == 28


def test_junit_escapes_what_the_files_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        'format: datareach/1\nname: "a <b> & \\"c\\""\n'
        'sources:\n  r1: {title: "<script>&amp;\\u0007"}\n'
        "nodes:\n  - {id: 'a<&>', kind: role, region: CN}\n  - {id: s, kind: store}\n"
        "classes:\n  - {id: x}\nplacements:\n  - {class: x, store: s}\n"
        "access:\n  - {from: 'a<&>', to: s, p: 1, source: r1}\n",
        encoding="utf-8",
    )
    policy = tmp_path / "p.yaml"
    policy.write_text(
        'format: datareach-policy/1\nname: "]]> <x/> \\u0001"\n'
        'rules:\n  - never_reaches: {from_region: CN, class: x, note: "<&>\\u0008\\"\'"}\n',
        encoding="utf-8",
    )
    junit = tmp_path / "out.xml"
    assert main(["check", str(scenario), str(policy), "--junit", str(junit)]) == 1
    capsys.readouterr()
    root = ET.parse(junit).getroot()  # parses: everything escaped, control characters replaced
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "]]> <x/> \ufffd"
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "a<&> / x"
    failure = case.find("failure")
    assert failure is not None
    assert "note: <&>\ufffd\"'" in (failure.text or "")
    assert "source r1: <script>&amp;\ufffd" in (failure.text or "")


def test_json_is_strict_and_has_the_shape_of_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", SCENARIO, POLICY, "--at", "2022-07-01", "--json"]) == 1
    out = _strict(capsys.readouterr().out)
    assert isinstance(out, dict)
    assert set(out) == {"analysis", "model", "provenance", "tables"} and out["analysis"] == "check"
    assert set(out["tables"]) == {"table", "witnesses"}
    rows = out["tables"]["table"]
    assert len(rows) == 28 and {r["status"] for r in rows} == {"holds", "violated"}
    assert rows[0]["witness"] == "beijing_master_admin → tiktok_virginia (p = 1)"
    assert any(r["witness"] is None for r in rows)
    assert {w["citation"] for w in out["tables"]["witnesses"]} >= {"buzzfeed-2022-06-17", "cn-nil-2017"}


def test_monte_carlo_flags_and_an_undecided_rule(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["check", SCENARIO, POLICY, "--at", "2024-01-01", "--method", "monte_carlo", "--seed", "1"]
    assert main([*args, "--samples", "20000"]) == 1
    out = capsys.readouterr().out
    assert "UNDECIDED rules[6] max_exposure: bytedance" in out and "raise samples or set a tolerance" in out
    assert "Monte Carlo, 20,480 worlds, seed 1" in out
    assert "0 violated, 2 undecided" in out
    assert main([*args, "--samples", "2000000", "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert isinstance(out, dict) and out["provenance"]["method"] == "monte_carlo" and out["provenance"]["seed"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "2022-06-31"], "--at: must be a date"),
        (["--max-samples", "5"], "--max-samples: applies only with --tolerance"),
        (["--samples", "0"], "--samples: expected an integer from 1"),
    ],
)
def test_bad_flags_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", SCENARIO, POLICY, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_files_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_rule = tmp_path / "bad.yaml"
    bad_rule.write_text(
        "format: datareach-policy/1\nrules:\n  - never_reaches: {adversary: CN, class: phone_numbers}\n"
        "  - max_exposure: {adversary: CN, class: phone_numbers, probability: 1.5}\n",
        encoding="utf-8",
    )
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        "format: datareach-policy/1\nrules:\n  - never_reaches: {adversary: bytedanse, class: phone_numbers}\n",
        encoding="utf-8",
    )
    cases = [
        (
            [SCENARIO, str(bad_rule)],
            f"{bad_rule}: rules[1] (line 4).max_exposure.probability: must be a number from 0 to 1, got 1.5",
        ),
        (
            [SCENARIO, str(unknown)],
            f"{unknown}: rules[0] (line 3).never_reaches.adversary: unknown node 'bytedanse' (did you mean 'bytedance'?)",
        ),
        ([SCENARIO, SCENARIO], f"{SCENARIO}: format: unsupported format 'datareach/1'"),  # the scenario given twice
        (
            [POLICY, SCENARIO],
            f"{POLICY}: rules: unknown top-level field (is it a policy file? the scenario comes first",
        ),
        ([SCENARIO, str(tmp_path / "missing.yaml")], "cannot read"),
        ([str(tmp_path), POLICY], "it is a folder"),
    ]
    for args, message in cases:
        junit = tmp_path / "never.xml"
        assert main(["check", *args, "--junit", str(junit)]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("datareach: error: ") and message in err, err
        assert err.count("\n") == 1
        assert not junit.exists()


def test_in_a_subprocess(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "datareach.cli", "check", SCENARIO, POLICY, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=120,
            check=False,
        )

    failed = run("--at", "2022-07-01", "--junit", str(tmp_path / "j.xml"))
    assert failed.returncode == 1 and "FAILED: " in failed.stdout and not failed.stderr
    assert ET.parse(tmp_path / "j.xml").getroot().tag == "testsuites"
    assert run("--at", "2024-01-01").returncode == 0
    bad = run("--at", "yesterday")
    assert bad.returncode == 2 and bad.stderr.startswith("datareach: error: --at:")
