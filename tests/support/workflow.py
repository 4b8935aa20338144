"""Driving the workflow through the API: a transition with its If-Match, a step that must succeed,
and reading a hazard's row and history back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import auth_headers

CLAIM = {"action": "claim", "name": "张三", "post": "副区长", "unit": "东昌府区人民政府"}
START = {"action": "start", "measures": "增设减速带", "interim_measures": "临时限速40"}


async def transition(
    client: httpx.AsyncClient, hazard_id: int, etag: str | None, body: dict[str, Any], user: str | None = None
) -> httpx.Response:
    """As ``user`` (a role of the harness's TOKENS); by default the client's own admin, but a close-out
    by the second admin, since the one who marked a hazard rectified may not close it out."""
    if user is None and body.get("action") == "close":
        user = "admin2"
    headers = auth_headers(user) if user else {}
    if etag is not None:
        headers["If-Match"] = etag
    return await client.post(f"/api/v1/hazards/{hazard_id}/transitions", json=body, headers=headers)


async def row(engine: AsyncEngine, hazard_id: int) -> dict[str, Any]:
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT * FROM hazards WHERE id = :id"), {"id": hazard_id})
        return dict(found.mappings().one())


async def event_count(engine: AsyncEngine, hazard_id: int) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM hazard_events WHERE hazard_id = :id"), {"id": hazard_id}
        )
        return int(found.scalar_one())


async def step(
    client: httpx.AsyncClient, hazard_id: int, body: dict[str, Any], user: str | None = None
) -> Any:
    current = await client.get(f"/api/v1/hazards/{hazard_id}")
    r = await transition(client, hazard_id, current.headers["ETag"], body, user)
    assert r.status_code == 200, r.text
    return r.json()["properties"]


def beijing_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()
