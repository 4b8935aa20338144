"""Events reach their recipients by role and jurisdiction, in the transaction of the change."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers
from tests.support.hazards import GULOU, create, point
from tests.support.workflow import CLAIM, START, step, transition


async def _told(engine: AsyncEngine, hazard_id: int) -> list[tuple[str, str, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT n.event, u.login, n.detail FROM notifications n JOIN users u ON u.id = n.user_id"
                " WHERE n.hazard_id = :id ORDER BY n.id, u.login"
            ),
            {"id": hazard_id},
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_each_event_reaches_its_recipients_and_nobody_else(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    h = await create(client, "hazards", point(GULOU))  # by the admin: the county's officer hears
    await step(client, h["id"], CLAIM, "county_officer")  # the commander hears; the officer acted
    await step(client, h["id"], {"action": "list", "level": "city", "reason": "久拖未改"}, "commander")
    await step(client, h["id"], START, "county_officer")  # no event
    await step(client, h["id"], {"action": "rectify", "evidence": "已完成施工"}, "county_officer")
    close = {"action": "close", "verifier": "李四", "verification": "合格"}
    await step(client, h["id"], close, "verifier")  # no event
    await step(client, h["id"], {"action": "delist"}, "commander")
    assert await _told(engine, h["id"]) == [
        ("created", "t-officer", None),
        ("claimed", "t-commander", None),
        ("listed", "t-officer", "city"),
        ("listed", "t-verifier", "city"),
        ("listed", "t-verifier2", "city"),
        ("rectified", "t-verifier", None),
        ("rectified", "t-verifier2", None),
        ("delisted", "t-officer", None),
        ("delisted", "t-verifier", None),
        ("delisted", "t-verifier2", None),
    ]


async def test_a_refused_change_tells_nobody(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU))
    current = await client.get(f"/api/v1/hazards/{h['id']}")
    r = await transition(client, h["id"], current.headers["ETag"], {**CLAIM, "post": ""}, "county_officer")
    assert r.status_code == 422
    assert await _told(engine, h["id"]) == [("created", "t-officer", None)]


async def test_the_centre_lists_marks_read_and_counts(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], CLAIM, "county_officer")
    await step(client, h["id"], START, "county_officer")
    await step(client, h["id"], {"action": "rectify", "evidence": "已完成施工"}, "county_officer")
    verifier = auth_headers("verifier")

    listed = (await client.get("/api/v1/notifications", headers=verifier)).json()
    assert listed["unread"] == 1
    [item] = listed["items"]
    assert (item["event"], item["title"], item["hazard_id"], item["url"], item["read"]) == (
        "rectified",
        "隐患已整改，待核验",
        h["id"],
        f"/hazards/{h['id']}",
        False,
    )
    assert item["ledger_no"] == h["properties"]["ledger_no"]
    english = (await client.get("/api/v1/notifications?lang=en", headers=verifier)).json()
    assert english["items"][0]["title"] == "Hazard rectified, awaiting verification"

    # Another user's notification is not theirs to mark: 404, and it stays unread.
    r = await client.post(f"/api/v1/notifications/{item['id']}/read", headers=auth_headers("viewer"))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/notifications/unread", headers=verifier)).json() == {"unread": 1}

    r = await client.post(f"/api/v1/notifications/{item['id']}/read", headers=verifier)
    assert r.json() == {"marked": 1}
    assert (await client.get("/api/v1/notifications/unread", headers=verifier)).json() == {"unread": 0}
    assert (await client.get("/api/v1/notifications?unread=true", headers=verifier)).json()["items"] == []

    await step(client, h["id"], {"action": "list", "level": "county", "reason": "久拖未改"}, "commander")
    r = await client.post("/api/v1/notifications/read", headers=verifier)
    assert r.json() == {"marked": 1}
    assert (await client.get("/api/v1/notifications/unread", headers=verifier)).json() == {"unread": 0}


async def test_bad_input_and_keys_are_refused(client: httpx.AsyncClient) -> None:
    verifier = auth_headers("verifier")
    r = await client.get("/api/v1/notifications?limit=0", headers=verifier)
    assert r.status_code == 422 and "limit" in r.text
    r = await client.post("/api/v1/notifications/abc/read", headers=verifier)
    assert r.status_code == 422 and "id" in r.text
    r = await client.get("/api/v1/notifications", headers=auth_headers("agency"))
    assert r.status_code == 403
