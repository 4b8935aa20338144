"""A write is acknowledged only once committed: the COMMIT runs before the response leaves.

A COMMIT that fails answers a problem with no Location or ETag, and leaves nothing; a read made
right after an acknowledged write sees it, also with many clients at once against the real server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cluster import Cluster
from tests.support.accounts import auth_headers
from tests.support.databases import TEST_DB
from tests.support.hazards import GULOU, create, point
from tests.support.service import live_service

PROBLEM = "application/problem+json"
MARK = "提交时失败"  # a description with this in it makes the COMMIT fail
MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
async def fail_at_commit(engine: AsyncEngine) -> AsyncIterator[None]:
    """A deferred constraint trigger: a hazard written with MARK in its description passes every
    statement, and the COMMIT then fails with a serialization failure."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"""
                CREATE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.description LIKE '%{MARK}%' THEN
                    RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure';
                  END IF;
                  RETURN NULL;
                END $$
                """
            )
        )
        await conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER INSERT OR UPDATE ON hazards"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit()"
            )
        )
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER test_fail_at_commit ON hazards"))
            await conn.execute(text("DROP FUNCTION test_fail_at_commit()"))


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["retry-after"] == "5"
    assert "location" not in r.headers
    assert "etag" not in r.headers


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_create_whose_commit_fails(
    client: httpx.AsyncClient, engine: AsyncEngine, fail_at_commit: None
) -> None:
    r = await client.post("/api/v1/hazards", json=point(GULOU, description=f"路口{MARK}"))
    _refused(r)
    assert await _count(engine, "SELECT count(*) FROM hazards") == 0
    assert await _count(engine, "SELECT count(*) FROM hazard_events") == 0


async def test_patch_whose_commit_fails(
    client: httpx.AsyncClient, engine: AsyncEngine, fail_at_commit: None
) -> None:
    created = await create(client, "hazards", point(GULOU, description="路口缺少标志"))
    url = f"/api/v1/hazards/{created['id']}"
    body = json.dumps({"properties": {"description": f"路口{MARK}"}})
    r = await client.patch(url, content=body, headers={**MERGE, "If-Match": '"1"'})
    _refused(r)
    assert await _count(engine, "SELECT max(version) FROM hazards") == 1
    assert await _count(engine, f"SELECT count(*) FROM hazards WHERE description LIKE '%{MARK}%'") == 0
    # The next request works, on the same pool.
    r = await client.get(url)
    assert r.status_code == 200
    assert r.headers["etag"] == '"1"'


async def test_login_form_whose_commit_fails(anonymous: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """A page's form post: the session cookie is not set when the session row is not committed."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION test_fail_login() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " RAISE EXCEPTION 'deadlock' USING ERRCODE = 'deadlock_detected'; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER test_fail_login AFTER INSERT ON auth_sessions"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_login()"
            )
        )
    try:
        before = await _count(engine, "SELECT count(*) FROM auth_sessions")
        form = await anonymous.get("/login")  # its CSRF cookie stays in the client's jar
        token = _form_token(form.text)
        r = await anonymous.post(
            "/login", data={"login": "t-admin", "password": "test-password-1", "csrf_token": token}
        )
        _refused(r)
        assert "set-cookie" not in r.headers
        assert await _count(engine, "SELECT count(*) FROM auth_sessions") == before
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER test_fail_login ON auth_sessions"))
            await conn.execute(text("DROP FUNCTION test_fail_login()"))


def _form_token(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def _patch_then_get(client: httpx.AsyncClient, url: str, rounds: int) -> list[tuple[str, str]]:
    """PATCH, then at once GET: the (ETag of the PATCH, ETag of the GET) of each round."""
    seen = []
    etag = (await client.get(url)).headers["etag"]
    for i in range(rounds):
        body = json.dumps({"properties": {"address": f"东昌路{i}号"}})
        r = await client.patch(url, content=body, headers={**MERGE, "If-Match": etag})
        assert r.status_code == 200, r.text
        etag = r.headers["etag"]
        got = await client.get(url)
        assert got.status_code == 200
        seen.append((etag, got.headers["etag"]))
    return seen


@pytest.fixture
async def slow_commit(engine: AsyncEngine) -> AsyncIterator[None]:
    """A deferred trigger that makes the COMMIT of an update take 250 ms longer: a response sent before
    its COMMIT would be read back, by the client's next request, as the old version."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN PERFORM pg_sleep(0.25); RETURN NULL; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER UPDATE ON hazards"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()"
            )
        )
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER test_slow_commit ON hazards"))
            await conn.execute(text("DROP FUNCTION test_slow_commit()"))


async def test_read_your_write_under_concurrency(
    client: httpx.AsyncClient, engine: AsyncEngine, cluster: Cluster, slow_commit: None
) -> None:
    """16 clients, each PATCHing its own hazard then reading it at once, against uvicorn."""
    clients, rounds = 16, 4
    ids = [
        (await create(client, "hazards", point(GULOU, description=f"隐患{n}")))["id"] for n in range(clients)
    ]
    with live_service(cluster.url(TEST_DB), "commit") as base:
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(base_url=base, headers=auth_headers("admin"), limits=limits) as http:
            results: list[Any] = await asyncio.gather(
                *(_patch_then_get(http, f"/api/v1/hazards/{i}", rounds) for i in ids)
            )
    pairs = [pair for per_client in results for pair in per_client]
    assert len(pairs) == clients * rounds
    assert [p for p in pairs if p[0] != p[1]] == []
    assert await _count(engine, "SELECT min(version) FROM hazards") == rounds + 1
