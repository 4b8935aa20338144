"""Headers on every response, the session cookie's Secure flag, links that never follow the Host header."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from app.settings import Settings, get_settings
from tests.support.accounts import TEST_PASSWORD
from tests.support.hazards import GULOU, LIUYUAN, create, point
from tests.support.photos import image_bytes, upload

SAMPLES = [
    "/healthz",
    "/api/v1/hazards",  # 401 problem for the anonymous client
    "/login",
    "/static/maps/maps.css",
    "/ogc",
    "/no/such/path",
]


@pytest.mark.parametrize("path", SAMPLES)
async def test_every_response_says_nosniff_and_its_referrer_policy(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    r = await anonymous.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in r.headers  # http://testserver: no HSTS


async def test_too_large_body_and_errors_carry_them_too(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/hazards", content=b"x", headers={"Content-Length": str(10**9)})
    assert r.status_code == 413 and r.headers["x-content-type-options"] == "nosniff"


async def test_hsts_when_the_public_url_is_https(
    anonymous: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "public_url", "https://hazards.example.cn")
    r = await anonymous.get("/healthz")
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    monkeypatch.setattr(get_settings(), "hsts_seconds", 0)
    assert "strict-transport-security" not in (await anonymous.get("/healthz")).headers


async def test_a_jpeg_with_html_appended_is_served_as_jpeg_not_sniffed(
    clients: dict[str, httpx.AsyncClient], photo_dir: Path
) -> None:
    hazard = await create(clients["admin"], "hazards", point(GULOU))
    polyglot = image_bytes("JPEG") + b"<html><script>alert(document.cookie)</script></html>"
    r = await upload(clients["admin"], hazard["id"], polyglot, user="admin")
    assert r.status_code == 201, r.text
    photo = await clients["viewer"].get(f"/api/v1/photos/{r.json()['id']}")
    assert photo.status_code == 200 and photo.content == polyglot
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_secure_by_default_outside_development() -> None:
    assert Settings(environment="development").secure_cookies is False
    assert Settings(environment="test").secure_cookies is True
    assert Settings(environment="production").secure_cookies is True
    assert Settings(environment="test", cookie_secure=False).secure_cookies is False
    assert Settings(environment="development", cookie_secure=True).secure_cookies is True


async def test_login_sets_a_secure_cookie_when_so_configured(
    anonymous: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "cookie_secure", None)
    monkeypatch.setattr(get_settings(), "environment", "test")
    # Over https, as a browser would have to: a Secure cookie is never sent over plain HTTP.
    form = await anonymous.get("https://testserver/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None and "secure" in form.headers["set-cookie"].lower()
    r = await anonymous.post(
        "https://testserver/login",
        data={"login": "t-viewer", "password": TEST_PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert r.status_code == 303
    session_cookie = [c for c in r.headers.get_list("set-cookie") if c.startswith("hazardmap_session=")]
    assert len(session_cookie) == 1 and "; secure" in session_cookie[0].lower()


def test_production_needs_a_public_url() -> None:
    with pytest.raises(RuntimeError, match="HAZARDMAP_PUBLIC_URL"):
        Settings(environment="production", secret_key="x" * 40, public_url="").check_production()
    Settings(
        environment="production", secret_key="x" * 40, public_url="https://h.example.cn"
    ).check_production()
    assert Settings(public_url="").base_url == "http://127.0.0.1:8000"
    assert Settings(public_url="https://h.example.cn/hm/").base_url == "https://h.example.cn/hm"


HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def _hrefs(value: object) -> list[str]:
    """Every string under a "href" key, or in a "tiles" list, anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("href", "$id") and isinstance(v, str):
                found.append(v)
            elif k == "tiles" and isinstance(v, list):
                found += [t for t in v if isinstance(t, str)]
            else:
                found += _hrefs(v)
    elif isinstance(value, list):
        for v in value:
            found += _hrefs(v)
    return found


async def test_links_come_from_the_public_url_never_from_the_host_header(
    client: httpx.AsyncClient, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "public_url", "https://hazards.example.cn")
    first = await create(client, "hazards", point(GULOU))
    await create(client, "hazards", point(LIUYUAN))
    assert (await upload(client, first["id"], image_bytes("JPEG"), user="admin")).status_code == 201
    paths = [
        "/ogc",
        "/ogc/collections",
        "/ogc/collections/hazards",
        "/ogc/collections/hazards/items?limit=1",
        f"/ogc/collections/hazards/items/{first['id']}",
        "/ogc/collections/hazards/queryables",
        "/ogc/collections/roads/items?limit=1",
        "/tiles/hazards.json?status=reported",
        "/api/v1/hazards?limit=1",
        "/api/v1/segments?limit=1",
        "/api/v1/roads?limit=1",
        "/api/v1/jurisdictions?level=county",
        f"/api/v1/hazards/{first['id']}/photos",
    ]
    for path in paths:
        r = await client.get(path, headers=HOSTILE)
        assert r.status_code == 200, (path, r.text)
        assert "evil.example" not in r.text, path
        hrefs = _hrefs(r.json())
        assert hrefs, path
        assert all(h.startswith("https://hazards.example.cn/") for h in hrefs), (path, hrefs)
    page = await client.get("/api/v1/hazards?limit=1", headers=HOSTILE)
    nxt = [link["href"] for link in page.json()["links"] if link["rel"] == "next"]
    assert nxt == ["https://hazards.example.cn/api/v1/hazards?limit=1&offset=1"]
    html = await client.get("/ogc/collections/hazards/items?f=html", headers=HOSTILE)
    assert html.status_code == 200 and "evil.example" not in html.text
    created = await client.post("/api/v1/hazards?on_duplicate=create", json=point(GULOU), headers=HOSTILE)
    assert created.status_code == 201 and "evil.example" not in created.headers["location"]
    # Unconfigured (development): the development address, still not the Host header.
    monkeypatch.setattr(get_settings(), "public_url", "")
    landing = await client.get("/ogc", headers=HOSTILE)
    assert all(h.startswith("http://127.0.0.1:8000/") for h in _hrefs(landing.json()))
