"""dr.lint: likely slips in valid models, one test per code, and the shipped example
lints clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import datareach as dr
from datareach import changes as C
from datareach.lint import CODES, Finding

CLEAN: dict[str, Any] = {
    "format": "datareach/1",
    "sources": {"law": {"title": "a law"}, "report": {"title": "a report"}},
    "events": [{"id": "complies", "p": 0.5, "source": "law"}],
    "nodes": [
        {"id": "CN", "kind": "jurisdiction", "territory": "CN", "compels": 0.9, "source": "law"},
        {"id": "admin", "kind": "role", "region": "CN/Beijing"},
        {"id": "virginia", "kind": "store", "region": "US/VA"},
        {"id": "backup", "kind": "store", "region": "SG"},
    ],
    "classes": [{"id": "phones"}, {"id": "videos"}],
    "placements": [{"class": "phones", "store": "virginia", "share": 0.5, "note": "ASSUMPTION: half"}],
    "flows": [{"from": "virginia", "to": "backup", "classes": ["phones"]}],
    "access": [
        {"from": "admin", "to": "virginia", "p": 0.95, "requires": ["complies"], "source": "report"},
        {"from": "admin", "to": "backup", "p": 1},
    ],
    "adversaries": ["CN"],
}


def model(**edits: Any) -> dr.Model:
    data = {key: (list(value) if isinstance(value, list) else value) for key, value in CLEAN.items()}
    data.update(edits)
    return dr.Model.from_dict(data)


def nodes(*extra: dict[str, Any], **replace: dict[str, Any]) -> list[dict[str, Any]]:
    listed = [replace.get(n["id"], n) for n in CLEAN["nodes"]]
    return [*listed, *extra]


def test_a_clean_model_has_no_findings() -> None:
    findings = dr.lint(model())
    assert findings == () and str(findings) == "no findings"
    assert list(findings.table.columns) == ["code", "where", "message"] and len(findings.table) == 0


def test_the_shipped_example_lints_clean() -> None:
    assert dr.lint(dr.examples.project_texas()) == ()


def test_a_region_that_matches_a_territory_only_ignoring_case() -> None:
    slip = model(nodes=nodes(admin={"id": "admin", "kind": "role", "region": "cn/beijing"}))
    (finding,) = dr.lint(slip)
    assert finding.code == "region-case" and finding.where == "nodes[1].region"
    assert finding.message == (
        "'cn/beijing' writes 'cn' where the territory of node 'CN' writes 'CN': regions are compared "
        "with case, so it lies outside that territory"
    )
    # what the slip costs: the rule no longer reaches the admin, so exposure drops
    at = {"adversaries": "CN", "method": "exact"}
    assert dr.analyze(slip, **at).table["probability"].sum() < dr.analyze(model(), **at).table["probability"].sum()


def test_two_spellings_of_one_region() -> None:
    extra = {"id": "texas", "kind": "store", "region": "us/TX"}
    slip = model(nodes=nodes(extra), placements=[*CLEAN["placements"], {"class": "videos", "store": "texas"}])
    (finding,) = dr.lint(slip)
    assert (finding.code, finding.where) == ("region-case", "nodes[4].region")
    assert (
        finding.message
        == "'us/TX' writes 'us' where the region of node 'virginia' writes 'US': the two spellings are two regions"
    )


def test_a_node_nothing_touches() -> None:
    lonely = {"id": "lonely", "kind": "organization", "region": "SG"}  # SG is ruled by no one
    (finding,) = dr.lint(model(nodes=nodes(lonely)))
    assert (finding.code, finding.where) == ("unused-node", "nodes[4]")
    assert "node 'lonely'" in finding.message
    # a jurisdiction rule reaches a node in its territory: it is used
    assert dr.lint(model(nodes=nodes(dict(lonely, region="CN/Shanghai")))) == ()
    # ... unless the node is exempt from rules
    exempt = dict(lonely, region="CN/Shanghai", rule_exempt=True)
    assert dr.lint(model(nodes=nodes(exempt))).codes() == ["unused-node"]
    # an adversary is used, even alone
    assert dr.lint(model(nodes=nodes(lonely), adversaries=["CN", "lonely"])) == ()


def test_a_jurisdiction_whose_rule_reaches_nothing_is_unused() -> None:
    idle = {"id": "EU", "kind": "jurisdiction", "territory": "EU", "compels": 1}
    findings = dr.lint(model(nodes=nodes(idle)))
    assert [(f.code, f.where) for f in findings] == [("unused-node", "nodes[4]")]


def test_a_source_no_entry_cites() -> None:
    sources = {**CLEAN["sources"], "blog": {"title": "a blog"}}
    (finding,) = dr.lint(model(sources=sources))
    assert (finding.code, finding.where, finding.message) == (
        "unused-source",
        "sources.blog",
        "no entry cites the source 'blog'",
    )
    # naming it in attrs or in a note's text counts
    cited = nodes(admin={"id": "admin", "kind": "role", "region": "CN/Beijing", "attrs": {"see_also": ["blog"]}})
    assert dr.lint(model(sources=sources, nodes=cited)) == ()
    noted = nodes(admin={"id": "admin", "kind": "role", "region": "CN/Beijing", "note": "as blog. says"})
    assert dr.lint(model(sources=sources, nodes=noted)) == ()


def test_a_store_holding_nothing() -> None:
    # the flow copies only phones; the backup holds them, a second backup gets nothing
    extra = {"id": "empty", "kind": "store", "region": "SG"}
    flows = [*CLEAN["flows"], {"from": "backup", "to": "empty", "classes": ["videos"]}]
    (finding,) = dr.lint(model(nodes=nodes(extra), flows=flows))
    assert (finding.code, finding.where) == ("empty-store", "nodes[4]")
    assert "store 'empty' holds nothing" in finding.message
    flows[1] = {"from": "backup", "to": "empty"}  # every class it holds: phones
    assert dr.lint(model(nodes=nodes(extra), flows=flows)) == ()


@pytest.mark.parametrize(
    ("section", "row", "field", "value"),
    [("events", 0, "p", 0.5), ("access", 0, "p", 0.95), ("nodes", 0, "compels", 0.9), ("placements", 0, "share", 0.5)],
)
def test_an_assumed_number_without_source_or_note(section: str, row: int, field: str, value: float) -> None:
    entries = [dict(e) for e in CLEAN[section]]
    entries[row].pop("source", None)
    entries[row].pop("note", None)
    # (the source it cited may now be cited by nothing: that is another finding)
    (finding,) = [f for f in dr.lint(model(**{section: entries})) if f.code != "unused-source"]
    assert (finding.code, finding.where) == ("unsourced-number", f"{section}[{row}].{field}")
    assert f"{field} = {value!r} has neither source nor note" in finding.message
    entries[row]["note"] = "ASSUMPTION: a guess"
    assert dr.lint(model(**{section: entries})).codes() in ([], ["unused-source"])


def test_certainties_need_no_source() -> None:
    assert not any(f.code == "unsourced-number" for f in dr.lint(model()))  # access[1] has p 1, no source


def test_a_change_a_later_change_undoes(tmp_path: Path) -> None:
    base = model()
    plan = [
        C.set_p("admin", "virginia", 0.5),  # overridden by the next change
        C.set_p("admin", "virginia", 0.2),
        C.add_flow("backup", "virginia"),  # removed again below
        C.remove_flow("backup", "virginia"),
    ]
    changed = base.apply(plan)
    findings = dr.lint(changed, base=base)
    assert [(f.code, f.where) for f in findings] == [("no-op-change", "changes[0]")]
    assert "removing this set_p change leaves the model as it is" in findings[0].message
    # from a variant file, the base comes from the file the model names
    dr.save(base, tmp_path / "base.yaml")
    C.save_variant(tmp_path / "v.yaml", "base.yaml", plan)
    assert [f.where for f in dr.lint(dr.load(tmp_path / "v.yaml"))] == ["changes[0]"]
    # a model with no base known is not checked
    assert dr.lint(changed) == ()


def test_an_overridden_set_p_of_an_event_or_set_compels_is_a_no_op() -> None:
    base = model()
    plan = [
        C.set_p(event="complies", p=0.9),  # overridden by the next change
        C.set_p(event="complies", p=0.2),
        C.set_compels("CN", 0.5),  # overridden by the next change
        C.set_compels("CN", 0.7),
        C.set_p(event="complies", p=0.6, effective="2022-01-01"),  # dated: adds an event, kept
    ]
    findings = dr.lint(base.apply(plan), base=base)
    assert [(f.code, f.where) for f in findings] == [("no-op-change", "changes[0]"), ("no-op-change", "changes[2]")]
    assert "removing this set_compels change" in findings[1].message


def test_findings_print_and_tabulate() -> None:
    findings = dr.lint(model(sources={**CLEAN["sources"], "blog": {}}))
    assert str(findings) == "sources.blog: no entry cites the source 'blog' [unused-source]"
    assert findings.table.to_dict("records") == [
        {"code": "unused-source", "where": "sources.blog", "message": "no entry cites the source 'blog'"}
    ]
    assert isinstance(findings[0], Finding) and set(findings.codes()) <= set(CODES)


def test_the_case_slip_in_the_shipped_example() -> None:
    text = dr.examples.path("project_texas").read_text(encoding="utf-8")
    slipped = text.replace("region: CN/Beijing", "region: cn/beijing", 1)
    assert slipped != text
    findings = dr.lint(dr.io.loads(slipped))
    assert [(f.code, f.where) for f in findings] == [("region-case", "nodes[2].region")]
