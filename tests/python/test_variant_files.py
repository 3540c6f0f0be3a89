"""Variant files (docs/design.md §5): ``{format, base, name, changes}``; ``dr.load`` gives
the base model with the changes applied."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

import datareach as dr

C = dr.changes

BASE = """\
format: datareach/1
name: base
adversaries: [CN]
nodes:
  - {id: CN, kind: jurisdiction, territory: CN, compels: 0.9}
  - {id: admin, kind: role, region: CN/Beijing}
  - {id: virginia, kind: store, region: US/VA}
  - {id: texas, kind: store, region: US/TX}
classes:
  - {id: videos, records: 100}
  - {id: phones, sensitivity: 3, records: 100}
placements:
  - {class: videos, store: virginia}
  - {class: phones, store: virginia}
access:
  - {from: admin, to: virginia, p: 0.9, kind: admin}
"""

CHANGES = [
    C.migrate("phones", "virginia", "texas", effective="2023-01-01"),
    C.add_gateway("gw", ["admin"], ["virginia"], 0.1, classes=["videos"], region="US/TX"),
    C.revoke("gw", "virginia", effective="2024-01-01", note="gateway closed"),
]


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


def expected(name: str | None = "moved") -> dr.Model:
    model = dr.io.loads(BASE).apply(CHANGES)
    if name is not None:
        model.name = name
    return model


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_save_variant_then_load_gives_the_changed_model(base_file: Path, suffix: str) -> None:
    path = base_file.parent / f"variant{suffix}"
    C.save_variant(path, "base.yaml", CHANGES, name="moved")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    assert data["format"] == "datareach/1" and data["base"] == "base.yaml"
    assert data["name"] == "moved"
    assert C.from_dicts(data["changes"]) == CHANGES
    model = dr.load(path)
    assert model == expected()
    assert model.name == "moved"
    assert model.variant_of == str(base_file.resolve())
    assert model.changes == tuple(CHANGES)
    # the invariant the attributes promise
    rebuilt = dr.load(model.variant_of).apply(model.changes)
    rebuilt.name = model.name
    assert rebuilt == model


def test_a_hand_written_yaml_variant(base_file: Path) -> None:
    (base_file.parent / "plan.yaml").write_text(
        """\
# the plan, as an analyst writes it
format: datareach/1
base: base.yaml
name: moved
changes:
  - {op: migrate, class: phones, from: virginia, to: texas, effective: 2023-01-01}
  - {op: add_gateway, id: gw, sources: [admin], targets: [virginia], p: 0.1,
     classes: [videos], region: US/TX}
  - {op: revoke, from: gw, to: virginia, effective: 2024-01-01, note: gateway closed}
""",
        encoding="utf-8",
    )
    assert dr.load(base_file.parent / "plan.yaml") == expected()


def test_the_yaml_variant_is_one_line_per_change(base_file: Path) -> None:
    path = base_file.parent / "v.yaml"
    C.save_variant(path, "base.yaml", CHANGES, name="moved")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["format: datareach/1", "base: base.yaml", "name: moved"]
    assert lines[3] == "changes:"
    assert lines[4] == "- {op: migrate, class: phones, from: virginia, to: texas, effective: 2023-01-01}"
    assert len(lines) == 4 + len(CHANGES)


def test_base_is_resolved_relative_to_the_variant_file(
    base_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    # ../base.yaml lies outside the variant file's folder: allowed only when asked for
    with pytest.raises(dr.ModelError, match="outside the folder"):
        C.save_variant(plans / "v.yaml", "../base.yaml", CHANGES, name="moved")
    C.save_variant(plans / "v.yaml", "../base.yaml", CHANGES, name="moved", allow_outside_base=True)
    elsewhere = tmp_path / "elsewhere" / "deeper"  # where ../base.yaml does not exist
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    assert dr.load(plans / "v.yaml", allow_outside_base=True) == expected()
    with open(plans / "v.yaml", encoding="utf-8") as handle:  # an open file knows its folder
        assert dr.load(handle, allow_outside_base=True) == expected()
    # text has no folder: loads resolves against base_dir (default: the current folder)
    text = (plans / "v.yaml").read_text(encoding="utf-8")
    assert dr.io.loads(text, base_dir=plans, allow_outside_base=True) == expected()
    with pytest.raises(dr.ModelError, match="cannot read"):
        dr.io.loads(text, allow_outside_base=True)


def test_a_variant_of_a_variant(base_file: Path) -> None:
    folder = base_file.parent
    C.save_variant(folder / "first.yaml", "base.yaml", CHANGES[:1], name="first")
    C.save_variant(folder / "second.json", "first.yaml", CHANGES[1:], name="moved")
    model = dr.load(folder / "second.json")
    assert model == expected()
    assert model.variant_of == str(base_file.resolve())  # the first plain model down the chain
    assert model.changes == tuple(CHANGES)


@pytest.mark.parametrize("layout", ["self", "pair", "triple"])
def test_a_cycle_of_variants_is_an_error(tmp_path: Path, layout: str) -> None:
    names = {"self": ["a"], "pair": ["a", "b"], "triple": ["a", "b", "c"]}[layout]
    for name, base in zip(names, names[1:] + names[:1]):
        (tmp_path / f"{name}.yaml").write_text(f"format: datareach/1\nbase: {base}.yaml\nchanges: []\n")
    with pytest.raises(dr.ModelError) as info:
        dr.load(tmp_path / "a.yaml")
    assert "cycle" in str(info.value)
    assert " → ".join([*[f"{n}.yaml" for n in names], "a.yaml"]) in str(info.value)


def test_empty_change_list_gives_the_base_renamed(base_file: Path) -> None:
    (base_file.parent / "same.yaml").write_text("format: datareach/1\nbase: base.yaml\nname: same\nchanges: []\n")
    model = dr.load(base_file.parent / "same.yaml")
    base = dr.load(base_file)
    assert model.name == "same"
    model.name = "base"
    assert model == base


def test_saving_a_changed_model_writes_the_full_model(base_file: Path) -> None:
    C.save_variant(base_file.parent / "v.yaml", "base.yaml", CHANGES, name="moved")
    model = dr.load(base_file.parent / "v.yaml")
    for suffix in (".yaml", ".json"):
        out = base_file.parent / f"full{suffix}"
        dr.save(model, out)
        text = out.read_text(encoding="utf-8")
        assert "base" not in (json.loads(text) if suffix == ".json" else yaml.safe_load(text))
        again = dr.load(out)
        assert again == model
        assert again.variant_of is None and again.changes == ()


BAD_VARIANTS = [
    (
        "format: datareach/1\nbase: base.yaml\nchanges:\n  - {op: revoke, from: admin, to: virgina}\n",
        "changes[0].to",
        "unknown node 'virgina' (did you mean 'virginia'?)",
    ),
    (
        "format: datareach/1\nbase: base.yaml\nchanges:\n"
        + "  - {op: migrate, class: phones, from: virginia, to: texas}\n" * 2,
        "changes[1].from",
        "no placement of class 'phones' in store 'virginia'",
    ),
    (
        "format: datareach/1\nbase: base.yaml\nchanges:\n  - {op: revoke, form: admin, to: virginia}\n",
        "changes[0].form",
        "did you mean 'from'?",
    ),
    ("format: datareach/1\nbase: base.yaml\nchanges: {op: revoke}\n", "changes", "must be a list of changes"),
    ("format: datareach/1\nbase: base.yaml\nchange: []\n", "change", "did you mean 'changes'?"),
    ("format: datareach/1\nbase: base.yaml\n", "changes", "missing"),
    ("base: base.yaml\nchanges: []\n", "format", "missing"),
    ("format: datareach/2\nbase: base.yaml\nchanges: []\n", "format", "unsupported format"),
    ("format: datareach/1\nbase: nowhere.yaml\nchanges: []\n", "base", "cannot read"),
    ("format: datareach/1\nbase: [base.yaml]\nchanges: []\n", "base", "must be the path"),
    ("format: datareach/1\nchanges: []\n", "base", "missing"),
    (
        "format: datareach/1\nbase: broken.yaml\nchanges: []\n",
        "base",
        "in base file 'broken.yaml': nodes[1] (line 6).kind: unknown kind 'rol'",
    ),
    ("format: datareach/1\nbase: base.yaml\nname: 3\nchanges: []\n", "name", "must be a string"),
]


@pytest.mark.parametrize(("text", "where", "message"), BAD_VARIANTS, ids=[b[1] + ":" + b[2][:20] for b in BAD_VARIANTS])
def test_bad_variant_files(base_file: Path, text: str, where: str, message: str) -> None:
    (base_file.parent / "broken.yaml").write_text(BASE.replace("kind: role", "kind: rol"))
    path = base_file.parent / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(dr.ModelError) as info:
        dr.load(path)
    assert info.value.where == where, str(info.value)
    assert message in str(info.value)


def test_save_variant_checks_before_writing(base_file: Path) -> None:
    path = base_file.parent / "v.yaml"
    with pytest.raises(dr.ModelError, match=r"changes\[0\]\.to: unknown node 'texsa'"):
        C.save_variant(path, "base.yaml", [C.migrate("phones", "virginia", "texsa")])
    assert not path.exists()
    with pytest.raises(dr.ModelError, match="cannot read"):
        C.save_variant(path, "missing.yaml", CHANGES)
    C.save_variant(path, "missing.yaml", CHANGES, check=False)  # a base still to be written
    assert path.exists()


def test_a_variant_of_the_shipped_example(tmp_path: Path) -> None:
    path = tmp_path / "texas.yaml"
    plan = [
        C.revoke("beijing_master_admin", "tiktok_virginia", effective="2022-07-01"),
        C.delete("phone_numbers", "tiktok_virginia", effective="2022-07-01"),
    ]
    C.save_variant(path, dr.examples.path("project_texas"), plan, name="fewer paths", allow_outside_base=True)
    with pytest.raises(dr.ModelError, match="outside the folder"):
        dr.load(path)
    model = dr.load(path, allow_outside_base=True)
    assert model == _renamed(dr.examples.project_texas().apply(plan), "fewer paths")
    assert model.variant_of == str(dr.examples.path("project_texas").resolve())


def test_change_lists_alone_load_from_text() -> None:
    text = C.dumps(CHANGES, "json")
    assert C.loads(text, "json") == CHANGES
    variant = {"format": "datareach/1", "base": "b.yaml", "changes": C.to_dicts(CHANGES)}
    assert C.loads(yaml.safe_dump(variant)) == CHANGES  # the changes of a variant file
    with pytest.raises(dr.ModelError, match=r"changes\[0\]\.op: unknown op 'moev'"):
        C.loads("- {op: moev}")


def test_a_model_file_is_not_taken_for_a_variant(base_file: Path) -> None:
    stream = io.StringIO(BASE)
    assert dr.load(stream).variant_of is None


def _renamed(model: dr.Model, name: str) -> dr.Model:
    model.name = name
    return model
