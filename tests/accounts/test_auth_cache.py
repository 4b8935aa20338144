"""Who a token is, remembered per process for HAZARDMAP_AUTH_CACHE_S (app/accounts/cache.py): a
revocation made in another process is refused within that bound, one made in this process at once,
and a remembered token never outlives its session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.accounts import service
from app.accounts.cache import PrincipalCache, principals
from app.accounts.permissions import Principal, Role
from app.settings import get_settings
from tests.support.accounts import TEST_PASSWORD

ME = "/api/v1/auth/me"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    monkeypatch.setattr(principals, "_clock", c)
    principals.clear()
    yield c
    principals.clear()


def _someone(n: int = 1) -> Principal:
    return Principal("key", n, f"key:hm_{n}", "k", Role.viewer, frozenset())


def test_an_entry_lasts_its_time_or_its_session_whichever_ends_first() -> None:
    c = Clock()
    cache = PrincipalCache(clock=c, max_entries=2)
    cache.put("a", _someone(1), 5.0)
    cache.put("b", _someone(2), 5.0, ends_in_s=2.0)
    c.t += 1.999
    assert cache.get("a") == _someone(1) and cache.get("b") == _someone(2)
    c.t += 0.001
    assert cache.get("b") is None and cache.get("a") == _someone(1)
    c.t += 3.0
    assert cache.get("a") is None
    # Off (0 s) or a session already over: nothing is kept.
    cache.put("c", _someone(3), 0.0)
    cache.put("d", _someone(4), 5.0, ends_in_s=-1.0)
    assert len(cache) == 0
    # Full: the oldest goes first.
    for n, key in enumerate("xyz"):
        cache.put(key, _someone(n), 5.0)
    assert cache.get("x") is None and cache.get("y") is not None and cache.get("z") is not None


async def _sql(engine: AsyncEngine, statement: str, **values: object) -> None:
    """A change made by another process (another web process, the CLI): this one is not told."""
    async with engine.begin() as conn:
        await conn.execute(text(statement), values)


async def test_a_key_revoked_elsewhere_is_refused_within_the_bound(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, clock: Clock
) -> None:
    bound = get_settings().auth_cache_s
    assert bound == 5.0  # the default the README states
    async with AsyncSession(engine) as session, session.begin():
        key, row = await service.create_key(session, "市交通运输局", role=Role.viewer)
    headers = {"X-API-Key": key}
    assert (await anonymous.get(ME, headers=headers)).status_code == 200
    await _sql(engine, "UPDATE api_keys SET revoked_at = now() WHERE id = :id", id=row.id)
    # Remembered: answered without asking the database, up to the bound…
    assert (await anonymous.get(ME, headers=headers)).status_code == 200
    clock.t += bound - 0.001
    assert (await anonymous.get(ME, headers=headers)).status_code == 200
    # …and refused from the bound on.
    clock.t += 0.001
    assert (await anonymous.get(ME, headers=headers)).status_code == 401


async def _login(anonymous: httpx.AsyncClient, login: str) -> dict[str, str]:
    r = await anonymous.post("/api/v1/auth/token", json={"login": login, "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_a_session_revoked_or_a_user_disabled_elsewhere_within_the_bound(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, clock: Clock
) -> None:
    bound = get_settings().auth_cache_s
    bearer = await _login(anonymous, "t-viewer")
    assert (await anonymous.get(ME, headers=bearer)).status_code == 200
    token = bearer["Authorization"].removeprefix("Bearer ")
    await _sql(
        engine,
        "UPDATE auth_sessions SET revoked_at = now() WHERE token_hash = :h",
        h=service.token_hash(token),
    )
    assert (await anonymous.get(ME, headers=bearer)).status_code == 200
    clock.t += bound
    assert (await anonymous.get(ME, headers=bearer)).status_code == 401

    other = await _login(anonymous, "t-viewer")
    assert (await anonymous.get(ME, headers=other)).status_code == 200
    await _sql(engine, "UPDATE users SET disabled = true WHERE login = 't-viewer'")
    try:
        assert (await anonymous.get(ME, headers=other)).status_code == 200
        clock.t += bound
        assert (await anonymous.get(ME, headers=other)).status_code == 401
    finally:
        await _sql(engine, "UPDATE users SET disabled = false WHERE login = 't-viewer'")


async def test_a_remembered_session_ends_with_the_session(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, clock: Clock
) -> None:
    bearer = await _login(anonymous, "t-viewer")
    token = bearer["Authorization"].removeprefix("Bearer ")
    # A session whose maximum age is 2 s away: its renewal cannot move its end past that.
    await _sql(
        engine,
        "UPDATE auth_sessions SET created_at = now() - CAST(:age AS interval),"
        " expires_at = now() + interval '2 seconds' WHERE token_hash = :h",
        age=timedelta(hours=get_settings().session_max_hours) - timedelta(seconds=2),
        h=service.token_hash(token),
    )
    assert (await anonymous.get(ME, headers=bearer)).status_code == 200
    # Two seconds on (the database's clock moved by hand as well): the session's own end comes
    # before the 5 s bound, and the process no longer answers for it.
    await _sql(
        engine,
        "UPDATE auth_sessions SET expires_at = now() - interval '1 millisecond' WHERE token_hash = :h",
        h=service.token_hash(token),
    )
    clock.t += 2.0
    assert (await anonymous.get(ME, headers=bearer)).status_code == 401


async def test_changes_made_in_this_process_count_at_once(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, clock: Clock
) -> None:
    async with AsyncSession(engine) as session, session.begin():
        key, row = await service.create_key(session, "大屏", role=Role.viewer)
    assert (await anonymous.get(ME, headers={"X-API-Key": key})).status_code == 200
    async with AsyncSession(engine) as session, session.begin():
        await service.revoke_key(session, row.prefix)
    assert (await anonymous.get(ME, headers={"X-API-Key": key})).status_code == 401

    bearer = await _login(anonymous, "t-viewer")
    assert (await anonymous.get(ME, headers=bearer)).status_code == 200
    assert (await anonymous.post("/api/v1/auth/logout", headers=bearer)).status_code == 204
    assert (await anonymous.get(ME, headers=bearer)).status_code == 401


async def test_off_asks_the_database_every_time(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "auth_cache_s", 0.0)
    async with AsyncSession(engine) as session, session.begin():
        key, row = await service.create_key(session, "市应急管理局", role=Role.viewer)
    assert (await anonymous.get(ME, headers={"X-API-Key": key})).status_code == 200
    await _sql(engine, "UPDATE api_keys SET revoked_at = now() WHERE id = :id", id=row.id)
    assert (await anonymous.get(ME, headers={"X-API-Key": key})).status_code == 401
