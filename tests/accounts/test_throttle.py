"""Failed logins: a few are free, then 429 with a growing Retry-After, per login and per address."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.accounts import service
from app.accounts.permissions import Role
from app.settings import get_settings
from tests.support.accounts import TEST_PASSWORD

LOGIN = "t-throttled"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
async def user(engine: AsyncEngine) -> AsyncIterator[str]:
    async with AsyncSession(engine) as session, session.begin():
        await service.add_user(
            session, LOGIN, role=Role.viewer, display_name="限速用户", password=TEST_PASSWORD
        )
    yield LOGIN
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE login = :l"), {"l": LOGIN})


def from_address(application: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def time_passes(engine: AsyncEngine) -> None:
    """As if every block had run out (instead of sleeping through it)."""
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE login_throttle SET blocked_until = now() - interval '1 second'"))


async def counts(engine: AsyncEngine) -> dict[tuple[str, str], int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT scope, key, failures FROM login_throttle"))
        return {(scope, key): n for scope, key, n in rows}


async def test_five_free_then_a_growing_wait_and_success_clears_the_login(
    engine: AsyncEngine, application: FastAPI, user: str
) -> None:
    async with from_address(application, "10.1.1.1") as c:
        wrong = {"login": user, "password": "wrong-password"}
        for _ in range(4):
            r = await c.post(TOKEN, json=wrong)
            assert r.status_code == 401 and "retry-after" not in r.headers
        # The fifth failure is still answered 401, and blocks the next attempt for 1 s.
        assert (await c.post(TOKEN, json=wrong)).status_code == 401
        r = await c.post(TOKEN, json={"login": user, "password": TEST_PASSWORD})
        assert r.status_code == 429, r.text
        assert r.headers["retry-after"] == "1"
        assert r.headers["content-type"] == "application/problem+json"
        assert (
            r.json()["retry_after"] == 1 and r.json()["detail"] == "too many failed logins; try again in 1 s"
        )
        # A refused attempt is not counted.
        assert (await counts(engine))[("login", user)] == 5
        await time_passes(engine)
        assert (await c.post(TOKEN, json=wrong)).status_code == 401  # the sixth: 2 s
        r = await c.post(TOKEN, json=wrong)
        assert (r.status_code, r.headers["retry-after"]) == (429, "2")
        await time_passes(engine)
        assert (await c.post(TOKEN, json=wrong)).status_code == 401  # the seventh: 4 s
        assert (await c.post(TOKEN, json=wrong)).headers["retry-after"] == "4"
        await time_passes(engine)
        r = await c.post(TOKEN, json={"login": user, "password": TEST_PASSWORD})
        assert r.status_code == 200
        # The login's count is cleared; the address keeps its own.
        assert await counts(engine) == {("address", "10.1.1.1"): 7}
        assert (await c.post(TOKEN, json=wrong)).status_code == 401


async def test_the_wait_has_a_ceiling_and_old_failures_are_forgotten(
    engine: AsyncEngine, application: FastAPI, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_delay_max_s", 60)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO login_throttle (scope, key, failures, last_failed_at)"
                " VALUES ('login', :l, 40, now())"
            ),
            {"l": user},
        )
    async with from_address(application, "10.1.1.2") as c:
        assert (await c.post(TOKEN, json={"login": user, "password": "nope-nope"})).status_code == 401
        r = await c.post(TOKEN, json={"login": user, "password": "nope-nope"})
        assert (r.status_code, r.headers["retry-after"]) == (429, "60")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE login_throttle SET blocked_until = NULL,"
                    " last_failed_at = now() - interval '2 hours'"
                )
            )
        assert (await c.post(TOKEN, json={"login": user, "password": "nope-nope"})).status_code == 401
        assert (await counts(engine))[("login", user)] == 1


async def test_per_address_across_logins(
    engine: AsyncEngine, application: FastAPI, user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_free_failures_per_address", 3)
    async with from_address(application, "10.1.1.3") as c, from_address(application, "10.1.1.4") as other:
        for name in ("nobody-a", "nobody-b", "nobody-c"):
            assert (await c.post(TOKEN, json={"login": name, "password": "guess-guess"})).status_code == 401
        # Any login from that address now waits, even the right password of a real user…
        r = await c.post(TOKEN, json={"login": user, "password": TEST_PASSWORD})
        assert (r.status_code, r.headers["retry-after"]) == (429, "1")
        # …but not from another address.
        assert (await other.post(TOKEN, json={"login": user, "password": TEST_PASSWORD})).status_code == 200


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_the_login_form_is_throttled_alike(
    engine: AsyncEngine, application: FastAPI, user: str
) -> None:
    async with from_address(application, "10.1.1.5") as c:
        form = await c.get("/login")
        token = _csrf(form.text)
        for _ in range(5):
            r = await c.post(
                "/login", data={"login": user, "password": "wrong-password", "csrf_token": token}
            )
            assert r.status_code == 401
            token = _csrf(r.text)
        r = await c.post("/login", data={"login": user, "password": TEST_PASSWORD, "csrf_token": token})
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert r.headers["content-type"].startswith("text/html")
        assert "登录失败次数过多，请 1 秒后再试。" in r.text
        assert "hazardmap_session" not in r.headers.get("set-cookie", "")
        await time_passes(engine)
        token = _csrf(r.text)
        r = await c.post("/login", data={"login": user, "password": TEST_PASSWORD, "csrf_token": token})
        assert r.status_code == 303
