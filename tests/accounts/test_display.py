"""Display keys for the wall (read-only, revocable, no silent expiry) and sliding renewal of sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app import clirun
from app.accounts import cli as accounts_cli
from app.accounts import service
from app.accounts.cache import principals
from app.accounts.permissions import DISPLAY_COOKIE, Role
from app.settings import get_settings
from tests.support.accounts import TEST_PASSWORD, TOKENS


async def _display_key(engine: AsyncEngine, name: str = "指挥中心大屏1") -> tuple[str, service.KeyRow]:
    async with AsyncSession(engine) as session, session.begin():
        return await service.create_key(session, name, role=Role.display)


async def _revoke(engine: AsyncEngine, prefix: str) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await service.revoke_key(session, prefix)


async def _screen(anonymous: httpx.AsyncClient, key: str) -> httpx.Response:
    r = await anonymous.get("/wall", params={"display_key": key, "refresh": 5})
    return r


async def test_the_link_sets_a_long_lived_cookie_and_leaves_the_address_bar(
    anonymous: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    key, _ = await _display_key(engine)
    r = await _screen(anonymous, key)
    assert r.status_code == 303
    assert r.headers["location"] == "/wall?refresh=5"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(f"{DISPLAY_COOKIE}="))
    assert f"Max-Age={400 * 24 * 3600}" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    wall = await anonymous.get("/wall?refresh=5")
    assert wall.status_code == 200
    assert '"display": true' in wall.text
    assert "hazardmap_display=" in wall.headers["set-cookie"]  # renewed at every load
    assert "/logout" not in wall.text  # a screen has nobody to log out


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/stats", 200),
        ("GET", "/api/v1/stats/grid?bbox=115.9,36.4,116.0,36.5&cell=0.01", 200),
        ("GET", "/api/v1/jurisdictions?level=county&geometry=centre", 200),
        ("GET", "/api/v1/detections/candidates", 200),
        ("GET", "/api/v1/crashes/density?bbox=115.9,36.4,116.0,36.5&cell=1000", 200),
        # The lists the wall's alarm watches, and nothing beneath them.
        ("GET", "/api/v1/hazards?overdue=true&limit=10", 200),
        ("GET", "/api/v1/segments?supervised=true&limit=10", 200),
        ("GET", "/api/v1/hazards/1", 403),
        ("GET", "/api/v1/hazards/1/history", 403),
        ("GET", "/api/v1/ledger", 403),
        ("GET", "/api/v1/export?format=csv", 403),
        ("GET", "/ogc/collections/hazards/items", 403),
        ("GET", "/tiles/hazards/10/843/397.mvt", 403),
        ("GET", "/api/v1/auth/me", 403),
        ("POST", "/api/v1/detections", 403),
        ("POST", "/api/v1/hazards", 403),
    ],
)
async def test_a_display_key_reads_what_the_wall_reads_and_nothing_else(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, method: str, path: str, status: int
) -> None:
    key, _ = await _display_key(engine)
    assert (await _screen(anonymous, key)).status_code == 303
    r = await anonymous.request(method, path, json={} if method == "POST" else None)
    assert r.status_code == status, r.text
    if status == 403:
        assert (
            r.json()["detail"] == "a display key shows the wall (/wall) and the data it reads, nothing else"
        )
    # The same key sent by a program instead of the cookie: the same limits.
    bare = httpx.AsyncClient(transport=anonymous._transport, base_url="http://testserver")
    async with bare:
        assert (await bare.request(method, path, headers={"X-API-Key": key})).status_code == status


@pytest.mark.parametrize("page", ["/map", "/ledger", "/field"])
async def test_other_pages_are_refused_to_a_screen(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, page: str
) -> None:
    key, _ = await _display_key(engine)
    await _screen(anonymous, key)
    r = await anonymous.get(page)
    assert r.status_code == 403 and 'data-message="forbidden"' in r.text


async def test_revoked_at_once_and_the_wall_says_so(
    anonymous: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    key, row = await _display_key(engine)
    await _screen(anonymous, key)
    assert (await anonymous.get("/api/v1/stats")).status_code == 200
    await _revoke(engine, row.prefix)
    assert (await anonymous.get("/api/v1/stats")).status_code == 401
    wall = await anonymous.get("/wall")
    assert wall.status_code == 401  # not a redirect to the login form
    assert 'data-message="display_revoked"' in wall.text and "大屏密钥已失效" in wall.text
    again = await anonymous.get("/wall", params={"display_key": key})
    assert again.status_code == 401 and 'data-message="display_revoked"' in again.text
    assert DISPLAY_COOKIE not in again.headers.get("set-cookie", "")
    # An agency key is no display key.
    agency = await anonymous.get("/wall", params={"display_key": TOKENS["agency"]})
    assert agency.status_code == 401


async def test_a_stale_login_on_the_screen_does_not_hide_its_display_key(
    anonymous: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    key, _ = await _display_key(engine)
    await _screen(anonymous, key)
    anonymous.cookies.set("hazardmap_session", "hs_expired-or-unknown")
    assert (await anonymous.get("/wall")).status_code == 200
    assert (await anonymous.get("/api/v1/stats")).status_code == 200
    # Only a display key counts in the display cookie.
    anonymous.cookies.clear()
    anonymous.cookies.set(DISPLAY_COOKIE, TOKENS["agency"])
    assert (await anonymous.get("/api/v1/stats")).status_code == 401


async def test_an_api_key_in_the_session_cookie_cannot_write(anonymous: httpx.AsyncClient) -> None:
    anonymous.cookies.set("hazardmap_session", TOKENS["agency"])
    r = await anonymous.post("/api/v1/hazards", json={})
    assert r.status_code == 403
    assert r.json()["detail"] == "send an API key in X-API-Key or Authorization, not in the session cookie"


async def test_a_display_key_is_never_a_user(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        with pytest.raises(Exception, match="display keys only"):
            await service.add_user(
                session, "t-screen", role=Role.display, display_name="大屏", password="x" * 12
            )


def test_the_command_prints_the_link(isolated_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    @asynccontextmanager
    async def scope() -> AsyncIterator[AsyncSession]:
        eng = create_async_engine(isolated_db, poolclass=NullPool)
        try:
            async with AsyncSession(eng) as session, session.begin():
                yield session
        finally:
            await eng.dispose()

    async def keep() -> None:
        pass

    monkeypatch.setattr(accounts_cli, "session_scope", scope)
    monkeypatch.setattr(clirun, "dispose_engine", keep)
    monkeypatch.setattr(get_settings(), "public_url", "https://hazards.example.cn")
    result = CliRunner().invoke(accounts_cli.keys_cli, ["create-display", "市指挥中心大屏1"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("https://hazards.example.cn/wall?display_key=hm_")

    async def stored() -> list[tuple[str, str]]:
        eng = create_async_engine(isolated_db, poolclass=NullPool)
        try:
            async with eng.connect() as conn:
                return [tuple(r) for r in await conn.execute(text("SELECT name, role FROM api_keys"))]
        finally:
            await eng.dispose()

    assert ("市指挥中心大屏1", "display") in asyncio.run(stored())


# -- sliding renewal of ordinary sessions --------------------------------------------------------------
async def _session(engine: AsyncEngine, age: timedelta, left: timedelta) -> tuple[str, int]:
    """A session of t-viewer opened ``age`` ago that ends in ``left``."""
    async with AsyncSession(engine) as session, session.begin():
        issued = await service.open_session(session, await service.get_user(session, "t-viewer"))
        sid = (
            await session.execute(
                text(
                    "UPDATE auth_sessions SET created_at = now() - CAST(:age AS interval),"
                    " expires_at = now() + CAST(:left AS interval)"
                    " WHERE token_hash = :h RETURNING id"
                ),
                {"age": age, "left": left, "h": service.token_hash(issued.token)},
            )
        ).scalar_one()
    return issued.token, sid


async def _ends_in_hours(engine: AsyncEngine, sid: int) -> float:
    async with engine.connect() as conn:
        left = (
            await conn.execute(
                text("SELECT extract(epoch FROM expires_at - now()) FROM auth_sessions WHERE id = :id"),
                {"id": sid},
            )
        ).scalar_one()
    return float(left) / 3600


async def test_a_session_in_use_is_renewed(anonymous: httpx.AsyncClient, engine: AsyncEngine) -> None:
    token, sid = await _session(engine, timedelta(hours=11), timedelta(minutes=50))
    r = await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert 11.99 < await _ends_in_hours(engine, sid) <= 12


async def test_renewal_stops_at_the_maximum_age(anonymous: httpx.AsyncClient, engine: AsyncEngine) -> None:
    token, sid = await _session(engine, timedelta(hours=7 * 24 - 2), timedelta(minutes=10))
    assert (
        await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    assert 1.99 < await _ends_in_hours(engine, sid) <= 2
    # Past it, the session is over like any expired one (once this process's memory of the token,
    # at most HAZARDMAP_AUTH_CACHE_S old, is gone: tests/accounts/test_auth_cache.py).
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": sid},
        )
    principals.clear()
    assert (
        await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    assert await _ends_in_hours(engine, sid) < 0


async def test_both_lifetimes_are_settings(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "token_hours", 1.0)
    monkeypatch.setattr(get_settings(), "session_max_hours", 30.0)
    token, sid = await _session(engine, timedelta(hours=3), timedelta(minutes=5))
    assert (
        await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    assert 0.99 < await _ends_in_hours(engine, sid) <= 1
    token, sid = await _session(engine, timedelta(hours=29.5), timedelta(minutes=5))
    assert (
        await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    assert 0.49 < await _ends_in_hours(engine, sid) <= 0.5


async def test_the_login_cookie_lives_as_long_as_a_session_may(anonymous: httpx.AsyncClient) -> None:
    import re

    form = await anonymous.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    r = await anonymous.post(
        "/login", data={"login": "t-viewer", "password": TEST_PASSWORD, "csrf_token": csrf[1]}
    )
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("hazardmap_session="))
    assert f"Max-Age={7 * 24 * 3600}" in cookie
