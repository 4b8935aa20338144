"""/api/v1/notifications/preferences: defaults without rows, partial updates, the e-mail address
checked, a user's own only."""

from __future__ import annotations

import httpx

from tests.support.accounts import auth_headers
from tests.support.smtp import Mailbox

API = "/api/v1/notifications/preferences"


def _table(prefs: dict) -> dict[str, tuple[bool, bool, bool]]:
    return {e["event"]: (e["inapp"], e["email"], e["digest"]) for e in prefs["events"]}


async def test_defaults_then_a_partial_update(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    officer = auth_headers("county_officer")
    r = await client.get(API, headers=officer)
    assert r.status_code == 200
    prefs = r.json()
    assert (prefs["email"], prefs["email_available"], prefs["digest_at"]) == (
        "officer@jj.example.cn",
        True,
        "08:00",
    )
    table = _table(prefs)
    assert table["created"] == (True, False, True)
    assert table["rectified"] == (True, True, True)
    assert table["listed"] == (True, True, True)
    assert prefs["events"][0]["title"] == "辖区新增隐患"

    body = {
        "email": " Zhang.San@JJ.example.cn ",
        "events": [{"event": "created", "email": True, "digest": False}],
    }
    r = await client.put(API, json=body, headers=officer, params={"lang": "en"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["email"] == "Zhang.San@jj.example.cn"  # the domain in its normal form
    assert _table(after)["created"] == (True, True, False)
    assert _table(after)["rectified"] == (True, True, True)  # left out: unchanged
    assert after["events"][0]["title"] == "New hazard in your jurisdiction"
    # Another user's choices are their own.
    assert _table((await client.get(API, headers=auth_headers("verifier"))).json())["created"] == (
        True,
        False,
        True,
    )

    r = await client.put(API, json={"email": None}, headers=officer)
    assert r.json()["email"] is None


async def test_bad_input_is_refused_and_changes_nothing(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    officer = auth_headers("county_officer")
    for body, field in [
        ({"email": "not an address", "events": [{"event": "created", "email": True}]}, "email"),
        ({"events": [{"event": "nothing", "email": True}]}, "event"),
        ({"events": [{"event": "created", "fax": True}]}, "fax"),
    ]:
        r = await client.put(API, json=body, headers=officer)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in r.text
    prefs = (await client.get(API, headers=officer)).json()
    assert prefs["email"] == "officer@jj.example.cn"
    assert _table(prefs)["created"] == (True, False, True)


async def test_an_api_key_has_no_preferences(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    r = await client.get(API, headers=auth_headers("agency"))
    assert r.status_code == 403
    assert (await anonymous.get(API)).status_code == 401
