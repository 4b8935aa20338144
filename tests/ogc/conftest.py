"""The real service (uvicorn) on 127.0.0.1 over a database of its own cloned from the harness
template, for clients that speak HTTP themselves (GDAL's OAPIF driver, export readers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.cluster import Cluster
from tests.support.databases import clone
from tests.support.service import live_service

OGC_DB = "hazardmap_ogc"


@pytest.fixture(scope="session")
def live_server(cluster: Cluster, template_db: str) -> Iterator[str]:
    url = clone(cluster, template_db, OGC_DB)
    try:
        with live_service(url, "ogc") as base:
            yield base
    finally:
        cluster.drop_database(OGC_DB)
