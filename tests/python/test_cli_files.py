"""The command line's file options and ``validate --strict``: a variant whose base lies
outside its folder is refused unless ``--allow-outside-base``; a file over ``--max-bytes``
is refused; ``--strict`` lints and exits 1 on a finding, 0 when clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import datareach as dr
from datareach.cli import EXIT_BAD_INPUT, main

EXAMPLE = Path(dr.__file__).parent / "examples" / "project_texas.yaml"


def test_validate_strict_passes_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict", str(EXAMPLE)]) == 0
    assert "no lint findings" in capsys.readouterr().out


def test_validate_strict_fails_on_a_region_spelt_with_other_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slipped = tmp_path / "slip.yaml"
    slipped.write_text(EXAMPLE.read_text().replace("CN/Beijing", "cn/beijing", 1))
    assert main(["validate", "--strict", "--json", str(slipped)]) == 1
    findings = json.loads(capsys.readouterr().out)["tables"]["findings"]
    assert [f["code"] for f in findings] == ["region-case"]
    assert main(["validate", str(slipped)]) == 0  # without --strict: valid, no lint


def test_a_base_outside_the_folder_needs_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(EXAMPLE.read_text())
    (tmp_path / "plans").mkdir()
    variant = tmp_path / "plans" / "plan.yaml"
    variant.write_text(
        "format: datareach/1\nbase: ../base.yaml\nchanges:\n"
        "  - {op: revoke, from: beijing_master_admin, to: tiktok_virginia}\n"
    )
    assert main(["validate", str(variant)]) == EXIT_BAD_INPUT
    assert "allow_outside_base" in capsys.readouterr().err
    assert main(["validate", "--allow-outside-base", str(variant)]) == 0


def test_max_bytes_refuses_a_larger_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--max-bytes", "100", str(EXAMPLE)]) == EXIT_BAD_INPUT
    assert "max_bytes" in capsys.readouterr().err
