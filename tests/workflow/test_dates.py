"""Absurd dates in the workflow are refused before anything is written: the claim's signature time
(locked once made, so it must be right the first time) and the deadline of start and reopen."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import GULOU, create, point
from tests.support.workflow import CLAIM, START, event_count, row, step, transition

pytestmark = pytest.mark.asyncio
REPORTED = "2026-02-10T09:00:00+08:00"


def tomorrow() -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("signed_at", "message"),
    [
        ("0001-01-01T00:00:00", "0001-01-01 is before the day the hazard was reported (2026-02-10)"),
        ("0001-01-01T00:00:00Z", "0001-01-01 is before the day the hazard was reported (2026-02-10)"),
        ("2026-02-09T23:59:00+08:00", "2026-02-09 is before the day the hazard was reported (2026-02-10)"),
        ("9999-12-31T23:59:59", "9999-12-31T23:59:59+08:00 lies in the future; give when it was signed"),
        (None, "lies in the future; give when it was signed"),  # tomorrow
    ],
)
async def test_an_absurd_signature_date_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, signed_at: str | None, message: str
) -> None:
    h = await create(client, "hazards", point(GULOU, reported_at=REPORTED))
    before, events = await row(engine, h["id"]), await event_count(engine, h["id"])
    r = await transition(client, h["id"], '"1"', {**CLAIM, "signed_at": signed_at or tomorrow()})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    [error] = r.json()["errors"]
    assert error["field"] == "signed_at" and message in error["message"], error
    assert await row(engine, h["id"]) == before
    assert await event_count(engine, h["id"]) == events


async def test_a_signature_on_the_day_of_the_report_is_taken(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    h = await create(client, "hazards", point(GULOU, reported_at=REPORTED))
    await step(client, h["id"], {**CLAIM, "signed_at": "2026-02-10"})  # a date alone: midnight
    assert (await row(engine, h["id"]))["claimed_at"] == datetime.fromisoformat("2026-02-10T00:00:00+08:00")


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        ("0001-01-01", "must lie between 1980-01-01 and 2199-12-31; check the year"),
        ("9999-12-31", "must lie between 1980-01-01 and 2199-12-31; check the year"),
        ("2026-02-09", "must not be before the day the hazard was reported (2026-02-10)"),
    ],
)
async def test_an_absurd_deadline_is_refused(
    client: httpx.AsyncClient, engine: AsyncEngine, deadline: str, message: str
) -> None:
    h = await create(client, "hazards", point(GULOU, reported_at=REPORTED))
    await step(client, h["id"], CLAIM)
    before, events = await row(engine, h["id"]), await event_count(engine, h["id"])
    r = await transition(client, h["id"], f'"{before["version"]}"', {**START, "deadline": deadline})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "deadline", "message": message}]
    assert await row(engine, h["id"]) == before
    assert await event_count(engine, h["id"]) == events
