"""The examples in README.md and docs/ run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import datareach as dr

ROOT = Path(__file__).resolve().parents[2]


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.S)


def test_readme_python_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = blocks(ROOT / "README.md", "python")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "tiktok_virginia" in out and "probability_difference" in out


@pytest.mark.parametrize("text", blocks(ROOT / "docs" / "scenario-format.md", "yaml"))
def test_format_examples_load(text: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(text)
    if text.startswith("format: datareach-policy/1"):  # a policy, of the shipped example
        report = dr.check(dr.examples.project_texas(), dr.load_policy(path), at="2024-01-01")
        assert len(report.table) > 0
        return
    base = re.search(r"^base: (\S+)", text, flags=re.M)
    if base:  # a variant file of the shipped example
        (tmp_path / base.group(1)).write_text(dr.examples.path("project_texas").read_text())
    model = dr.load(path)
    assert len(model.nodes) > 0
