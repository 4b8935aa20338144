"""/api/v1/webhooks: administrators only, secrets written and never read, bad input refused by field."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.accounts import auth_headers

GOOD: dict[str, Any] = {
    "name": "钉钉群",
    "url": "https://oapi.dingtalk.com/robot/send?access_token=abcdef",
    "format": "dingtalk",
    "secret": "SECabcdefgh",
    "events": ["created", "listed"],
    "counties": ["371502"],
}


async def test_create_read_change_delete(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/webhooks", json=GOOD)
    assert r.status_code == 201, r.text
    made = r.json()
    assert r.headers["Location"] == f"/api/v1/webhooks/{made['id']}"
    assert "secret" not in made and made["has_secret"] is True
    assert (
        made["url"] == "https://oapi.dingtalk.com/robot/send?access_token=%2A%2A%2A"
    )  # a robot's token is a secret
    assert (made["format"], made["events"], made["counties"], made["enabled"]) == (
        "dingtalk",
        ["created", "listed"],
        ["371502"],
        True,
    )
    listed = (await client.get("/api/v1/webhooks")).json()
    assert [w["id"] for w in listed] == [made["id"]]
    assert "abcdef" not in (await client.get("/api/v1/webhooks")).text
    assert "SECabcdefgh" not in (await client.get(f"/api/v1/webhooks/{made['id']}")).text

    r = await client.patch(f"/api/v1/webhooks/{made['id']}", json={"enabled": False, "secret": None})
    assert r.status_code == 200, r.text
    assert (r.json()["enabled"], r.json()["has_secret"]) == (False, False)
    r = await client.delete(f"/api/v1/webhooks/{made['id']}")
    assert r.status_code == 204
    r = await client.get(f"/api/v1/webhooks/{made['id']}")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_administrators_only(client: httpx.AsyncClient) -> None:
    for role in ("commander", "county_officer", "viewer", "agency"):
        r = await client.get("/api/v1/webhooks", headers=auth_headers(role))
        assert r.status_code == 403, role
        r = await client.post("/api/v1/webhooks", json=GOOD, headers=auth_headers(role))
        assert r.status_code == 403, role
    r = await client.get("/api/v1/webhook-deliveries", headers={"Authorization": ""})
    assert r.status_code == 401


def _fields(r: httpx.Response) -> list[str]:
    assert r.headers["content-type"] == "application/problem+json", r.text
    return [e["field"] for e in r.json().get("errors", [])]


async def test_bad_input_is_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    cases = [
        ({**GOOD, "url": "ftp://example.com/x"}, 422, "url"),
        ({**GOOD, "url": "file:///etc/passwd"}, 422, "url"),
        ({**GOOD, "url": "javascript:alert(1)"}, 422, "url"),
        ({**GOOD, "url": "http://user:pw@example.com/"}, 422, "url"),
        ({**GOOD, "format": "slack"}, 422, "format"),
        ({**GOOD, "events": ["exploded"]}, 422, "events.0"),
        ({**GOOD, "events": []}, 422, "events"),
        ({**GOOD, "counties": ["999999"]}, 422, "counties"),
        ({**GOOD, "format": "json", "secret": None}, 422, "secret"),
        ({**GOOD, "format": "wecom"}, 422, "secret"),
        ({**GOOD, "secret": "short"}, 422, "secret"),
        ({**GOOD, "colour": "red"}, 422, "colour"),
        ({**GOOD, "url": "http://example.com:99999/"}, 422, "url"),
    ]
    for body, status, field in cases:
        r = await client.post("/api/v1/webhooks", json=body)
        assert r.status_code == status, (body, r.text)
        assert field in _fields(r), (body, r.text)
    assert (await client.get("/api/v1/webhooks")).json() == []  # nothing was made

    made = (await client.post("/api/v1/webhooks", json=GOOD)).json()
    r = await client.post("/api/v1/webhooks", json=GOOD)
    assert r.status_code == 409
    r = await client.patch(f"/api/v1/webhooks/{made['id']}", json={})
    assert r.status_code == 422 and "body" in _fields(r)
    r = await client.patch(f"/api/v1/webhooks/{made['id']}", json={"format": "json", "secret": None})
    assert r.status_code == 422 and "secret" in _fields(r)
    r = await client.patch(f"/api/v1/webhooks/{made['id']}", json={"name": None})
    assert r.status_code == 422 and "name" in _fields(r)
    r = await client.patch("/api/v1/webhooks/999", json={"enabled": True})
    assert r.status_code == 404
    r = await client.post("/api/v1/webhooks/999/test")
    assert r.status_code == 404
    r = await client.get("/api/v1/webhook-deliveries?limit=0")
    assert r.status_code == 422 and "limit" in r.text
    assert (await client.get(f"/api/v1/webhooks/{made['id']}")).json()["name"] == GOOD["name"]
