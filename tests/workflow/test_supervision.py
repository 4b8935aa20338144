"""挂牌督办: listing and delisting through the workflow, the hazard's properties, the suggestions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.hazards.lifecycle import Action
from app.workflow.schemas import MODELS
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, YANTA, create, point
from tests.support.workflow import CLAIM, START, row, step, transition


async def test_list_then_delist_once_closed(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU))
    p = h["properties"]
    assert (p["supervised"], p["supervision_level"], p["supervised_since"]) == (False, None, None)
    p = await step(client, h["id"], {"action": "list", "level": "county", "reason": "久拖未改"}, "commander")
    assert (p["supervised"], p["supervision_level"], p["status"]) == (True, "county", "reported")
    assert p["supervised_since"] is not None

    before = await row(engine, h["id"])
    r = await transition(
        client, h["id"], f'"{before["version"]}"', {"action": "list", "level": "city", "reason": "x"}
    )
    assert r.status_code == 409
    assert r.json()["detail"] == f"hazard point {h['id']} is already listed for supervision (county)"
    assert await row(engine, h["id"]) == before

    await step(client, h["id"], CLAIM)
    await step(client, h["id"], START)
    await step(client, h["id"], {"action": "rectify", "evidence": "完成"}, "admin")
    before = await row(engine, h["id"])
    r = await transition(client, h["id"], f'"{before["version"]}"', {"action": "delist"})
    assert r.status_code == 409
    assert r.json()["detail"].startswith("'delist' is not allowed from state 'rectified'")
    await step(client, h["id"], {"action": "close", "verifier": "b", "verification": "合格"}, "admin2")
    p = await step(client, h["id"], {"action": "delist", "note": "整改合格, 摘牌"}, "commander")
    assert (p["supervised"], p["supervision_level"], p["status"]) == (False, None, "closed")

    events = (await client.get(f"/api/v1/hazards/{h['id']}/history")).json()["events"]
    assert [(e["action"], e["note"]) for e in events if e["action"] in ("list", "delist")] == [
        ("list", "久拖未改"),
        ("delist", "整改合格, 摘牌"),
    ]
    stored = await row(engine, h["id"])
    assert stored["supervision_reason"] is None


async def test_delisting_what_is_not_listed_is_refused(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU))
    for action in ("claim", "start", "rectify", "close"):
        fields = {**CLAIM, **START, "evidence": "e", "verifier": "v", "verification": "ok"}
        own = {k: v for k, v in fields.items() if k in MODELS[Action(action)].model_fields}
        await step(client, h["id"], {**own, "action": action}, "admin2" if action == "close" else "admin")
    r = await transition(client, h["id"], '"5"', {"action": "delist"})
    assert r.status_code == 409
    assert (
        r.json()["detail"]
        == f"hazard point {h['id']} is not listed for supervision; there is nothing to delist"
    )


async def test_level_must_be_city_or_county(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU))
    r = await transition(client, h["id"], '"1"', {"action": "list", "level": "province", "reason": "x"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "level"


async def test_suggestions(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    overdue = await create(
        client, "hazards", point(GULOU, deadline="2026-01-05", reported_at="2026-01-01T08:00:00+08:00")
    )
    # Reported today: not yet past the claim's last day (an unclaimed one is overdue after 7 days).
    today = datetime.now(timezone(timedelta(hours=8))).isoformat()
    major = await create(client, "hazards", point(LIUYUAN, grade="major", reported_at=today))
    listed = await create(client, "hazards", point(BOJIQIAO, grade="major"))
    await step(client, listed["id"], {"action": "list", "level": "city", "reason": "重大隐患"})
    fine = await create(client, "hazards", point(YANTA, reported_at=today))
    closed_late = await create(
        client, "hazards", point(GULOU, deadline="2026-01-05", reported_at="2026-01-01T08:00:00+08:00")
    )
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE hazards SET status = 'closed' WHERE id = :id"), {"id": closed_late["id"]}
        )

    r = await client.get("/api/v1/supervision/suggestions")
    assert r.status_code == 200
    body = r.json()
    assert [s["id"] for s in body] == [overdue["id"], major["id"]]
    assert body[0]["reasons"] == ["overdue"] and body[0]["overdue"] is True and body[0]["days_overdue"] > 0
    assert body[1]["reasons"] == ["major"] and body[1]["days_overdue"] is None
    assert body[0]["ledger_no"] == overdue["properties"]["ledger_no"]
    assert fine["id"] not in [s["id"] for s in body]
