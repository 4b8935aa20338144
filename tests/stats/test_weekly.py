"""The weekly series of GET /api/v1/stats against counts worked out here from hazards with set dates."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import get_settings
from tests.support.hazards import BOJIQIAO, GULOU, create, point

BEIJING = ZoneInfo("Asia/Shanghai")
COUNTIES = {"371502": GULOU, "371521": BOJIQIAO}
CITY = "371500"


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), BEIJING)


def expected(
    hazards: list[dict], weeks: int, now: datetime
) -> tuple[list[str], dict[str, dict[str, list[int]]]]:
    today = now.astimezone(BEIJING).date()
    starts = [monday(today) - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    labels = [f"{s.isocalendar().year}-W{s.isocalendar().week:02d}" for s in starts]
    series: dict[str, dict[str, list[int]]] = {}
    for unit in [*COUNTIES, CITY]:
        mine = [h for h in hazards if unit in (h["county"], CITY)]
        out: dict[str, list[int]] = {"found": [], "closed": [], "open": [], "overdue": []}
        for s in starts:
            begin = at(s, 0)
            end = min(at(s + timedelta(days=7), 0), now)
            last_day = min(s + timedelta(days=6), today)
            out["found"].append(sum(begin <= h["created"] < end for h in mine))
            out["closed"].append(sum(h["closed"] is not None and begin <= h["closed"] < end for h in mine))
            is_open = [
                h
                for h in mine
                if h["created"] < end
                and h["status"] not in ("rejected", "duplicate")
                and not (h["status"] == "closed" and h["closed"] is None)
                and (h["closed"] is None or h["closed"] >= end)
            ]
            out["open"].append(len(is_open))
            # 超期: past the deadline, or never claimed (status reported) past the claim's last day.
            claim_days = get_settings().claim_within_days
            out["overdue"].append(
                sum(
                    (h["deadline"] is not None and h["deadline"] < last_day)
                    or (
                        h["status"] == "reported"
                        and claim_days > 0
                        and h["created"].astimezone(BEIJING).date() + timedelta(days=claim_days) < last_day
                    )
                    for h in is_open
                )
            )
        series[unit] = out
    return labels, series


@pytest.mark.parametrize("weeks", [12, 5])
async def test_weekly_series_matches_the_dates(
    client: httpx.AsyncClient, engine: AsyncEngine, weeks: int
) -> None:
    rng = random.Random(20261128 + weeks)
    today = datetime.now(BEIJING).date()
    first = monday(today) - timedelta(weeks=14)
    hazards = []
    for i in range(40):
        county = "371502" if i % 3 else "371521"
        created_day = first + timedelta(days=rng.randrange(0, (today - first).days + 1))
        # around midnight on purpose: a week's edge is Monday 00:00 in Beijing, not in UTC
        created = at(created_day, rng.choice([0, 7, 23]), rng.choice([0, 30, 59]))
        created = min(created, datetime.now(BEIJING) - timedelta(minutes=5))  # nothing found in the future
        status = rng.choice(["reported", "claimed", "closed", "closed", "rejected"])
        closed = None
        if status == "closed" and i % 5:  # every fifth closed one without a time, as imported rows are
            closed = created + timedelta(days=rng.randrange(0, 40), minutes=rng.randrange(0, 1440))
            if closed > datetime.now(BEIJING):
                status, closed = "rectifying", None
        deadline = created_day + timedelta(days=rng.randrange(3, 30)) if i % 4 else None
        made = await create(client, "hazards", point(COUNTIES[county]))
        hazards.append(
            {"id": made["id"], "county": county, "created": created, "closed": closed,
             "status": status, "deadline": deadline}
        )  # fmt: skip
    async with engine.begin() as conn:
        for h in hazards:
            await conn.execute(
                text(
                    # reported (发现) in the past, inserted today: the series goes by the reported day
                    "UPDATE hazards SET reported_at = :created, closed_at = :closed, status = :status,"
                    " deadline = :deadline WHERE id = :id"
                ),
                {k: h[k] for k in ("id", "created", "closed", "status", "deadline")},
            )
        # a deleted hazard counts nowhere
        gone = await create(client, "hazards", point(GULOU))
        await conn.execute(text("UPDATE hazards SET deleted_at = now() WHERE id = :id"), {"id": gone["id"]})

    r = await client.get("/api/v1/stats", params={"weeks": weeks})
    now = datetime.now(BEIJING)
    assert r.status_code == 200, r.text
    body = r.json()
    labels, series = expected(hazards, weeks, now)
    assert [w["week"] for w in body["weeks"]] == labels
    assert body["weeks"][-1]["start"] == monday(today).isoformat()
    assert body["city"]["weekly"] == series[CITY]
    counties = {u["code"]: u for u in body["counties"]}
    for code in COUNTIES:
        assert counties[code]["weekly"] == series[code], code
    # the current week's open and overdue are the unit's own figures
    for unit in (body["city"], *counties.values()):
        assert unit["weekly"]["open"][-1] == unit["open"], unit["code"]
        assert unit["weekly"]["overdue"][-1] == unit["overdue"], unit["code"]
    # every other county: zeros, as many as weeks
    assert counties["371522"]["weekly"] == {k: [0] * weeks for k in ("found", "closed", "open", "overdue")}
    # sanity: the fixture exercises every kind of count somewhere
    assert sum(series[CITY]["found"]) > 0 and sum(series[CITY]["open"]) > 0
    if weeks == 12:
        assert sum(series[CITY]["closed"]) > 0 and sum(series[CITY]["overdue"]) > 0


@pytest.mark.parametrize("weeks", ["0", "105", "x"])
async def test_weeks_out_of_range(client: httpx.AsyncClient, weeks: str) -> None:
    r = await client.get("/api/v1/stats", params={"weeks": weeks})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "weeks"


async def test_default_is_twelve_weeks(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/stats")).json()
    assert len(body["weeks"]) == 12
    assert body["city"]["weekly"]["open"] == [0] * 12
