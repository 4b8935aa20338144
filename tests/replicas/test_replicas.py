"""Reads served by a real streaming replica; writes and a writer's next reads by the primary.

The standby's replay is paused where a test must tell the two apart: a hazard written then exists on
the primary only, so an answer without it came from the replica and an answer with it from the primary.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import APP_ROLE, Cluster
from app.replicas import marker, routing
from app.replicas.settings import get_replica_settings
from tests.support.accounts import auth_headers
from tests.support.databases import TEST_DB
from tests.support.hazards import GULOU, create, point
from tests.support.service import live_service

COUNTY = "371502"  # GULOU's


async def _in_recovery() -> bool | None:
    """pg_is_in_recovery() through the application's read path; None: the primary's own session."""
    session = await routing.replica_session()
    if session is None:
        return None
    try:
        return bool((await session.execute(text("SELECT pg_is_in_recovery()"))).scalar_one())
    finally:
        await session.close()


async def _matched(c: httpx.AsyncClient) -> dict[str, int]:
    """What the list, the OGC items, the stats and a tile's ETag say of the ledger, as ``c`` reads it."""
    listed = await c.get("/api/v1/hazards", params={"limit": 0})
    ogc = await c.get("/ogc/collections/hazards/items", params={"limit": 1})
    stats = await c.get("/api/v1/stats")
    for r in (listed, ogc, stats):
        assert r.status_code == 200, r.text
    counties = {u["code"]: u for u in stats.json()["counties"]}
    return {
        "list": listed.json()["numberMatched"],
        "ogc": ogc.json()["numberMatched"],
        "stats": counties[COUNTY]["found"],
    }


def _until(check: Callable[[], bool], limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.05)


async def test_reads_are_served_by_the_standby(reading_replica: str) -> None:
    token = routing.replica_allowed.set(True)
    try:
        assert await _in_recovery() is True
    finally:
        routing.replica_allowed.reset(token)
    # Outside a request that may read a replica (writes, the CLI, the workers): the primary.
    assert await _in_recovery() is None


async def test_a_writer_reads_its_write_others_read_the_replica(
    client: httpx.AsyncClient, clients: dict[str, httpx.AsyncClient], reading_replica: str, paused: Cluster
) -> None:
    viewer = clients["viewer"]
    assert await _matched(client) == await _matched(viewer) == {"list": 0, "ogc": 0, "stats": 0}

    r = await client.post("/api/v1/hazards", json=point(GULOU), params={"on_duplicate": "create"})
    assert r.status_code == 201, r.text
    assert r.cookies.get(marker.COOKIE)
    assert f"Max-Age={int(marker.get_replica_settings().read_your_writes_s)}" in r.headers["set-cookie"]

    # The writer, within the window: the primary, with its hazard everywhere.
    assert await _matched(client) == {"list": 1, "ogc": 1, "stats": 1}
    # Another client: the standby, which has not replayed the write.
    assert await _matched(viewer) == {"list": 0, "ogc": 0, "stats": 0}
    # The same credentials without the cookie are another client too.
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as bare:
        bare.headers.update(auth_headers("admin"))
        assert await _matched(bare) == {"list": 0, "ogc": 0, "stats": 0}

    paused.psql("SELECT pg_wal_replay_resume()", TEST_DB)
    deadline = time.monotonic() + 30
    while await _matched(viewer) != {"list": 1, "ogc": 1, "stats": 1}:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    # The export streams through a connection of its own, on the replica too.
    exported = await viewer.get("/api/v1/export", params={"format": "geojsonseq"})
    assert exported.status_code == 200 and len(exported.text.strip().splitlines()) == 1


async def test_a_refused_write_marks_nobody(client: httpx.AsyncClient, reading_replica: str) -> None:
    r = await client.post("/api/v1/hazards", json={"type": "Feature"})
    assert r.status_code == 422
    assert marker.COOKIE not in r.cookies
    # Without replicas configured nothing is marked at all.
    await routing.dispose_replicas()
    routing.configure([])
    created = await create(client, "hazards", point(GULOU))
    assert created["id"] and not client.cookies.get(marker.COOKIE)


async def test_a_lagging_replica_is_not_read(
    client: httpx.AsyncClient,
    clients: dict[str, httpx.AsyncClient],
    reading_replica: str,
    paused: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Further behind than the read-your-writes window (less the check's interval): the primary answers
    everybody, until the standby has caught up."""
    settings = get_replica_settings()
    monkeypatch.setattr(settings, "read_your_writes_s", 2.0)
    monkeypatch.setattr(settings, "replica_lag_check_s", 0.2)
    viewer = clients["viewer"]
    await create(client, "hazards", point(GULOU))
    # The standby has not replayed it and never will while paused: seeing it means the primary answered.
    deadline = time.monotonic() + 30
    while (await _matched(viewer))["list"] != 1:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    token = routing.replica_allowed.set(True)
    try:
        assert await _in_recovery() is None
        paused.psql("SELECT pg_wal_replay_resume()", TEST_DB)
        while await _in_recovery() is not True:  # caught up: read again
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    finally:
        routing.replica_allowed.reset(token)
    assert await _matched(viewer) == {"list": 1, "ogc": 1, "stats": 1}


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return f"postgresql://{APP_ROLE}:x@127.0.0.1:{port}/{TEST_DB}"


async def test_an_unreachable_replica_falls_back(
    cluster: Cluster, clients: dict[str, httpx.AsyncClient], engine: AsyncEngine, replica_url: str
) -> None:
    viewer = clients["viewer"]
    await create(clients["admin"], "hazards", point(GULOU))
    dead = _closed_port_url()
    try:
        # Only a dead replica: the primary answers, with what it has.
        routing.configure([dead])
        assert await _matched(viewer) == {"list": 1, "ogc": 1, "stats": 1}
        assert routing.replicas().members[0].down_until > time.monotonic()
        # A dead one and the standby: the standby answers, whatever the turn; the dead one is left out.
        pool = routing.configure([dead, replica_url])
        token = routing.replica_allowed.set(True)
        try:
            assert [await _in_recovery() for _ in range(4)] == [True] * 4
        finally:
            routing.replica_allowed.reset(token)
        assert pool.members[0].down_until > time.monotonic()
        assert len(pool.in_turn()) == 1
    finally:
        await routing.dispose_replicas()


async def test_round_robin(cluster: Cluster, replica_url: str) -> None:
    # The standby and, as a second "replica", the primary itself: they take turns.
    pool = routing.configure([replica_url, cluster.url(TEST_DB, APP_ROLE)])
    token = routing.replica_allowed.set(True)
    try:
        seen = [await _in_recovery() for _ in range(4)]
        assert seen == [True, False, True, False]
    finally:
        routing.replica_allowed.reset(token)
        await pool.dispose()
        await routing.dispose_replicas()


def test_the_mark_across_processes(
    cluster: Cluster, engine: AsyncEngine, replica_url: str, paused: Cluster
) -> None:
    """Two web processes: a write through one, the writer's read through the other finds it (the
    signed cookie, checked with the shared secret); a client without the cookie reads the replica."""
    primary = cluster.url(TEST_DB, APP_ROLE)
    env = {  # and the one HAZARDMAP_SECRET_KEY of the tests
        "HAZARDMAP_DATABASE_REPLICA_URLS": replica_url,
        "HAZARDMAP_READ_YOUR_WRITES_S": "3600",  # the paused standby stays near enough to be read
    }
    with live_service(primary, "replicas-a", env) as a, live_service(primary, "replicas-b", env) as b:
        writer = httpx.Client(headers=auth_headers("county_officer"), timeout=30)
        other = httpx.Client(headers=auth_headers("viewer"), timeout=30)
        r = writer.post(f"{a}/api/v1/hazards", json=point(GULOU), params={"on_duplicate": "create"})
        assert r.status_code == 201, r.text
        assert r.cookies.get(marker.COOKIE)  # kept by the client, sent to both (cookies know no port)
        assert writer.get(f"{b}/api/v1/hazards", params={"limit": 0}).json()["numberMatched"] == 1
        assert other.get(f"{b}/api/v1/hazards", params={"limit": 0}).json()["numberMatched"] == 0
        assert other.get(f"{a}/api/v1/hazards", params={"limit": 0}).json()["numberMatched"] == 0
        paused.psql("SELECT pg_wal_replay_resume()", TEST_DB)
        _until(lambda: other.get(f"{b}/api/v1/hazards", params={"limit": 0}).json()["numberMatched"] == 1)
