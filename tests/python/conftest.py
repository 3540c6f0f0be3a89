"""Shared fixtures: the scenario of docs/design.md §3 as YAML text, as a mapping and as a
model built with the builder methods; a Dask cluster of worker processes."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

import datareach as dr
from datareach.io.formats import parse


def pytest_configure(config: pytest.Config) -> None:
    # pyproject.toml makes every warning an error. Hypothesis's report of a failing example
    # touches mypy_extensions.TypedDict where that package is installed; as an error it
    # would hide the example behind an INTERNALERROR.
    config.addinivalue_line("filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning")


SCENARIO_YAML = """\
format: datareach/1
name: US user data, autumn 2021
sources:
  buzzfeed-2022: {title: "Leaked audio from 80 internal TikTok meetings", date: 2022-06-17}
adversaries: [CN]
events:
  - {id: insider-complies, p: 0.8}
nodes:
  - {id: CN, kind: jurisdiction, territory: CN, compels: 0.9}
  - {id: beijing_master_admin, kind: role, region: CN/Beijing}
  - {id: tiktok_virginia, kind: store, region: US/VA}
  - {id: singapore_backup, kind: store, region: SG}
classes:
  - {id: public_videos, sensitivity: 1, records: 1.5e8}
  - {id: comments, sensitivity: 1, records: 1.5e8}
  - {id: profile, components: [public_videos, comments], sensitivity: 6, records: 1.5e8}
placements:
  - {class: public_videos, store: tiktok_virginia}
  - {class: comments, store: tiktok_virginia}
flows:
  - {from: tiktok_virginia, to: singapore_backup, kind: backup}
access:
  - {from: beijing_master_admin, to: tiktok_virginia, p: 0.95, kind: admin,
     requires: [insider-complies], window: [2021-09-01, 2022-02-01], source: buzzfeed-2022}
"""


@pytest.fixture
def scenario_yaml() -> str:
    """The example scenario file of docs/design.md §3."""
    return SCENARIO_YAML


@pytest.fixture
def scenario() -> dict[str, Any]:
    """The example scenario as the mapping datareach's YAML loader returns (a fresh copy;
    plain yaml.safe_load would read 1.5e8 as a string)."""
    return dict(parse(SCENARIO_YAML, "yaml"))


def build_example() -> dr.Model:
    """The same example, built with the builder methods."""
    m = dr.Model("US user data, autumn 2021")
    m.add_source("buzzfeed-2022", title="Leaked audio from 80 internal TikTok meetings", date="2022-06-17")
    m.add_event("insider-complies", 0.8)
    m.add_node("CN", "jurisdiction", territory="CN", compels=0.9)
    m.add_node("beijing_master_admin", "role", region="CN/Beijing")
    m.add_node("tiktok_virginia", "store", region="US/VA")
    m.add_node("singapore_backup", "store", region="SG")
    m.add_class("public_videos", sensitivity=1, records=1.5e8)
    m.add_class("comments", sensitivity=1, records=1.5e8)
    m.add_class("profile", sensitivity=6, records=1.5e8, components=["public_videos", "comments"])
    m.place("public_videos", "tiktok_virginia")
    m.place("comments", "tiktok_virginia")
    m.add_flow("tiktok_virginia", "singapore_backup", kind="backup")
    m.add_access(
        "beijing_master_admin",
        "tiktok_virginia",
        p=0.95,
        kind="admin",
        requires=["insider-complies"],
        window=(datetime.date(2021, 9, 1), "2022-02-01"),
        source="buzzfeed-2022",
    )
    m.adversaries = ["CN"]
    return m


@pytest.fixture
def example() -> dr.Model:
    """The example scenario built with the builder methods (a fresh model)."""
    return build_example()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A Dask client of a local cluster of two worker processes, one thread each (its
    scheduler's address: ``cluster.scheduler.address``)."""
    from dask import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        with distributed.Client(local) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            yield client
