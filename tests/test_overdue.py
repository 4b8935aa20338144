"""超期 (overdue) has one definition, the SQL functions a migration creates, and every reader uses it.

An open hazard is overdue past its 整改时限, or while it is still not claimed
``claim_within_days`` (default 7) after its report; Beijing days, due on a day means overdue from the next.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import get_settings
from app.vocab import OPEN_STATUSES, Status
from tests.support.hazards import GULOU, LIUYUAN, create, point

BEIJING = timezone(timedelta(hours=8))


async def overdue_on(
    engine: AsyncEngine, status: str, reported: str, deadline: str | None, claim_days: int, day: str
) -> bool:
    async with engine.connect() as conn:
        return bool(
            (
                await conn.execute(
                    text("SELECT hazard_overdue(:s, :r, :d, :c, :t)"),
                    {
                        "s": status,
                        "r": datetime.fromisoformat(reported),
                        "d": None if deadline is None else date.fromisoformat(deadline),
                        "c": claim_days,
                        "t": date.fromisoformat(day),
                    },
                )
            ).scalar_one()
        )


@pytest.mark.parametrize(
    ("status", "reported", "deadline", "claim_days", "day", "expected"),
    [
        # Not claimed: due on the report's Beijing day + 7, overdue from the day after.
        ("reported", "2026-03-01T23:30:00+08:00", None, 7, "2026-03-08", False),
        ("reported", "2026-03-01T23:30:00+08:00", None, 7, "2026-03-09", True),
        # 2026-03-01 16:30 UTC is already 2 March in Beijing.
        ("reported", "2026-03-01T16:30:00+00:00", None, 7, "2026-03-09", False),
        ("reported", "2026-03-01T09:00:00+08:00", None, 0, "2027-01-01", False),  # the rule off
        # Claimed: only the deadline counts.
        ("claimed", "2026-03-01T09:00:00+08:00", None, 7, "2027-01-01", False),
        ("rectifying", "2026-03-01T09:00:00+08:00", "2026-04-01", 7, "2026-04-01", False),
        ("rectifying", "2026-03-01T09:00:00+08:00", "2026-04-01", 7, "2026-04-02", True),
        ("rectified", "2026-03-01T09:00:00+08:00", "2026-04-01", 7, "2026-04-02", True),
        # A deadline earlier than the claim's comes first.
        ("reported", "2026-03-01T09:00:00+08:00", "2026-03-03", 7, "2026-03-04", True),
        # Closed, rejected and duplicate hazards are never overdue.
        ("closed", "2026-03-01T09:00:00+08:00", "2026-04-01", 7, "2027-01-01", False),
        ("rejected", "2026-03-01T09:00:00+08:00", None, 7, "2027-01-01", False),
        ("duplicate", "2026-03-01T09:00:00+08:00", None, 7, "2027-01-01", False),
    ],
)
async def test_the_one_definition(
    engine: AsyncEngine,
    status: str,
    reported: str,
    deadline: str | None,
    claim_days: int,
    day: str,
    expected: bool,
) -> None:
    assert await overdue_on(engine, status, reported, deadline, claim_days, day) is expected


async def test_open_statuses_are_those_of_the_vocabulary(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT s, hazard_due(s, now(), DATE '2026-01-01', 0) IS NOT NULL"
                " FROM unnest(CAST(:s AS text[])) s"
            ),
            {"s": Status.codes()},
        )
        open_in_sql = {s for s, is_open in rows if is_open}
    assert open_in_sql == {s.value for s in OPEN_STATUSES}


def _ago(days: int) -> str:
    return (datetime.now(BEIJING) - timedelta(days=days)).isoformat()


async def _everywhere(client: httpx.AsyncClient, hazard_id: int) -> dict[str, Any]:
    """Whether each reader calls the hazard overdue (the ledger holds only this one)."""
    one = (await client.get(f"/api/v1/hazards/{hazard_id}")).json()["properties"]["overdue"]
    listed = (await client.get("/api/v1/hazards", params={"overdue": "true"})).json()["numberMatched"]
    city = (await client.get("/api/v1/stats")).json()["city"]
    suggested = [s["id"] for s in (await client.get("/api/v1/supervision/suggestions")).json()]
    record = (await client.get(f"/hazards/{hazard_id}")).text
    todo = (await client.get("/todo")).text
    return {
        "feature": one,
        "list": listed,
        "stats": city["overdue"],
        "week": city["weekly"]["overdue"][-1],
        "suggested": hazard_id in suggested,
        "record": 'id="wb-overdue"' in record,
        "todo": re.search(r'<b data-count="overdue">(\d+)</b>', todo)[1],  # type: ignore[index]
    }


async def test_unclaimed_too_long_is_overdue_everywhere(
    client: httpx.AsyncClient, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    late = await create(client, "hazards", point(GULOU, reported_at=_ago(8)))
    await create(client, "hazards", point(LIUYUAN, reported_at=_ago(3)))  # within the 7 days
    everywhere = await _everywhere(client, late["id"])
    assert everywhere == {
        "feature": True, "list": 1, "stats": 1, "week": 1, "suggested": True, "record": True, "todo": "1",
    }  # fmt: skip
    # The record page names the claim's last day.
    record = (await client.get(f"/hazards/{late['id']}")).text
    claim_by = (datetime.now(BEIJING) - timedelta(days=8) + timedelta(days=7)).date()
    assert f"认领时限：<b>{claim_by.isoformat()}</b>" in record

    monkeypatch.setattr(get_settings(), "claim_within_days", 0)
    assert await _everywhere(client, late["id"]) == {
        "feature": False, "list": 0, "stats": 0, "week": 0, "suggested": False, "record": False, "todo": "0",
    }  # fmt: skip
