"""The ``datareach`` command, run as a user runs it (a subprocess) and in-process
(``main([...])``): the demo, reach as a table and as JSON, validate, and bad input ending in
exit code 2 with one line on stderr naming the entry and field."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import datareach
from datareach.cli import main

PACKAGE_ROOT = Path(datareach.__file__).resolve().parents[1]

GOOD = """\
format: datareach/1
name: tiny scenario
adversaries: [CN]
events:
  - {id: insider, p: 0.5}
nodes:
  - {id: CN, kind: jurisdiction, territory: CN, compels: 0.9}
  - {id: admin, kind: role, region: CN/Beijing}
  - {id: virginia, kind: store, region: US/VA}
  - {id: texas, kind: store, region: US/TX}
classes:
  - {id: videos}
  - {id: phones}
  - {id: profile, components: [videos, phones]}
placements:
  - {class: videos, store: virginia}
  - {class: phones, store: texas, window: [2022-06-01, null]}
access:
  - {from: admin, to: virginia, p: 0.5, kind: admin}
  - {from: admin, to: texas, p: 1, requires: [insider], window: [null, 2022-01-01]}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m datareach.cli ...`` in a fresh interpreter that finds this datareach."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "datareach.cli", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    return path


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- subprocess


def test_demo_in_a_subprocess() -> None:
    done = run("demo")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "as of 2021-10-01" in out and "as of 2022-07-01" in out and "as of 2024-01-01" in out
    public = [line for line in out.splitlines() if line.split()[:2] == ["public", "videos"]]
    assert len(public) == 4  # one row per period and one in the what-if
    assert all("%" in line for line in public)


def test_reach_json_in_a_subprocess(good: Path) -> None:
    done = run("reach", str(good), "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["analysis"] == "reach" and payload["model"] == "tiny scenario"
    assert payload["provenance"]["method"] == "deterministic" and payload["provenance"]["worlds"] is None
    records = payload["tables"]["table"]
    assert [(r["adversary"], r["class"]) for r in records] == [("CN", "videos"), ("CN", "phones"), ("CN", "profile")]
    for record in records:
        assert set(record) == {
            "adversary",
            "class",
            "possible",
            "certain",
            "possible_stores",
            "certain_stores",
            "possible_regions",
            "certain_regions",
            "path",
            "path_probability",
        }
    videos, phones, profile = records
    assert videos["possible"] is True and videos["certain"] is False
    assert videos["possible_stores"] == ["virginia"] and videos["possible_regions"] == ["US/VA"]
    assert videos["certain_stores"] == [] and videos["certain_regions"] == []
    assert videos["path"] == "CN → admin → virginia"
    assert videos["path_probability"] == pytest.approx(0.45)
    assert phones["possible_stores"] == ["texas"]  # windows ignored without --at
    assert phones["path_probability"] == pytest.approx(0.45)
    assert profile["possible"] is True and profile["path_probability"] is None
    assert profile["path"].startswith("(composite")


def test_validate_in_a_subprocess(good: Path) -> None:
    done = run("validate", str(good))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.strip() == f"{good}: valid (4 nodes, 3 classes, 2 access arcs)"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "typo.yaml",
            GOOD.replace("to: virginia", "to: virgina"),
            "access[0] (line 19).to: unknown node 'virgina' (did you mean 'virginia'?)",
        ),
        ("malformed.yaml", "format: datareach/1\nnodes: [\n  - {id: a\n", "invalid YAML at line 3, column 3"),
    ],
)
def test_bad_file_in_a_subprocess(tmp_path: Path, name: str, text: str, expected: str) -> None:
    done = run("validate", str(write(tmp_path, name, text)))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("datareach: error: ") and expected in lines[0]


def test_missing_file_in_a_subprocess(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    done = run("reach", str(missing))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [f"datareach: error: cannot read {missing}: No such file or directory"]


def test_console_script_when_installed(good: Path) -> None:
    try:
        scripts = importlib.metadata.distribution("datareach").entry_points
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("datareach is not installed (running from the source tree)")
    assert [e.value for e in scripts if e.group == "console_scripts" and e.name == "datareach"] == [
        "datareach.cli:main"
    ]
    script = shutil.which("datareach", path=os.path.dirname(sys.executable))
    assert script is not None
    done = subprocess.run([script, "validate", str(good)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    bad = subprocess.run(
        [script, "validate", str(good.with_name("absent.yaml"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


# --------------------------------------------------------------------------- in-process


def test_reach_table(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", str(good), "--at", "2022-07-01"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "tiny scenario, as of 2022-07-01"
    header = lines[1].split()
    assert header == ["adversary", "class", "possible", "certain", "possible_stores", "path_probability", "path"]
    rows = {line.split()[1]: line for line in lines[2:] if line.strip()}
    assert set(rows) == {"videos", "phones", "profile"}
    # In June 2022 the phones are in Texas, but the admin's arc there ended in January.
    assert rows["phones"].split()[2:4] == ["no", "no"]
    assert rows["videos"].split()[2:4] == ["yes", "no"]
    assert "CN → admin → virginia" in rows["videos"]


def test_reach_other_adversary_and_date(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", str(good), "--adversary", "admin", "--at", "2021-10-01", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["provenance"]["at"] == "2021-10-01"
    records = payload["tables"]["table"]
    by_class = {r["class"]: r for r in records}
    assert {r["adversary"] for r in records} == {"admin"}
    assert by_class["videos"]["path"] == "admin → virginia"
    assert by_class["phones"]["possible"] is False  # not placed in Texas yet
    assert by_class["phones"]["path"] == "—" and by_class["phones"]["path_probability"] is None


def test_demo_at_a_chosen_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--at", "2023-06-01"]) == 0
    out = capsys.readouterr().out
    assert "== As of 2023-06-01 (exact)" in out and "2021-10-01" not in out


def test_validate_in_process(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(good)]) == 0
    captured = capsys.readouterr()
    assert "valid" in captured.out and captured.err == ""


BAD_FILES = [
    (
        "typo.yaml",
        GOOD.replace("to: virginia", "to: virgina"),
        "access[0] (line 19).to: unknown node 'virgina' (did you mean 'virginia'?)",
    ),
    (
        "event.yaml",
        GOOD.replace("requires: [insider]", "requires: [insder]"),
        "access[1] (line 20).requires: unknown event 'insder' (did you mean 'insider'?)",
    ),
    (
        "kind.yaml",
        GOOD.replace("kind: role", "kind: rol"),
        "nodes[1] (line 8).kind: unknown kind 'rol' (did you mean 'role'?)",
    ),
    (
        "field.yaml",
        GOOD.replace("placements:", "placement:"),
        "placement: unknown top-level field (did you mean 'placements'?)",
    ),
    ("entry_field.yaml", GOOD.replace("p: 0.5, kind", "prob: 0.5, kind"), "access[0]"),
    (
        "probability.yaml",
        GOOD.replace("p: 0.5, kind", "p: 1.5, kind"),
        "access[0] (line 19).p: must lie in [0, 1], got 1.5",
    ),
    ("date.yaml", GOOD.replace("2022-06-01", "2022-06-31"), "must be a date written YYYY-MM-DD, got '2022-06-31'"),
    (
        "composite.yaml",
        GOOD.replace("class: videos", "class: profile"),
        "placements[0] (line 16).class: 'profile' is a composite class",
    ),
    ("malformed.yaml", "format: datareach/1\nnodes: [\n  - {id: a\n", "invalid YAML at line 3"),
    ("empty.yaml", "", "the file is empty"),
    ("list.yaml", "- format\n", "a model must be a mapping"),
    (
        "tag.yaml",
        "format: datareach/1\nname: !!python/object/apply:os.getcwd []\n",
        "invalid YAML at line 2, column 7: only the tags !!str",
    ),
    ("version.yaml", GOOD.replace("datareach/1", "datareach/9"), "format: unsupported format"),
    ("bad.json", '{"format": "datareach/1", "nodes": [', "invalid JSON at line 1"),
    ("binary.yaml", b"\xff\xfe\x00", "is not UTF-8 text"),
]


@pytest.mark.parametrize(
    ("name", "text", "expected"), BAD_FILES, ids=[(b.values if hasattr(b, "values") else b)[0] for b in BAD_FILES]
)
@pytest.mark.parametrize("command", ["validate", "reach"])
def test_bad_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str, text: str | bytes, expected: str
) -> None:
    assert main([command, str(write(tmp_path, name, text))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("datareach: error: ")
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["reach", "{good}", "--adversary", "CM"], "adversaries[0]: unknown node 'CM' (did you mean 'CN'?)"),
        (["reach", "{good}", "--at", "2022-13-01"], "--at: must be a date written YYYY-MM-DD"),
        (["demo", "--at", "2022-7-1"], "--at: must be a date written YYYY-MM-DD, got '2022-7-1'"),
        (["reach", "{missing}"], "cannot read"),
        (["validate", "{dir}"], "it is a folder, not a regular file"),
    ],
)
def test_bad_request_exits_2_with_one_line(
    good: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    filled = [a.format(good=good, missing=good.with_name("missing.yaml"), dir=good.parent) for a in args]
    assert main(filled) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing printed before the error
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("datareach: error: ") and expected in lines[0], lines[0]


def _texas_variants(tmp_path: Path) -> tuple[Path, Path, Path]:
    base = tmp_path / "base.yaml"
    shutil.copy(datareach.examples.path("project_texas"), base)
    move = write(
        tmp_path,
        "move.yaml",
        "format: datareach/1\nbase: base.yaml\nname: move\nchanges:\n"
        "  - {op: migrate, class: public_videos, from: tiktok_virginia, to: oracle_texas}\n",
    )
    revoke = write(
        tmp_path,
        "revoke.yaml",
        "format: datareach/1\nbase: base.yaml\nname: revoke\nchanges:\n"
        "  - {op: revoke, from: beijing_master_admin, to: tiktok_virginia}\n",
    )
    return base, move, revoke


def test_analyze_json(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(good), "--method", "monte_carlo", "--samples", "4096", "--seed", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    provenance = payload["provenance"]
    assert provenance["method"] == "monte_carlo" and provenance["seed"] == 3 and provenance["worlds"] >= 4096
    assert {"adversary", "class", "probability", "ci_low", "ci_high", "risk"} <= set(payload["tables"]["table"][0])


def test_compare_json_names_variants_by_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, move, revoke = _texas_variants(tmp_path)
    code = main(["compare", str(base), str(move), str(revoke), "--adversary", "CN", "--at", "2022-07-01", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    rows = {(r["variant"], r["class"]): r for r in payload["tables"]["table"]}
    assert rows[("move", "public_videos")]["probability_difference"] < -0.1
    assert {r["variant"] for r in payload["tables"]["total_risk"]} == {"move", "revoke"}


def test_sweep_runs_variant_files_on_local_processes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, move, revoke = _texas_variants(tmp_path)
    assert (
        main(
            [
                "sweep",
                str(base),
                str(move),
                str(revoke),
                "--adversary",
                "CN",
                "--method",
                "monte_carlo",
                "--samples",
                "4096",
                "--seed",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "sweep of 2 variant(s), seed 2" in out and "public_videos" in out


def test_sweep_refuses_a_file_that_is_not_a_variant_of_the_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _, _ = _texas_variants(tmp_path)
    assert main(["sweep", str(base), str(base)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a variant file of" in err[0]
