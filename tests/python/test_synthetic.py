"""Synthetic enterprise models (datareach.synthetic): deterministic, valid, of the promised
size and shape, fast to build."""

from __future__ import annotations

import time

import numpy as np
import pytest

import datareach as dr
from datareach import synthetic
from datareach.model.lowering import compile_model


def test_exported_from_the_package() -> None:
    assert dr.synthetic is synthetic
    assert "synthetic" in dr.__all__


def test_same_seed_same_model_other_seed_other_model() -> None:
    a = synthetic.enterprise(roles=400, stores=60, classes=6, seed=7)
    b = synthetic.enterprise(roles=400, stores=60, classes=6, seed=7)
    c = synthetic.enterprise(roles=400, stores=60, classes=6, seed=8)
    assert a == b
    assert a != c
    assert len(a.access) == len(c.access)  # the size depends on the arguments, not the seed


@pytest.mark.parametrize(
    ("roles", "stores", "shape"),
    [
        (1, 1, {}),
        (3, 1, {}),
        (155, None, {}),
        (1000, 200, {}),
        (2500, 37, {"jurisdictions": {"US": 0.5, "SG": 0.1}, "organizations": 7, "span": 3}),
        (600, 600, {"reads_per_role": 0, "admin_share": 0.0, "gateway_share": 1.0}),
        (20_000, None, {"jurisdictions": {"CN": 1.0}}),
    ],
)
def test_compiled_arc_count_is_as_documented(roles: int, stores: int | None, shape: dict) -> None:
    model = synthetic.enterprise(roles, stores, classes=5, seed=3, **shape)
    graph = compile_model(model)
    assert graph.arc_count == synthetic.expected_arcs(roles, stores, **shape)
    kinds = model.nodes["kind"].value_counts()
    assert kinds["role"] == roles
    assert kinds["store"] == (stores if stores is not None else max(1, roles // 5))


def test_size_scales_linearly_with_roles() -> None:
    small = synthetic.expected_arcs(10_000)
    large = synthetic.expected_arcs(100_000)
    assert 9.5 < large / small < 10.5
    assert 6 < small / 10_000 < 7  # about 6.45 arcs per role with the default shape


@pytest.mark.parametrize("target", [1_000, 10_000, 100_000, 1_000_000, 10_000_000])
def test_expected_arcs_reaches_every_target(target: int) -> None:
    # enterprise_with_arcs picks its roles from expected_arcs; check the inversion without
    # building the big ones.
    low, high = 1, 2 * target
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if synthetic.expected_arcs(middle) < target else (low, middle)
    assert abs(synthetic.expected_arcs(high) - target) / target < 0.01


@pytest.mark.parametrize("target", [1_000, 20_000])
def test_enterprise_with_arcs(target: int) -> None:
    model = synthetic.enterprise_with_arcs(target, seed=2)
    arcs = compile_model(model).arc_count
    assert abs(arcs - target) / target < 0.01


def test_model_validates_compiles_and_places_every_class() -> None:
    model = synthetic.enterprise(roles=3000, classes=9, seed=5)
    assert dr.Model.from_dict(model.to_dict()) == model  # passes the file validator too
    graph = compile_model(model)
    classes = model.classes
    atomic = classes["components"].isna().to_numpy()
    assert atomic.sum() == 9 and (~atomic).sum() == 9 // 4
    placed = set(model.placements["class"])
    assert placed == set(classes["id"][atomic])
    offsets = np.asarray(graph.presence_offsets)
    for c in np.flatnonzero(atomic):
        assert offsets[c + 1] > offsets[c], f"class {classes['id'][c]} is in no store"
    assert set(model.adversaries) == set(synthetic.DEFAULT_JURISDICTIONS)


def test_shape_has_the_advertised_parts() -> None:
    model = synthetic.enterprise(roles=5000, stores=800, classes=8, seed=1)
    nodes, access, flows = model.nodes, model.access, model.flows
    kinds = set(nodes["kind"])
    assert kinds == {"jurisdiction", "organization", "role", "store", "gateway"}
    assert {"controls", "employs", "manages", "read", "admin", "gateway", "credentials"} <= set(access["kind"])
    assert {"replica", "backup"} == set(flows["kind"])
    assert (flows["share"] < 1).any() and flows["classes"].notna().any()
    assert access["classes"].notna().mean() == pytest.approx(0.1 * 4 / 6.2, abs=0.03)
    requires = access["requires"].dropna()
    events = {e for row in requires for e in row}
    assert "credential-leak" in events
    assert any(e.endswith("/insider-complies") for e in events)
    assert any(e.endswith("/approval-granted") for e in events)
    # Roles working abroad fall under another jurisdiction's rule.
    roles = nodes[nodes["kind"] == "role"]
    home = roles["id"].str.split("-").str[0]
    located = roles["region"].str.split("/").str[0]
    assert 0.02 < (home != located).mean() < 0.08


def test_every_adversary_reaches_something() -> None:
    model = synthetic.enterprise(roles=2000, classes=6, seed=11)
    table = dr.reach(model).table
    assert set(table["adversary"]) == set(model.adversaries)
    assert table.groupby("adversary")["possible"].any().all()
    result = dr.analyze(model, method="monte_carlo", samples=4096, seed=1)
    by_adversary = result.exposure.groupby("adversary")["probability"].max()
    assert (by_adversary > 0).all()
    # Event gating keeps some exposures strictly between 0 and 1 (an interesting model).
    p = result.exposure["probability"]
    assert ((p > 0.01) & (p < 0.99)).any()


@pytest.mark.parametrize(
    ("arguments", "where"),
    [
        ({"roles": 0}, "roles"),
        ({"roles": 2.5}, "roles"),
        ({"roles": True}, "roles"),
        ({"stores": 0}, "stores"),
        ({"classes": 0}, "classes"),
        ({"classes": "8"}, "classes"),
        ({"seed": -1}, "seed"),
        ({"organizations": 0}, "organizations"),
        ({"roles": 3, "organizations": 4}, "organizations"),
        ({"span": 0}, "span"),
        ({"reads_per_role": -1}, "reads_per_role"),
        ({"admin_share": 1.5}, "admin_share"),
        ({"filter_share": float("nan")}, "filter_share"),
        ({"replica_share": 0.6, "backup_share": 0.4}, "backup_share"),
        ({"jurisdictions": {}}, "jurisdictions"),
        ({"jurisdictions": {"US/VA": 0.3}}, "jurisdictions"),
        ({"jurisdictions": {"US": 2.0}}, "jurisdictions.US"),
        ({"jurisdictions": ["US"]}, "jurisdictions"),
        ({"classes": 1, "composites": 1}, "composites"),
        ({"gateway_shares": 0.1}, "gateway_shares"),
    ],
)
def test_bad_arguments_name_the_parameter(arguments: dict, where: str) -> None:
    with pytest.raises(dr.ModelError) as caught:
        synthetic.enterprise(**arguments)
    assert caught.value.where == where


def test_bad_arc_target() -> None:
    with pytest.raises(dr.ModelError) as caught:
        synthetic.enterprise_with_arcs(0)
    assert caught.value.where == "n_arcs"
    with pytest.raises(dr.ModelError) as caught:
        synthetic.enterprise_with_arcs(5)
    assert caught.value.where == "n_arcs" and "smallest" in str(caught.value)
    with pytest.raises(dr.ModelError) as caught:
        synthetic.enterprise_with_arcs(1000, organizations="many")
    assert caught.value.where == "organizations"


def test_a_million_arcs_build_quickly() -> None:
    started = time.perf_counter()
    model = synthetic.enterprise_with_arcs(1_000_000, seed=1)
    built = time.perf_counter() - started
    graph = compile_model(model)
    compiled = time.perf_counter() - started
    assert abs(graph.arc_count - 1_000_000) < 10_000
    # About 1.3 s to build and 0.4 s to compile on a 2-core development machine; the bound
    # leaves room for a loaded CI runner.
    assert built < 20 and compiled < 30, (built, compiled)
