"""The notification centre's page and the navigation's bell, as HTML: paging, the cap, refusals."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers


def officer() -> dict[str, str]:
    return auth_headers("county_officer")


async def _notify(engine: AsyncEngine, n: int, login: str = "t-officer") -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO notifications (user_id, event, county_code)"
                " SELECT u.id, 'created', '371502' FROM users u, generate_series(1, :n)"
                " WHERE u.login = :login"
            ),
            {"n": n, "login": login},
        )


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="nf-item[^"]*" data-id="(\d+)"', html)]


async def test_pages_of_thirty_newest_first(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await _notify(engine, 35)
    first = await client.get("/notifications", headers=officer())
    assert first.status_code == 200
    ids = _ids(first.text)
    assert len(ids) == 30 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="/notifications\?before=(\d+)" rel="next"', first.text)
    assert older is not None and int(older.group(1)) == ids[-1]
    second = await client.get(f"/notifications?before={ids[-1]}", headers=officer())
    rest = _ids(second.text)
    assert len(rest) == 5 and max(rest) < min(ids)
    assert 'rel="next"' not in second.text and 'rel="first"' in second.text
    assert "共 35 条未读" in first.text


async def test_the_bell_counts_at_most_99_and_only_for_users(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await _notify(engine, 120)
    page = await client.get("/todo", headers=officer())
    assert re.search(r"<b class=\"hm-bell-count\" data-unread>99\+</b>", page.text)
    assert 'aria-label="通知（99+ 条未读）"' in page.text  # the label counts as far as the bell does
    assert (await client.get("/api/v1/notifications/unread", headers=officer())).json() == {"unread": 120}
    # The admin has none: a bell without a count; and a link to the base maps.
    admin = await client.get("/")
    assert re.search(r"<b class=\"hm-bell-count\" data-unread hidden>0</b>", admin.text)
    assert 'href="/admin/basemaps"' in admin.text
    assert 'href="/admin/basemaps"' not in page.text
    # No bell where there is no navigation (the field app, a record's printable version).
    field = await client.get("/field", headers=officer())
    assert field.status_code == 200 and "data-bell" not in field.text


async def test_bad_input_is_refused_and_strangers_log_in(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    for query in ("before=abc", "before=0", "unread=maybe"):
        r = await client.get(f"/notifications?{query}", headers=officer())
        assert r.status_code == 422, query
        assert r.headers["content-type"] == "application/problem+json"
    r = await anonymous.get("/notifications")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fnotifications"
