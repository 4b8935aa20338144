"""Logging in, tokens, API keys, browser sessions with CSRF, logout, disable, revoke."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.accounts import service
from app.accounts.permissions import Role
from tests.support.accounts import OWN_COUNTY, TEST_PASSWORD, TOKENS, auth_headers
from tests.support.hazards import GULOU, point


async def _add_user(engine: AsyncEngine, login: str, role: Role = Role.viewer, **kw: Any) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await service.add_user(
            session, login, role=role, display_name="临时用户", password=TEST_PASSWORD, **kw
        )


async def _drop_user(engine: AsyncEngine, login: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE login = :l"), {"l": login})


@pytest.fixture
async def temp_user(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    await _add_user(engine, "t-temp")
    yield "t-temp"
    await _drop_user(engine, "t-temp")


async def test_unauthenticated_is_401_problem_with_www_authenticate(anonymous: httpx.AsyncClient) -> None:
    r = await anonymous.get("/api/v1/hazards")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == 'Bearer realm="hazardmap"'
    assert r.json()["detail"].startswith("log in first")
    # Open: health, the OGC landing page and conformance, the OpenAPI document.
    for path in ("/healthz", "/ogc", "/ogc/conformance", "/openapi.json"):
        assert (await anonymous.get(path)).status_code == 200, path
    for path in ("/tiles/hazards/10/843/397.mvt", "/ogc/collections/hazards/items", "/api/v1/stats"):
        assert (await anonymous.get(path)).status_code == 401, path


async def test_token_login_me_and_logout(anonymous: httpx.AsyncClient, temp_user: str) -> None:
    r = await anonymous.post("/api/v1/auth/token", json={"login": temp_user, "password": TEST_PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("hs_")
    assert 12 * 3600 - 60 < body["expires_in"] <= 12 * 3600
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    me = (await anonymous.get("/api/v1/auth/me", headers=bearer)).json()
    assert (me["login"], me["display_name"], me["role"], me["kind"]) == (
        temp_user,
        "临时用户",
        "viewer",
        "user",
    )
    assert "hazard_write" not in me["permissions"] and "read_internal" in me["permissions"]
    # The OAuth2 password form works too.
    form = await anonymous.post("/api/v1/auth/token", data={"username": temp_user, "password": TEST_PASSWORD})
    assert form.status_code == 200
    # Logout revokes this token at once, not the other one.
    assert (await anonymous.post("/api/v1/auth/logout", headers=bearer)).status_code == 204
    assert (await anonymous.get("/api/v1/auth/me", headers=bearer)).status_code == 401
    other = {"Authorization": f"Bearer {form.json()['access_token']}"}
    assert (await anonymous.get("/api/v1/auth/me", headers=other)).status_code == 200


async def test_wrong_password_unknown_login_and_bad_body(
    anonymous: httpx.AsyncClient, temp_user: str
) -> None:
    for login, password in ((temp_user, "wrong-password"), ("nobody", TEST_PASSWORD)):
        r = await anonymous.post("/api/v1/auth/token", json={"login": login, "password": password})
        assert r.status_code == 401
        assert r.json()["detail"] == "wrong login or password, or the account is disabled"
    r = await anonymous.post(
        "/api/v1/auth/token", content=b"not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = await anonymous.get("/api/v1/hazards", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]
    r = await anonymous.get("/api/v1/hazards", headers={"Authorization": "Bearer hs_forged"})
    assert r.status_code == 401


async def test_disable_ends_sessions_at_once(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, temp_user: str
) -> None:
    token = (
        await anonymous.post("/api/v1/auth/token", json={"login": temp_user, "password": TEST_PASSWORD})
    ).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await anonymous.get("/api/v1/hazards", headers=bearer)).status_code == 200
    async with AsyncSession(engine) as session, session.begin():
        await service.set_disabled(session, temp_user, True)
    assert (await anonymous.get("/api/v1/hazards", headers=bearer)).status_code == 401
    r = await anonymous.post("/api/v1/auth/token", json={"login": temp_user, "password": TEST_PASSWORD})
    assert r.status_code == 401
    async with AsyncSession(engine) as session, session.begin():
        await service.set_disabled(session, temp_user, False)
        await service.set_password(session, temp_user, "a-new-password")
    r = await anonymous.post("/api/v1/auth/token", json={"login": temp_user, "password": "a-new-password"})
    assert r.status_code == 200


async def test_expired_token_is_refused(
    anonymous: httpx.AsyncClient, engine: AsyncEngine, temp_user: str
) -> None:
    token = (
        await anonymous.post("/api/v1/auth/token", json={"login": temp_user, "password": TEST_PASSWORD})
    ).json()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE auth_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = :h"),
            {"h": service.token_hash(token["access_token"])},
        )
    r = await anonymous.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 401


async def test_api_key_in_either_header_and_revoke(anonymous: httpx.AsyncClient, engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        key, row = await service.create_key(session, "市交通运输局")
    assert key.startswith("hm_") and row.prefix == key[:10] and row.role == "agency"
    async with engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT key_hash FROM api_keys WHERE id = :id"), {"id": row.id})
        ).scalar_one()
    assert key not in stored and stored == service.token_hash(key)
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        me = await anonymous.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200 and me.json()["role"] == "agency" and me.json()["kind"] == "key"
    async with engine.connect() as conn:
        used = (
            await conn.execute(text("SELECT last_used_at FROM api_keys WHERE id = :id"), {"id": row.id})
        ).scalar_one()
    assert used is not None
    # A key does not log out; an administrator revokes it, at once.
    assert (await anonymous.post("/api/v1/auth/logout", headers={"X-API-Key": key})).status_code == 403
    async with AsyncSession(engine) as session, session.begin():
        await service.revoke_key(session, row.prefix)
    assert (await anonymous.get("/api/v1/auth/me", headers={"X-API-Key": key})).status_code == 401


async def test_add_user_checks(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        for login, role, counties, field in (
            ("Bad Login", Role.viewer, [], "login"),
            ("t-x", Role.county_officer, [], "jurisdiction"),
            ("t-x", Role.verifier, ["999999"], "jurisdiction"),
            ("t-x", Role.agency, [], "role"),
        ):
            with pytest.raises(Exception) as caught:
                await service.add_user(
                    session,
                    login,
                    role=role,
                    display_name="某",
                    password=TEST_PASSWORD,
                    jurisdictions=counties,
                )
            assert caught.value.errors[0].field == field  # type: ignore[attr-defined]
        with pytest.raises(Exception) as caught:
            await service.add_user(session, "t-short", role=Role.viewer, display_name="某", password="short")
        assert caught.value.errors[0].field == "password"  # type: ignore[attr-defined]
        await session.rollback()


def _csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def _browser_login(anonymous: httpx.AsyncClient, login: str = "t-officer") -> None:
    page = await anonymous.get("/login?next=/map")
    assert page.status_code == 200 and "登录" in page.text
    r = await anonymous.post(
        "/login",
        data={"login": login, "password": TEST_PASSWORD, "csrf_token": _csrf_from(page.text), "next": "/map"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/map"
    cookie = r.headers["set-cookie"]
    assert "hazardmap_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # HAZARDMAP_COOKIE_SECURE is off in tests; production requires it


async def test_pages_redirect_to_login_then_work_with_the_cookie(anonymous: httpx.AsyncClient) -> None:
    r = await anonymous.get("/map/371502?lang=en")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fmap%2F371502%3Flang%3Den"
    await _browser_login(anonymous)
    page = await anonymous.get("/map")
    assert page.status_code == 200 and "东昌府民警" in page.text and '"csrf_token"' in page.text
    en = await anonymous.get("/login?lang=en")
    assert "Log in" in en.text and 'lang="en"' in en.text


async def test_login_form_needs_its_csrf_token(anonymous: httpx.AsyncClient) -> None:
    await anonymous.get("/login")
    r = await anonymous.post(
        "/login", data={"login": "t-officer", "password": TEST_PASSWORD, "csrf_token": "forged"}
    )
    assert r.status_code == 403 and "hazardmap_session" not in r.headers.get("set-cookie", "")
    page = await anonymous.get("/login")
    r = await anonymous.post(
        "/login",
        data={"login": "t-officer", "password": "wrong-password", "csrf_token": _csrf_from(page.text)},
    )
    assert r.status_code == 401 and "账号或密码错误" in r.text


async def test_login_never_redirects_off_site(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/login")
    r = await anonymous.post(
        "/login",
        data={
            "login": "t-officer",
            "password": TEST_PASSWORD,
            "csrf_token": _csrf_from(page.text),
            "next": "//evil.example/x",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


async def test_cookie_writes_need_the_csrf_header(anonymous: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await _browser_login(anonymous)
    # Reads work with the cookie alone.
    assert (await anonymous.get("/api/v1/hazards")).status_code == 200
    feature = point(GULOU)
    r = await anonymous.post("/api/v1/hazards", json=feature)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = await anonymous.post("/api/v1/hazards", json=feature, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM hazards"))).scalar_one() == 0
    csrf = (await anonymous.get("/api/v1/auth/me")).json()["csrf_token"]
    r = await anonymous.post("/api/v1/hazards", json=feature, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["county"] == OWN_COUNTY


async def test_browser_logout(anonymous: httpx.AsyncClient) -> None:
    await _browser_login(anonymous)
    page = await anonymous.get("/logout")
    assert page.status_code == 200 and "退出登录" in page.text
    # Without the form's token (a cross-site form), nothing happens.
    assert (await anonymous.post("/logout", data={"csrf_token": "forged"})).status_code == 403
    assert (await anonymous.get("/api/v1/auth/me")).status_code == 200
    r = await anonymous.post("/logout", data={"csrf_token": _csrf_from(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    anonymous.cookies.clear()  # the server revoked the session; the browser dropped the cookie
    assert (await anonymous.get("/map")).status_code == 303


async def test_bearer_requests_need_no_csrf(clients: dict[str, httpx.AsyncClient]) -> None:
    r = await clients["county_officer"].post("/api/v1/hazards", json=point(GULOU))
    assert r.status_code == 201


def test_production_refuses_default_secret_and_insecure_cookie() -> None:
    from app.settings import Settings

    with pytest.raises(RuntimeError, match="HAZARDMAP_SECRET_KEY"):
        Settings(environment="production", cookie_secure=True).check_production()
    with pytest.raises(RuntimeError, match="HAZARDMAP_COOKIE_SECURE"):
        Settings(environment="production", secret_key="x" * 40, cookie_secure=False).check_production()
    Settings(
        environment="production", secret_key="x" * 40, cookie_secure=True, public_url="https://h.example.cn"
    ).check_production()


def test_tokens_of_the_harness_exist() -> None:
    assert set(TOKENS) >= {"admin", "commander", "county_officer", "verifier", "viewer", "agency"}
    assert auth_headers("agency")["Authorization"].startswith("Bearer hm_")
