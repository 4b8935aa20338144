"""The on-time rate (按期整改率) in /api/v1/stats, from close-outs made through the workflow."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point
from tests.support.workflow import CLAIM, START, step


async def _close(client: httpx.AsyncClient, hazard_id: int, deadline: str | None) -> None:
    await step(client, hazard_id, CLAIM)
    await step(client, hazard_id, {**START, "deadline": deadline} if deadline else START)
    await step(client, hazard_id, {"action": "rectify", "evidence": "完成"}, "admin")
    await step(client, hazard_id, {"action": "close", "verifier": "b", "verification": "合格"}, "admin2")


async def test_on_time_rate(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    on_time = await create(client, "hazards", point(GULOU))
    late = await create(client, "hazards", point(LIUYUAN))
    imported = await create(client, "hazards", point(GULOU))
    await _close(client, on_time["id"], None)  # the grade's default deadline, weeks away
    await _close(client, late["id"], "2026-03-10")
    async with engine.begin() as conn:
        # Closed without the workflow (no close-out time): not judged either way.
        await conn.execute(
            text("UPDATE hazards SET status = 'closed', deadline = '2026-12-31' WHERE id = :id"),
            {"id": imported["id"]},
        )
    await create(client, "hazards", point(BOJIQIAO))

    body = (await client.get("/api/v1/stats")).json()
    county = next(u for u in body["counties"] if u["code"] == "371502")
    assert (county["closed"], county["closed_on_time"], county["on_time_rate"]) == (3, 1, 0.5)
    yanggu = next(u for u in body["counties"] if u["code"] == "371521")
    assert (yanggu["closed_on_time"], yanggu["on_time_rate"]) == (0, None)
    assert (body["city"]["closed_on_time"], body["city"]["on_time_rate"]) == (1, 0.5)
