"""The workflow end to end: fields, the history it leaves, and the refusals that change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import GULOU, LIUYUAN, create, point, segment
from tests.support.workflow import CLAIM, START, beijing_today, event_count, row, step, transition


async def test_the_whole_ledger_path_and_its_history(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU, grade="significant"))
    await step(client, h["id"], {**CLAIM, "note": "已签字"}, "county_officer")
    p = await step(client, h["id"], START, "county_officer")
    # No deadline given: the grade's default from settings (significant: 15 days).
    assert p["deadline"] == (beijing_today() + timedelta(days=15)).isoformat()
    assert p["overdue"] is False
    await step(client, h["id"], {"action": "rectify", "evidence": "已完成施工"}, "county_officer")
    p = await step(
        client, h["id"], {"action": "close", "verifier": "李四", "verification": "合格"}, "verifier"
    )
    assert p["status"] == "closed"

    stored = await row(engine, h["id"])
    assert (stored["claim_name"], stored["claim_post"], stored["claim_unit"]) == (
        "张三",
        "副区长",
        "东昌府区人民政府",
    )
    assert stored["rectified_by"] == "东昌府民警（t-officer）"
    assert (stored["verifier"], stored["verification"]) == ("李四", "合格")
    assert stored["claimed_at"] is not None and stored["closed_at"] is not None

    events = (await client.get(f"/api/v1/hazards/{h['id']}/history")).json()["events"]
    assert [(e["action"], e["actor"], e["note"]) for e in events] == [
        ("create", "测试管理员（t-admin）", None),
        ("claim", "东昌府民警（t-officer）", "已签字"),
        ("start", "东昌府民警（t-officer）", None),
        ("rectify", "东昌府民警（t-officer）", None),
        ("close", "东昌府核验员（t-verifier）", None),
    ]
    assert events[1]["changes"]["status"] == ["reported", "claimed"]
    assert events[4]["changes"]["status"] == ["rectified", "closed"]


async def test_missing_fields_are_named_and_nothing_changes(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    h = await create(client, "hazards", point(GULOU))
    before = await row(engine, h["id"])
    r = await transition(client, h["id"], '"1"', {"action": "claim", "name": "张三", "post": ""})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "post", "message": "required for 'claim'"},
        {"field": "unit", "message": "required for 'claim'"},
    ]
    assert r.json()["detail"] == "'claim' needs post, unit"
    assert await row(engine, h["id"]) == before


async def test_unknown_action_and_unknown_field(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU))
    r = await transition(client, h["id"], '"1"', {"action": "fix"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "action"
    r = await transition(client, h["id"], '"1"', {**CLAIM, "signature": "x"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "signature"


async def test_if_match_is_required_and_checked(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU))
    assert (await transition(client, h["id"], None, CLAIM)).status_code == 428
    assert (await transition(client, h["id"], '"7"', CLAIM)).status_code == 412
    assert (await row(engine, h["id"]))["status"] == "reported"


async def test_the_verifier_is_not_who_marked_it_rectified(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], CLAIM)
    await step(client, h["id"], START)
    # The admin may do everything, and marks it rectified.
    await step(client, h["id"], {"action": "rectify", "evidence": "完成"}, "admin")
    before = await row(engine, h["id"])
    events = await event_count(engine, h["id"])
    admin = "测试管理员（t-admin）"
    assert before["rectified_by"] == admin
    r = await transition(
        client,
        h["id"],
        f'"{before["version"]}"',
        {"action": "close", "verifier": admin, "verification": "ok"},
        user="verifier",
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "verifier", "message": f"the verifier must not be {admin}, who marked the hazard rectified"}
    ]
    assert await row(engine, h["id"]) == before
    # Nor may the rectifying user close it out under another verifier's name: checked by the user.
    r = await transition(
        client,
        h["id"],
        f'"{before["version"]}"',
        {"action": "close", "verifier": "李四", "verification": "ok"},
        user="admin",
    )
    assert r.status_code == 403
    assert r.json()["detail"] == f"{admin} marked the hazard rectified; another verifier must close it out"
    assert await row(engine, h["id"]) == before
    assert await event_count(engine, h["id"]) == events
    # Another user can.
    p = await step(client, h["id"], {"action": "close", "verifier": "李四", "verification": "ok"}, "verifier")
    assert p["status"] == "closed"


async def test_the_signature_cannot_be_edited(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], {**CLAIM, "signed_at": "2026-03-03T10:00:00+08:00"})
    stored = await row(engine, h["id"])
    assert stored["claimed_at"] == datetime.fromisoformat("2026-03-03T10:00:00+08:00")
    with pytest.raises(DBAPIError, match="is signed and cannot be changed"):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE hazards SET claim_name = '王五' WHERE id = :id"), {"id": h["id"]})
    assert (await row(engine, h["id"]))["claim_name"] == "张三"


async def test_a_given_deadline_wins_and_overdue_is_derived(client: httpx.AsyncClient) -> None:
    h = await create(client, "hazards", point(GULOU, grade="major"))
    await step(client, h["id"], CLAIM)
    p = await step(client, h["id"], {**START, "deadline": "2026-03-10"})
    assert (p["deadline"], p["overdue"]) == ("2026-03-10", True)
    other = await create(client, "hazards", point(LIUYUAN, grade="major"))
    await step(client, other["id"], CLAIM)
    p = await step(client, other["id"], START)
    assert p["deadline"] == (beijing_today() + timedelta(days=7)).isoformat()


async def test_reopen_clears_the_old_check(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], CLAIM)
    await step(client, h["id"], START)
    await step(client, h["id"], {"action": "rectify", "evidence": "完成"}, "county_officer")
    await step(client, h["id"], {"action": "close", "verifier": "b", "verification": "ok"}, "verifier")
    p = await step(client, h["id"], {"action": "reopen", "reason": "再次发生事故"}, "verifier2")
    assert p["status"] == "rectifying"
    stored = await row(engine, h["id"])
    assert (stored["verifier"], stored["closed_at"], stored["rectified_by"]) == (None, None, None)
    assert stored["claim_name"] == "张三"  # the signature stays
    events = (await client.get(f"/api/v1/hazards/{h['id']}/history")).json()["events"]
    assert (events[-1]["action"], events[-1]["note"]) == ("reopen", "再次发生事故")


async def test_reject_keeps_its_reason(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], {"action": "reject", "reason": "不属于道路隐患"})
    assert (await row(engine, h["id"]))["reject_reason"] == "不属于道路隐患"


async def test_duplicate_points_at_another_hazard(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    first = await create(client, "hazards", point(GULOU))
    h = await create(client, "hazards", point(LIUYUAN))
    for bad in (h["id"], 999):
        r = await transition(client, h["id"], '"1"', {"action": "duplicate", "of": bad})
        assert r.status_code == 422
        assert r.json()["errors"] == [{"field": "of", "message": f"{bad} is not another hazard that exists"}]
    p = await step(client, h["id"], {"action": "duplicate", "of": first["id"]})
    assert (p["status"], p["duplicate_of"]) == ("duplicate", first["id"])


async def test_segments_take_the_same_workflow(client: httpx.AsyncClient) -> None:
    s = await create(client, "segments", segment([(115.95, 36.46), (115.96, 36.46)]))
    r = await client.post(f"/api/v1/segments/{s['id']}/transitions", json=CLAIM, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["status"] == "claimed"
    # A segment's id is not a point's.
    r = await client.post(f"/api/v1/hazards/{s['id']}/transitions", json=CLAIM, headers={"If-Match": '"2"'})
    assert r.status_code == 404
