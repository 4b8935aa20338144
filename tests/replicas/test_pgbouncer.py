"""The service through a real PgBouncer in transaction pooling (HAZARDMAP_DB_PGBOUNCER).

PgBouncer gets two server connections and the application many more client connections, so that
consecutive transactions of one client connection run on different server connections: a statement
prepared in one and reused in the next would fail ("prepared statement … does not exist").
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.db import get_engine, make_engine, set_engine
from app.settings import get_settings
from tests.support.databases import TEST_DB, TEST_PORT
from tests.support.hazards import GULOU, LIUYUAN, create, point
from tests.support.pgbouncer import installed, pgbouncer

PGBOUNCER_PORT = int(os.environ.get("HAZARDMAP_TEST_PGBOUNCER_PORT", str(TEST_PORT + 20)))


@pytest.fixture
def bouncer_url(cluster: Cluster, engine: AsyncEngine) -> Iterator[str]:
    if not installed():
        pytest.skip("pgbouncer is not installed (make install)")
    # What the service otherwise sends as startup parameters, on the database (README, "Production").
    cluster.psql(f"ALTER DATABASE {TEST_DB} SET jit = off", TEST_DB)
    cluster.psql(f"ALTER DATABASE {TEST_DB} SET plan_cache_mode = force_custom_plan", TEST_DB)
    with pgbouncer(cluster, PGBOUNCER_PORT, TEST_DB, APP_ROLE, pool_size=2) as url:
        yield url


@pytest.fixture
async def through_pgbouncer(bouncer_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncEngine]:
    """The application under test connects through PgBouncer, configured for it."""
    monkeypatch.setattr(get_settings(), "db_pgbouncer", True)
    before = get_engine()
    pooled = make_engine(bouncer_url)
    set_engine(pooled)
    try:
        yield pooled
    finally:
        set_engine(before)
        await pooled.dispose()


async def test_without_the_setting_pgbouncer_refuses_the_connection(bouncer_url: str) -> None:
    plain = make_engine(bouncer_url)
    try:
        with pytest.raises(Exception, match="unsupported startup parameter"):
            async with plain.connect():
                pass
    finally:
        await plain.dispose()


async def test_the_service_through_pgbouncer(
    through_pgbouncer: AsyncEngine, client: httpx.AsyncClient, clients: dict[str, httpx.AsyncClient]
) -> None:
    async with through_pgbouncer.connect() as conn:
        settings = (
            await conn.execute(text("SELECT current_setting('jit'), current_setting('plan_cache_mode')"))
        ).one()
    assert tuple(settings) == ("off", "force_custom_plan")

    made = [await create(client, "hazards", point(where)) for where in (GULOU, LIUYUAN, GULOU)]
    viewer = clients["viewer"]

    async def rounds(i: int) -> list[int]:
        seen = []
        for _ in range(3):
            answers = [
                await viewer.get("/api/v1/hazards", params={"limit": 2, "offset": i % 2}),
                await viewer.get(f"/api/v1/hazards/{made[i % 3]['id']}"),
                await viewer.get("/tiles/hazards/14/13469/6329.mvt"),
                await viewer.get("/api/v1/stats"),
                await viewer.get("/ogc/collections/hazards/items", params={"limit": 1}),
                await viewer.get("/api/v1/export", params={"format": "csv"}),
            ]
            seen += [a.status_code for a in answers]
        return seen

    # Sixteen clients at once, three rounds each: the same statements again and again, on two server
    # connections.
    results = await asyncio.gather(*(rounds(i) for i in range(16)))
    assert results == [[200] * 18] * 16
    # A write through it too (SET LOCAL of the actor, the triggers, the history).
    url = f"/api/v1/hazards/{made[0]['id']}"
    etag = (await client.get(url)).headers["ETag"]
    r = await client.patch(
        url,
        json={"properties": {"description": "经 PgBouncer 修改"}},
        headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["description"] == "经 PgBouncer 修改"
    history = await client.get(f"{url}/history")
    assert history.status_code == 200 and len(history.json()) >= 2
