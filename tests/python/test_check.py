"""Policy checks (``dr.check``) against the independent oracles: possible reach (oracle.py) for
never_reaches, brute-force exposure over all worlds for max_exposure, enumeration of simple
paths (explain_oracle.py) for only_via; every witness is a real path of the scenario. Plus the
policy reader's errors, the Monte Carlo decision rule and the Project Texas policy."""

from __future__ import annotations

import copy
import json
import math
import random
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import datareach as dr
from explain_oracle import simple_paths
from oracle import enumerate_exposure, in_window, possible_reach, presence_shares, region_within
from random_models import AT_DATES, REGIONS, random_scenario, scenarios

POLICY = "datareach-policy/1"
TEXAS_FAILS = "2022-07-01"
TEXAS_HOLDS = ["2023-10-01", "2024-01-01", "2024-06-30", "2024-12-31"]


def _policy(*rules: dict) -> dict:
    return {"format": POLICY, "rules": list(rules)}


def _atoms(data: dict, cls: str) -> list[str]:
    """The atomic components of a class, nested composites flattened (itself when atomic)."""
    by_id = {c["id"]: c for c in data["classes"]}
    components = by_id[cls].get("components")
    if not components:
        return [cls]
    found: list[str] = []
    for part in components:
        found += [a for a in _atoms(data, part) if a not in found]
    return found


def _rows(report: dr.CheckReport) -> dict[tuple[int, str], dict]:
    return {(r["rule"], r["adversary"]): r for r in report.table.to_dict("records")}


def _failures(report: dr.CheckReport) -> dict[tuple[int, str], dr.Violation]:
    return {(v.index, v.adversary): v for v in report.failures}


# --------------------------------------------------------------------------------------
# Witnesses: real paths of the scenario, checked against its dict alone


def _assert_real_path(
    data: dict, at: object, path: dr.Path, adversary: str, d: str, avoid: set[str] = frozenset()
) -> None:
    """``path`` starts at the adversary, ends at a store holding ``d``, follows arcs that are
    present at ``at``, possible and admit ``d``, and passes no node of ``avoid``."""
    assert path.adversary == adversary and path.data_class == d
    assert path.nodes[0] == adversary and len(path.arcs) == len(path.nodes) - 1
    assert presence_shares(data, at)[d].get(path.store, 0) > 0
    assert not set(path.nodes) & avoid
    assert len(set(path.nodes)) == len(path.nodes)  # simple
    nodes = {n["id"]: n for n in data["nodes"]}
    events = {e["id"]: e["p"] for e in data.get("events", [])}
    expected = 1.0
    seen_events: set[str] = set()
    for step, (u, v) in zip(path.arcs, zip(path.nodes, path.nodes[1:])):
        assert (step.source, step.target) == (u, v)
        if step.entry.startswith("access["):
            arc = data["access"][int(re.fullmatch(r"access\[(\d+)\]", step.entry).group(1))]
            assert (arc["from"], arc["to"]) == (u, v) and in_window(arc, at)
            assert arc["p"] > 0 and all(events[e] > 0 for e in arc.get("requires", []))
            filtered = arc.get("classes")
            assert filtered is None or any(d in _atoms(data, c) for c in filtered)
            assert step.p == arc["p"] and list(step.requires) == list(arc.get("requires", []))
            assert step.citation == arc.get("source")
            expected *= arc["p"]
            seen_events.update(arc.get("requires", []))
        else:
            row = int(re.fullmatch(r"nodes\[(\d+)\]\.compels", step.entry).group(1))
            jurisdiction = data["nodes"][row]
            assert jurisdiction["id"] == u and jurisdiction["compels"] > 0
            assert region_within(nodes[v].get("region"), jurisdiction["territory"])
            expected *= jurisdiction["compels"]
    for e in seen_events:
        expected *= events[e]
    assert path.probability == pytest.approx(expected, rel=1e-12, abs=1e-300)


def _best_avoiding(data: dict, adversary: str, d: str, at: object, avoid: set[str]) -> float | None:
    probabilities = [p for p, nodes, _ in simple_paths(data, adversary, d, at) if not set(nodes) & avoid]
    return max(probabilities) if probabilities else None


def _assert_witnesses(data: dict, at: object, failure: dr.Violation, cls: str, avoid: set[str] = frozenset()) -> None:
    """One witness per atomic component, each a real path, each the most likely (avoiding) one."""
    atoms = _atoms(data, cls)
    assert [w.data_class for w in failure.witnesses] == atoms
    assert failure.witness == failure.witnesses[0]
    for path in failure.witnesses:
        _assert_real_path(data, at, path, failure.adversary, path.data_class, avoid)
        best = _best_avoiding(data, failure.adversary, path.data_class, at, avoid)
        assert best is not None and path.probability == pytest.approx(best, rel=1e-12)


# --------------------------------------------------------------------------------------
# never_reaches: possible reach of the oracle


@pytest.mark.parametrize("seed", range(300))
def test_never_reaches_equals_possible_reach(seed: int) -> None:
    rng = random.Random(seed)
    data = random_scenario(rng)
    at = rng.choice(AT_DATES)
    model = dr.Model.from_dict(data)
    nodes = [n["id"] for n in data["nodes"]]
    classes = [c["id"] for c in data["classes"]]
    pairs = [(a, c) for a in nodes for c in classes]
    report = dr.check(model, _policy(*({"never_reaches": {"adversary": a, "class": c}} for a, c in pairs)), at=at)
    rows, failures = _rows(report), _failures(report)
    assert len(report.table) == len(pairs)
    reach = {a: possible_reach(data, a, at) for a in nodes}
    for i, (a, c) in enumerate(pairs):
        violated = bool(reach[a][c])
        assert rows[(i, a)]["status"] == ("violated" if violated else "holds")
        assert ((i, a) in failures) == violated
        if violated:
            _assert_witnesses(data, at, failures[(i, a)], c)
    assert report.passed == (not failures)


# --------------------------------------------------------------------------------------
# max_exposure: exact exposure over all worlds, limits just above and below it


@pytest.mark.parametrize("seed", range(250))
def test_max_exposure_equals_the_brute_force_exposure(seed: int) -> None:
    rng = random.Random(10_000 + seed)
    data = random_scenario(rng)
    at = rng.choice(AT_DATES)
    model = dr.Model.from_dict(data)
    adversaries = rng.sample([n["id"] for n in data["nodes"]], 2)
    expected = {}
    try:
        for a in adversaries:
            expected[a] = enumerate_exposure(data, a, at)
    except ValueError:  # too many random variables to enumerate
        pytest.skip("too many random variables for the oracle")
    rules, limits = [], []
    for a in adversaries:
        for c in (c["id"] for c in data["classes"]):
            exact = expected[a][c]["probability"]
            for limit in (exact + 1e-6, exact - 1e-6, 1.0, 0.0):
                if 0 <= limit <= 1:
                    rules.append({"max_exposure": {"adversary": a, "class": c, "probability": round(limit, 12)}})
                    limits.append((a, c, exact, limit))
    report = dr.check(model, _policy(*rules), at=at, method="exact")
    rows, failures = _rows(report), _failures(report)
    for i, (a, c, exact, limit) in enumerate(limits):
        row = rows[(i, a)]
        assert row["probability"] == pytest.approx(exact, abs=1e-9)
        assert row["limit"] == pytest.approx(limit)
        violated = exact > limit + 1e-9
        assert row["status"] == ("violated" if violated else "holds"), (a, c, exact, limit)
        if violated:
            _assert_witnesses(data, at, failures[(i, a)], c)
    assert report.provenance.method == "exact" and report.provenance.converged is True


# --------------------------------------------------------------------------------------
# only_via: enumeration of simple paths; the bypass exposure by brute force


def _without(data: dict, through: set[str]) -> dict:
    """The scenario with the through nodes cut off, written for the oracle: no arc into or
    out of them, no rule of theirs, and no region (so that no rule reaches them)."""
    cut = copy.deepcopy(data)
    cut["access"] = [a for a in cut["access"] if a["from"] not in through and a["to"] not in through]
    for node in cut["nodes"]:
        if node["id"] in through:
            for field in ("region", "territory", "compels"):
                node.pop(field, None)
    return cut


@pytest.mark.parametrize("seed", range(300))
def test_only_via_equals_path_enumeration(seed: int) -> None:
    rng = random.Random(20_000 + seed)
    data = random_scenario(rng)
    at = rng.choice(AT_DATES)
    model = dr.Model.from_dict(data)
    nodes = [n["id"] for n in data["nodes"]]
    classes = [c["id"] for c in data["classes"]]
    cases = []
    for _ in range(6):
        adversary = rng.choice(nodes)
        others = [n for n in nodes if n != adversary]
        through = rng.sample(others, rng.randint(1, min(2, len(others))))
        if rng.randrange(8) == 0:  # a through node is the adversary itself: every path starts there
            through.insert(rng.randrange(len(through) + 1), adversary)
        cases.append((adversary, rng.choice(classes), through))
    rules = [{"only_via": {"adversary": a, "class": c, "through": t}} for a, c, t in cases]
    report = dr.check(model, _policy(*rules), at=at, method="exact")
    rows, failures = _rows(report), _failures(report)
    for i, (a, c, through) in enumerate(cases):
        avoid = set(through)
        # Violated iff, for every atomic part, some simple path to a holding store avoids them.
        bypassed = all(
            any(not set(path) & avoid for _, path, _ in simple_paths(data, a, d, at)) for d in _atoms(data, c)
        )
        row = rows[(i, a)]
        assert row["status"] == ("violated" if bypassed else "holds"), (a, c, through)
        if a in avoid:
            assert row["probability"] == 0
            continue
        try:
            bypass = enumerate_exposure(_without(data, avoid), a, at)[c]["probability"]
        except ValueError:
            bypass = None
        if bypass is not None:
            assert row["probability"] == pytest.approx(bypass, abs=1e-9)
        if bypassed:
            failure = failures[(i, a)]
            assert failure.probability == row["probability"]
            _assert_witnesses(data, at, failure, c, avoid)


# --------------------------------------------------------------------------------------
# from_region: every node located in the region or below it


@pytest.mark.parametrize("seed", range(150))
def test_from_region_expands_to_the_nodes_located_there(seed: int) -> None:
    rng = random.Random(30_000 + seed)
    data = random_scenario(rng)
    model = dr.Model.from_dict(data)
    region = rng.choice([r for r in REGIONS if r is not None])
    located = [n["id"] for n in data["nodes"] if region_within(n.get("region"), region)]
    cls = data["classes"][0]["id"]
    policy = _policy({"never_reaches": {"from_region": region, "class": cls}})
    if not located:
        with pytest.raises(dr.ModelError, match=r"^rules\[0\]\.never_reaches\.from_region: no node lies in region"):
            dr.check(model, policy)
        return
    report = dr.check(model, policy)
    assert list(report.table["adversary"]) == located
    reach = {a: possible_reach(data, a) for a in located}
    assert [s == "violated" for s in report.table["status"]] == [bool(reach[a][cls]) for a in located]


def test_from_region_uses_the_model_rule_for_regions() -> None:
    data = {
        "format": "datareach/1",
        "nodes": [
            {"id": "a", "kind": "role", "region": "CN"},
            {"id": "b", "kind": "role", "region": "CN/beijing"},
            {"id": "c", "kind": "role", "region": "CNX"},
            {"id": "d", "kind": "role"},
            {"id": "s", "kind": "store", "region": "US"},
        ],
        "classes": [{"id": "x"}],
        "placements": [{"class": "x", "store": "s"}],
        "access": [{"from": "b", "to": "s", "p": 0.5}],
    }
    report = dr.check(dr.Model.from_dict(data), _policy({"never_reaches": {"from_region": "CN", "class": "x"}}))
    assert list(report.table["adversary"]) == ["a", "b"]  # CNX does not lie in CN
    assert list(report.table["status"]) == ["holds", "violated"]
    with pytest.raises(dr.ModelError, match=r"from_region: no node lies in region 'CN/shanghai'"):
        dr.check(dr.Model.from_dict(data), _policy({"never_reaches": {"from_region": "CN/shanghai", "class": "x"}}))


# --------------------------------------------------------------------------------------
# Invariants


@settings(max_examples=80, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_invariants_between_the_rules(data: dict, rng: random.Random) -> None:
    model = dr.Model.from_dict(data)
    nodes = [n["id"] for n in data["nodes"]]
    adversary, cls = rng.choice(nodes), rng.choice([c["id"] for c in data["classes"]])
    small = rng.sample(nodes, 1)
    large = sorted(set(small) | set(rng.sample(nodes, min(2, len(nodes)))))
    base = {"adversary": adversary, "class": cls}
    report = dr.check(
        model,
        _policy(
            {"never_reaches": base},
            {"max_exposure": {**base, "probability": 0}},
            {"max_exposure": {**base, "probability": 1}},
            {"only_via": {**base, "through": small}},
            {"only_via": {**base, "through": large}},
        ),
        method="exact",
    )
    never, at_zero, at_one, via_small, via_large = report.table.to_dict("records")
    # P(X > 0) > 0 iff possibly exposed; nothing exceeds 1.
    assert (never["status"] == "violated") == (at_zero["status"] == "violated")
    assert at_one["status"] == "holds"
    # A bypass is a possible path: never more than the class's own reach or exposure; more
    # through nodes bypass less.
    for via in (via_small, via_large):
        assert via["probability"] <= never["probability"] + 1e-12
        if via["status"] == "violated":
            assert never["status"] == "violated"
    assert via_large["probability"] <= via_small["probability"] + 1e-12
    if via_large["status"] == "violated":
        assert via_small["status"] == "violated"
    assert report.passed == (set(report.table["status"]) == {"holds"})


@settings(max_examples=40, deadline=None)
@given(scenarios())
def test_the_report_does_not_depend_on_how_rules_are_grouped(data: dict) -> None:
    """Each rule checked alone gives the row it gets among others (one run serves many)."""
    model = dr.Model.from_dict(data)
    nodes = [n["id"] for n in data["nodes"]]
    cls = data["classes"][-1]["id"]
    rules = [
        {"never_reaches": {"adversary": nodes[0], "class": cls}},
        {"only_via": {"adversary": nodes[-1], "class": cls, "through": nodes[:1]}},
        {"max_exposure": {"adversary": nodes[-1], "class": cls, "probability": 0.5}},
        {"only_via": {"adversary": nodes[0], "class": cls, "through": nodes[-1:]}},
    ]
    together = dr.check(model, _policy(*rules), method="exact").table.drop(columns="rule")
    for i, rule in enumerate(rules):
        alone = dr.check(model, _policy(rule), method="exact").table.drop(columns="rule")
        assert alone.to_dict("records") == together.iloc[[i]].to_dict("records")


# --------------------------------------------------------------------------------------
# Monte Carlo: the interval decides


def _mc_model() -> dr.Model:
    return dr.Model.from_dict(
        {
            "format": "datareach/1",
            "events": [{"id": "e", "p": 0.3}],
            "nodes": [{"id": "a", "kind": "role"}, {"id": "g", "kind": "gateway"}, {"id": "s", "kind": "store"}],
            "classes": [{"id": "x"}],
            "placements": [{"class": "x", "store": "s"}],
            "access": [
                {"from": "a", "to": "g", "p": 0.5},
                {"from": "g", "to": "s", "p": 0.8, "requires": ["e"]},
                {"from": "a", "to": "s", "p": 0.2, "requires": ["e"]},
            ],
        }
    )


def test_monte_carlo_decides_by_the_interval() -> None:
    model = _mc_model()
    options = dr.AnalysisOptions(method="monte_carlo", samples=20_000, seed=7)
    estimate = dr.analyze(model, ["a"], options).table.iloc[0]
    assert estimate.ci_low < estimate.probability < estimate.ci_high
    limits = {"holds": estimate.ci_high + 1e-6, "violated": estimate.ci_low - 1e-6, "undecided": estimate.probability}
    rules = [{"max_exposure": {"adversary": "a", "class": "x", "probability": limit}} for limit in limits.values()]
    report = dr.check(model, _policy(*rules), options=options)
    assert list(report.table["status"]) == list(limits)
    assert report.table["probability"].tolist() == pytest.approx([estimate.probability] * 3, rel=0, abs=0)
    assert report.provenance.method == "monte_carlo" and report.provenance.seed == 7
    assert not report.passed and len(report.violations) == 1 and len(report.undecided) == 1
    (undecided,) = report.undecided
    assert undecided.status == "undecided" and "raise samples or set a tolerance" in undecided.message
    assert undecided.witness is not None and undecided.witness.nodes == ("a", "g", "s")
    # never_reaches and only_via are decided by possible reach, whatever the sampling.
    exact_rules = _policy(
        {"never_reaches": {"adversary": "a", "class": "x"}},
        {"only_via": {"adversary": "a", "class": "x", "through": ["g"]}},
        {"only_via": {"adversary": "a", "class": "x", "through": ["g", "s"]}},
    )
    assert list(dr.check(model, exact_rules, options=options).table["status"]) == ["violated", "violated", "holds"]


def test_monte_carlo_matches_the_exact_decision_far_from_the_limit() -> None:
    model = _mc_model()
    exact = 0.3 * (1 - (1 - 0.5 * 0.8) * (1 - 0.2))  # one event, two routes
    rules = _policy(
        {"max_exposure": {"adversary": "a", "class": "x", "probability": exact + 0.05}},
        {"max_exposure": {"adversary": "a", "class": "x", "probability": exact - 0.05}},
    )
    assert dr.check(model, rules, method="exact").table["probability"].iloc[0] == pytest.approx(exact, abs=1e-12)
    for seed in range(5):
        table = dr.check(model, rules, method="monte_carlo", samples=50_000, seed=seed).table
        assert list(table["status"]) == ["holds", "violated"]


def test_a_tolerance_not_met_warns_once() -> None:
    rules = _policy({"max_exposure": {"adversary": "a", "class": "x", "probability": 0.5}})
    with pytest.warns(dr.ToleranceNotMet):
        report = dr.check(_mc_model(), rules, method="monte_carlo", tolerance=1e-6, max_samples=1024, seed=1)
    assert report.provenance.converged is False


def test_the_same_seed_gives_the_same_report() -> None:
    rules = _policy({"max_exposure": {"adversary": "a", "class": "x", "probability": 0.1}})
    first = dr.check(_mc_model(), rules, method="monte_carlo", samples=4096, seed=3, threads=1)
    second = dr.check(_mc_model(), rules, method="monte_carlo", samples=4096, seed=3, threads=2)
    assert first.table.equals(second.table)


# --------------------------------------------------------------------------------------
# The Project Texas policy shipped with the example


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def test_project_texas_policy_fails_in_2022_and_holds_in_2024(texas: dr.Model) -> None:
    policy = dr.examples.project_texas_policy()
    assert dr.examples.policy_path("project_texas").parent == dr.examples.path("project_texas").parent
    report = dr.check(texas, policy, at=TEXAS_FAILS)
    assert not report.passed and report.violations and not report.undecided
    kinds = {v.rule.kind for v in report.violations}
    assert kinds == {"never_reaches", "only_via", "max_exposure"}
    admin = next(v for v in report.violations if v.rule.kind == "never_reaches")
    assert admin.witness is not None and admin.witness.nodes == ("beijing_master_admin", "tiktok_virginia")
    assert admin.witness.arcs[0].citation == "buzzfeed-2022-06-17"
    profile = next(v for v in report.violations if v.data_class == "user_profile")
    assert [w.data_class for w in profile.witnesses] == ["phone_numbers", "birthdays", "public_videos", "comments"]
    data = texas.to_dict()
    for violation in report.violations:
        avoid = set(violation.rule.through)
        for path in violation.witnesses:
            _assert_real_path(data, TEXAS_FAILS, path, violation.adversary, path.data_class, avoid)
    for at in TEXAS_HOLDS:
        held = dr.check(texas, policy, at=at)
        assert held.passed, (at, [str(v) for v in held.failures])
        assert not held.violations and set(held.table["status"]) == {"holds"}


def test_project_texas_policy_holds_from_the_deletion_of_the_legacy_copies(texas: dr.Model) -> None:
    policy = dr.examples.project_texas_policy()
    for date in pd_dates("2021-09-01", "2024-12-01"):
        passed = dr.check(texas, policy, at=date).passed
        assert passed == (date >= "2023-10-01"), date


def pd_dates(start: str, end: str) -> list[str]:
    import pandas as pd

    return [d.date().isoformat() for d in pd.date_range(start, end, freq="MS")]


def test_project_texas_policy_agrees_with_the_oracle(texas: dr.Model) -> None:
    """The example's never_reaches rules and from_region expansion from the YAML alone."""
    data = yaml.safe_load(dr.examples.path("project_texas").read_text(encoding="utf-8"))
    policy = dr.examples.project_texas_policy()
    for at in (TEXAS_FAILS, *TEXAS_HOLDS[:2]):
        rows = _rows(dr.check(texas, policy, at=at))
        for index, rule in enumerate(policy.rules):
            if rule.from_region is not None:
                located = [n["id"] for n in data["nodes"] if region_within(n.get("region"), rule.from_region)]
                assert {a for i, a in rows if i == index} == set(located)
            if rule.kind == "never_reaches":
                violated = bool(possible_reach(data, rule.adversary, at)[rule.data_class])
                assert rows[(index, rule.adversary)]["status"] == ("violated" if violated else "holds")


def test_a_rule_date_overrides_the_call_date(texas: dr.Model) -> None:
    rules = _policy(
        {"never_reaches": {"adversary": "beijing_master_admin", "class": "phone_numbers", "at": TEXAS_FAILS}},
        {"never_reaches": {"adversary": "beijing_master_admin", "class": "phone_numbers"}},
    )
    report = dr.check(texas, rules, at="2024-01-01")
    assert list(report.table["at"]) == [TEXAS_FAILS, "2024-01-01"]
    assert list(report.table["status"]) == ["violated", "holds"]
    assert report.provenance.at == "2024-01-01"
    assert dr.check(texas, rules, options=dr.AnalysisOptions(at="2024-01-01")).table.equals(report.table)


def test_policy_as_path_mapping_or_object(texas: dr.Model, tmp_path: Path) -> None:
    path = dr.examples.policy_path("project_texas")
    policy = dr.load_policy(path)
    as_json = tmp_path / "policy.json"
    as_json.write_text(json.dumps(policy.to_dict()), encoding="utf-8")
    reports = [dr.check(texas, p, at=TEXAS_FAILS) for p in (path, str(path), policy, policy.to_dict(), as_json)]
    for report in reports[1:]:
        assert report.table.equals(reports[0].table)
    assert dr.Policy.from_dict(policy.to_dict()) == policy == dr.load_policy(as_json)
    assert policy.source == str(path) and len(policy) == 8
    with pytest.raises(dr.ModelError, match="^policy: expected a Policy"):
        dr.check(texas, 42)


def test_the_report_as_a_result(texas: dr.Model) -> None:
    report = dr.check(texas, dr.examples.project_texas_policy(), at=TEXAS_FAILS)
    assert isinstance(report, dr.AnalysisResult) and report.analysis == "check"
    assert list(report.table.columns) == [
        "rule", "kind", "adversary", "class", "at", "status",
        "probability", "ci_low", "ci_high", "limit", "note", "witness",
    ]  # fmt: skip
    out = report.to_dict()
    assert set(out["tables"]) == {"table", "witnesses"}
    json.dumps(out, allow_nan=False)  # strict JSON as it is
    steps = report.witnesses
    assert set(steps.columns) >= {"rule", "adversary", "class", "from", "to", "entry", "citation"}
    assert len(steps) == sum(len(p.arcs) for v in report.failures for p in v.witnesses)
    assert report.summary() in repr(report) and report.summary() in str(report)
    import pickle

    again = pickle.loads(pickle.dumps(report))
    assert again.table.equals(report.table) and len(again.violations) == len(report.violations)


def test_a_through_node_nothing_touches_and_the_adversary_in_through() -> None:
    data = {
        "format": "datareach/1",
        "nodes": [
            {"id": "a", "kind": "store"},
            {"id": "idle", "kind": "role"},
            {"id": "b", "kind": "role"},
            {"id": "s", "kind": "store"},
        ],
        "classes": [{"id": "x"}],
        "placements": [{"class": "x", "store": "a"}, {"class": "x", "store": "s"}],
        "access": [{"from": "b", "to": "s", "p": 1}],
    }
    model = dr.Model.from_dict(data)
    rules = _policy(
        {"only_via": {"adversary": "b", "class": "x", "through": ["idle"]}},  # idle touches nothing
        {"only_via": {"adversary": "a", "class": "x", "through": ["a"]}},  # every path starts at a
        {"only_via": {"adversary": "a", "class": "x", "through": ["s"]}},  # a holds x itself
    )
    report = dr.check(model, rules)
    assert list(report.table["status"]) == ["violated", "holds", "violated"]
    assert report.violations[1].witness is not None and report.violations[1].witness.nodes == ("a",)


# --------------------------------------------------------------------------------------
# Bad policies: ModelError naming the file, the rule (with its line) and the field


GOOD_RULE = "  - never_reaches: {adversary: beijing_master_admin, class: phone_numbers}\n"


def _write(tmp_path: Path, body: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", r"the file is empty; a policy starts with format: datareach-policy/1"),
        ("format: datareach/1\nrules: []\n", r"format: unsupported format 'datareach/1'.*scenario file"),
        ("format: datareach-policy/2\nrules: []\n", r"format: unsupported format 'datareach-policy/2'"),
        ("rules: []\n", r"format: missing"),
        (f"format: {POLICY}\nrule:\n{GOOD_RULE}", r"rule: unknown field of a policy \(did you mean 'rules'\?\)"),
        (f"format: {POLICY}\n", r"rules: missing"),
        (f"format: {POLICY}\nrules: []\n", r"rules: empty: a policy needs at least one rule"),
        (f"format: {POLICY}\nrules: {{a: 1}}\n", r"rules: must be a list of rules, got a mapping of 1 key"),
        (f"format: {POLICY}\nrules:\n  - hello\n", r"rules\[0\]: must be a mapping such as"),
        (
            f"format: {POLICY}\nrules:\n{GOOD_RULE}  - never_reach: {{adversary: a, class: b}}\n",
            r"rules\[1\] \(line 4\)\.never_reach: unknown rule kind \(did you mean 'never_reaches'\?\)",
        ),
        (
            f"format: {POLICY}\nrules:\n  - {{never_reaches: {{adversary: a, class: b}}, only_via: {{}}}}\n",
            r"rules\[0\] \(line 3\): a rule is a mapping of one kind .* got keys: never_reaches, only_via",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: a, clas: b}}\n",
            r"rules\[0\] \(line 3\)\.never_reaches\.clas: unknown field of a never_reaches rule \(did you mean 'class'\?\)",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: a, class: b, probability: 0.1}}\n",
            r"never_reaches\.probability: unknown field of a never_reaches rule",
        ),
        (f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: a}}\n", r"never_reaches\.class: missing"),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{class: b}}\n",
            r"never_reaches: needs adversary .* or from_region",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: a, from_region: CN, class: b}}\n",
            r"never_reaches\.from_region: give adversary or from_region, not both",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: 7, class: b}}\n",
            r"adversary: must be a string, got 7",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{from_region: 'CN//x', class: b}}\n",
            r"from_region: must be a path of names separated by '/'",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: a, class: b, at: 2022-06-31}}\n",
            r"never_reaches\.at: must be a date",
        ),
        (
            f"format: {POLICY}\nrules:\n  - never_reaches: {{adversary: a, class: b, note: 5}}\n",
            r"never_reaches\.note: must be a string",
        ),
        (
            f"format: {POLICY}\nrules:\n  - max_exposure: {{adversary: a, class: b}}\n",
            r"max_exposure\.probability: missing",
        ),
        (
            f"format: {POLICY}\nrules:\n  - max_exposure: {{adversary: a, class: b, probability: null}}\n",
            r"probability: missing",
        ),
        *(
            (
                f"format: {POLICY}\nrules:\n{GOOD_RULE}{GOOD_RULE}  - max_exposure: {{adversary: a, class: b, probability: {value}}}\n",
                rf"policy\.yaml: rules\[2\] \(line 5\)\.max_exposure\.probability: must be a number from 0 to 1, got {shown}",
            )
            for value, shown in [
                ("1.5", "1.5"),
                ("-0.1", "-0.1"),
                (".nan", "nan"),
                (".inf", "inf"),
                ("'0.5'", "'0.5'"),
                ("true", "true"),
            ]
        ),
        (f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b}}\n", r"only_via\.through: missing"),
        (
            f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b, through: []}}\n",
            r"only_via\.through: missing.*never_reaches",
        ),
        (
            f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b, through: g}}\n",
            r"only_via\.through: must be a list of node ids, got 'g'",
        ),
        (
            f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b, through: {{g: 1}}}}\n",
            r"only_via\.through: must be a list of node ids",
        ),
        (
            f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b, through: [g, 3]}}\n",
            r"only_via\.through\[1\]: must be a string, got 3",
        ),
        (
            f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b, through: [g, g]}}\n",
            r"only_via\.through\[1\]: 'g' is listed twice",
        ),
        (
            f"format: {POLICY}\nrules:\n  - only_via: {{adversary: a, class: b, through: [g], probability: 1}}\n",
            r"only_via\.probability: unknown field",
        ),
        (f"format: {POLICY}\nrules:\n  - !!python/object:os.system {{}}\n", r"invalid YAML|tag"),
        (f"format: {POLICY}\nformat: {POLICY}\nrules: []\n", r"format"),
        ("[1, 2]\n", r"a policy must be a mapping with format and rules; got a list of 2 items"),
    ],
)
def test_bad_policy_files(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(dr.ModelError) as error:
        dr.load_policy(path)
    text = str(error.value)
    assert text.startswith(f"{path}: "), text
    assert re.search(message, text), text
    assert "\n" not in text


def test_bad_policy_json_names_the_line(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "format": POLICY,
            "rules": [
                {"never_reaches": {"adversary": "a", "class": "b"}},
                {"max_exposure": {"adversary": "a", "class": "b", "probability": 2}},
            ],
        },
        indent=1,
    )
    path = _write(tmp_path, body, "policy.json")
    with pytest.raises(
        dr.ModelError, match=r"policy\.json: rules\[1\] \(line \d+\)\.max_exposure\.probability: .*got 2$"
    ) as error:
        dr.load_policy(path)
    assert error.value.where == f"{path}: rules[1].max_exposure.probability"
    with pytest.raises(dr.ModelError, match="written twice|duplicate|twice"):
        dr.load_policy(_write(tmp_path, '{"format": "datareach-policy/1", "rules": [], "rules": []}', "twice.json"))


def test_unknown_ids_are_named_with_a_suggestion(texas: dr.Model, tmp_path: Path) -> None:
    rules = [
        (
            "never_reaches: {adversary: beijing_master_admn, class: phone_numbers}",
            r"never_reaches\.adversary: unknown node 'beijing_master_admn' \(did you mean 'beijing_master_admin'\?\)",
        ),
        (
            "never_reaches: {adversary: CN, class: phone_number}",
            r"never_reaches\.class: unknown class 'phone_number' \(did you mean 'phone_numbers'\?\)",
        ),
        (
            "only_via: {adversary: CN, class: birthdays, through: [usds_gateway, oracle_texs]}",
            r"only_via\.through\[1\]: unknown node 'oracle_texs' \(did you mean 'oracle_texas'\?\)",
        ),
        (
            "max_exposure: {from_region: CM, class: birthdays, probability: 0.5}",
            r"max_exposure\.from_region: no node lies in region 'CM' \(did you mean 'CN'\?\)",
        ),
    ]
    for rule, message in rules:
        path = _write(tmp_path, f"format: {POLICY}\nrules:\n{GOOD_RULE}{GOOD_RULE}  - {rule}\n")
        with pytest.raises(dr.ModelError, match=rf"^{re.escape(str(path))}: rules\[2\] \(line 5\)\.{message}$"):
            dr.check(texas, path)
        with pytest.raises(dr.ModelError, match=rf"^rules\[2\]\.{message}$"):
            dr.check(texas, dr.Policy.from_dict(yaml.safe_load(path.read_text())))


def test_nothing_from_a_foreign_file_is_echoed_whole(texas: dr.Model, tmp_path: Path) -> None:
    huge = "x" * 100_000
    for rule in (
        f"never_reaches: {{adversary: {huge}, class: phone_numbers}}",
        f"never_reaches: {{adversary: CN, class: phone_numbers, {huge}: 1}}",
        f"{huge}: {{adversary: CN, class: phone_numbers}}",
        f"max_exposure: {{adversary: CN, class: phone_numbers, probability: '{huge}'}}",
        f"only_via: {{adversary: CN, class: phone_numbers, through: [{huge}]}}",
    ):
        path = _write(tmp_path, f"format: {POLICY}\nrules:\n  - {rule}\n")
        with pytest.raises(dr.ModelError) as error:
            dr.check(texas, path)
        assert len(str(error.value)) < 500, str(error.value)[:600]


def test_policy_objects_check_their_fields() -> None:
    rule = dr.PolicyRule("never_reaches", "x", adversary="a", at="2024-01-01")
    assert rule.to_dict() == {"never_reaches": {"adversary": "a", "class": "x", "at": "2024-01-01"}}
    assert dr.PolicyRule.from_dict(rule.to_dict()) == rule
    policy = dr.Policy([rule], name="p")
    assert policy.rules == (rule,) and dr.Policy.from_dict(policy.to_dict()) == policy
    with pytest.raises(dr.ModelError, match="^rules: empty"):
        dr.Policy([])
    with pytest.raises(dr.ModelError, match=r"^rules\[0\]: expected a PolicyRule"):
        dr.Policy([{"never_reaches": {}}])  # type: ignore[list-item]
    with pytest.raises(
        dr.ModelError, match=r"^kind: unknown rule kind 'never_reach' \(did you mean 'never_reaches'\?\)"
    ):
        dr.PolicyRule("never_reach", "x", adversary="a")
    with pytest.raises(dr.ModelError, match=r"^max_exposure\.probability: must be a number from 0 to 1, got nan"):
        dr.PolicyRule("max_exposure", "x", adversary="a", probability=math.nan)
    with pytest.raises(dr.ModelError, match=r"^never_reaches\.adversary: must be in Unicode normal form NFC"):
        dr.PolicyRule("never_reaches", "x", adversary="e\u0301")
    with pytest.raises(dr.ModelError, match=r"^never_reaches\.probability: only a max_exposure rule"):
        dr.PolicyRule("never_reaches", "x", adversary="a", probability=0.5)


def test_loads_policy_and_round_trips() -> None:
    policy = dr.examples.project_texas_policy()
    from datareach.io import loads_policy

    assert loads_policy(json.dumps(policy.to_dict()), "json") == policy
    assert loads_policy(yaml.safe_dump(policy.to_dict())) == policy


def test_progress_counts_runs_and_can_stop(texas: dr.Model) -> None:
    calls: list[tuple[int, int]] = []
    policy = dr.examples.project_texas_policy()
    dr.check(texas, policy, at=TEXAS_FAILS, progress=lambda done, total: calls.append((done, total)))
    # One run on the model, one per distinct through set (all the same here).
    assert calls == [(1, 2), (2, 2)]
    with pytest.raises(dr.AnalysisStopped):
        dr.check(texas, policy, at=TEXAS_FAILS, progress=lambda done, total: False)


def test_a_witness_search_past_its_bound_names_the_rule(texas: dr.Model, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    # The module, not the function of the same name that datareach.analysis exports.
    monkeypatch.setattr(sys.modules["datareach.analysis.check"], "MAX_EXPANSIONS", 1)
    rules = _policy({"never_reaches": {"adversary": "CN", "class": "phone_numbers"}})
    with pytest.raises(dr.ModelError, match=r"^rules\[0\]\.never_reaches: the witness path of 'CN': .*partial paths"):
        dr.check(texas, rules, at=TEXAS_FAILS)
