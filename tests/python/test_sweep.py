"""dr.compare and dr.sweep: differences against the base, serial and parallel runs agree,
including on a real Dask cluster with worker processes."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

import datareach as dr

C = dr.changes

PLANS = {
    "move public videos to Texas": [C.migrate("public_videos", "tiktok_virginia", "oracle_texas")],
    "revoke the master admin": [C.revoke("beijing_master_admin", "tiktok_virginia")],
    "both": [
        C.migrate("public_videos", "tiktok_virginia", "oracle_texas"),
        C.revoke("beijing_master_admin", "tiktok_virginia"),
    ],
}


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


def test_exact_comparison_is_the_difference_of_two_analyses(texas: dr.Model) -> None:
    variant = texas.apply(PLANS["both"])
    comparison = dr.compare(texas, variant, adversaries="CN", at="2022-07-01", method="exact")
    base = dr.analyze(texas, "CN", at="2022-07-01", method="exact").exposure
    other = dr.analyze(variant, "CN", at="2022-07-01", method="exact").exposure
    table = comparison.table
    pd.testing.assert_series_equal(
        table["probability_difference"], other["probability"] - base["probability"], check_names=False
    )
    assert (table["probability_difference_ci_low"] == table["probability_difference"]).all()
    videos = table.set_index("class").loc["public_videos"]
    assert videos["probability_difference"] < -0.1  # moving the videos behind Texas's access paths helps
    totals = comparison.total_risk.set_index("adversary").loc["CN"]
    assert totals["total_risk_difference"] == pytest.approx(totals["total_risk"] - totals["base_total_risk"])


def test_variants_may_be_change_lists_and_are_named(texas: dr.Model) -> None:
    comparison = dr.compare(texas, *PLANS.values(), names=list(PLANS), adversaries="CN", method="exact")
    assert list(comparison.table["variant"].unique()) == list(PLANS)
    with pytest.raises(dr.ModelError, match="names"):
        dr.compare(texas, PLANS["both"], names=["a", "b"])
    with pytest.raises(dr.ModelError, match="variants"):
        dr.compare(texas)
    with pytest.raises(dr.ModelError, match=r"variants\[0\]"):
        dr.compare(texas, "move everything")


def test_sweep_serial_equals_process_pool(texas: dr.Model) -> None:
    options = {"adversaries": "CN", "at": "2022-07-01", "method": "monte_carlo", "samples": 4096, "seed": 7}
    serial = dr.sweep(texas, PLANS, **options)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = dr.sweep(texas, PLANS, pool, **options)
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    assert serial.provenance.seed == parallel.provenance.seed == 7
    assert set(serial.table["variant"]) == set(PLANS)
    assert serial.table.groupby("variant")["changes"].first().to_dict() == {k: len(v) for k, v in PLANS.items()}


def test_sweep_on_a_dask_cluster_with_worker_processes(texas: dr.Model) -> None:
    from dask import distributed

    options = {"adversaries": "CN", "at": "2022-07-01", "method": "monte_carlo", "samples": 4096, "seed": 7}
    serial = dr.sweep(texas, PLANS, **options)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            clustered = dr.sweep(texas, PLANS, client, **options)
    pd.testing.assert_frame_equal(serial.table, clustered.table)


def test_sweep_rejects_bad_plans_before_shipping_work(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError, match=r"changes\[0\]"):
        dr.sweep(texas, {"typo": [C.revoke("beijing_master_admn", "tiktok_virginia")]})
    with pytest.raises(dr.ModelError, match="variants"):
        dr.sweep(texas, {})


def test_models_pickle_compactly(texas: dr.Model) -> None:
    data = pickle.dumps(texas)
    assert pickle.loads(data) == texas
    assert len(data) < 50_000


def test_model_pickles_refuse_an_unknown_version(texas: dr.Model) -> None:
    state = texas.__getstate__()
    assert state["version"] == 2
    state["version"] = 3
    with pytest.raises(dr.ModelError, match="version 3"):
        dr.Model.__new__(dr.Model).__setstate__(state)


def test_monte_carlo_comparison_keeps_each_models_place_tables(texas: dr.Model) -> None:
    plan = [C.delete("phone_numbers", "tiktok_virginia")]
    comparison = dr.compare(texas, plan, adversaries="CN", at="2022-07-01", method="monte_carlo", samples=8192, seed=4)
    base, variant = comparison.results
    stores = variant.by_store[variant.by_store["class"] == "phone_numbers"]["store"]
    assert "tiktok_virginia" in set(base.by_store["store"]) and "tiktok_virginia" not in set(stores)
    row = comparison.table.set_index("class").loc["phone_numbers"]
    assert (
        row["probability_difference_ci_low"] <= row["probability_difference"] <= row["probability_difference_ci_high"]
    )
