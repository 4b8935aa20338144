"""Fixtures of the import tests: a road of known chainage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from tests.support.databases import TEST_DB, empty_ledger
from tests.support.jobs import in_process_worker, wait_until_idle


@pytest.fixture(scope="package", autouse=True)
async def job_worker(cluster: Cluster, engine: AsyncEngine) -> AsyncIterator[None]:
    """Imports run as jobs of the queue: a worker takes them, as `hazardmap worker` would."""
    async with in_process_worker(cluster.url(TEST_DB, APP_ROLE)):
        yield


@pytest.fixture(autouse=True)
async def _jobs_end_with_their_test(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    await wait_until_idle(engine)


@pytest.fixture
async def import_roads(engine: AsyncEngine) -> AsyncIterator[dict[str, int]]:
    """G9309 from (115.95, 36.46) at K516+000 to (115.99, 36.46), 3000 m; removed afterwards."""
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                """
                INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, source)
                VALUES ('G9309', '测试国道', 'national', 516000, 3000,
                        ST_GeomFromText('LINESTRING(115.95 36.46, 115.99 36.46)', 4326), 'imports test')
                RETURNING code, id
                """
            )
        )
        ids = {code: id_ for code, id_ in rows.all()}
    yield ids
    async with engine.begin() as conn:
        await empty_ledger(conn)
        await conn.execute(text("DELETE FROM roads WHERE source = 'imports test'"))
