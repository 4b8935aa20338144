"""The statistics' summary at scale: the configured city only, and exactly the answer of the row-by-week
computation it replaced (``summary_before.sql``, kept here as the oracle) over a mixed ledger written by
concurrent writers, a third of whose transactions roll back."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from app import clock, overdue
from app.settings import get_settings
from app.stats import service
from app.vocab import OPEN_STATUSES, Grade, RoadGroup
from tests.support.hazards import BOJIQIAO, GULOU, TONGCHENG, YANTA

BEFORE = text((Path(__file__).parent / "summary_before.sql").read_text(encoding="utf-8"))

# Hazards of every status, reported over the last fifteen weeks (around Monday midnight in Beijing
# too), some closed with and some without a time, claimed at a time or not, with or without a deadline,
# listed for supervision or not.
INSERT = text(
    """
    INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom, reported_at,
                         claimed_at, closed_at, deadline, supervision_level)
    SELECT 'point', c.codes[1 + floor(random() * cardinality(c.codes))::int], 'explicit',
           (ARRAY['general', 'significant', 'major'])[1 + floor(random() * 3)::int], 'inspection', r.status,
           ST_SetSRID(ST_MakePoint(CAST(:x AS float8), CAST(:y AS float8)), 4326), r.reported_at,
           CASE WHEN r.status <> 'reported' AND random() < 0.7
                THEN r.reported_at + random() * interval '20 days' END,
           CASE WHEN r.status = 'closed' AND random() < 0.8
                THEN least(r.reported_at + random() * interval '40 days', now()) END,
           CASE WHEN random() < 0.7 THEN (r.reported_at + random() * interval '30 days')::date END,
           CASE WHEN random() < 0.2 THEN 'city' END
      FROM (SELECT array_agg(code) AS codes FROM categories) c
     CROSS JOIN (
           SELECT s AS status,
                  date_trunc('week', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
                      - floor(random() * 15) * interval '1 week'
                      + (ARRAY[interval '0', interval '1 minute', interval '3 days 7 hours',
                               interval '6 days 23 hours 59 minutes'])[1 + floor(random() * 4)::int]
                      - interval '1 minute' * floor(random() * 2) AS reported_at
             FROM unnest(CAST(:statuses AS text[])) s
     ) r
     WHERE r.reported_at < now()
    """
)
STATUSES = ["reported", "claimed", "rectifying", "rectified", "closed", "closed", "rejected", "duplicate"]


async def _both(conn: AsyncConnection) -> tuple[str, str]:
    """The summary as the service computes it and as the old SQL did, in the connection's snapshot."""
    now_ = await service.summary(AsyncSession(bind=conn))
    params = {
        "tz": clock.TIME_ZONE,
        "city_code": get_settings().city_code,
        "open_statuses": [s.value for s in OPEN_STATUSES],
        "road_groups": [*RoadGroup.codes(), service.NO_ROAD_GROUP],
        "grades": Grade.codes(),
        "weeks": service.WEEKS_DEFAULT,
        **overdue.params(),
    }
    before = (await conn.execute(BEFORE, params)).scalar_one()
    return now_, before


async def test_the_city_counts_only_its_own_hazards(isolated_db: str) -> None:
    """A database holding a second city: its hazards count neither in the configured city's row nor in
    the series."""
    eng = create_async_engine(isolated_db)
    try:
        async with eng.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO jurisdictions (code, name, level, parent_code) VALUES"
                    " ('370100', '济南市', 'city', NULL), ('370102', '历下区', 'county', '370100'),"
                    " ('370102001', '解放路街道', 'township', '370102')"
                )
            )
            x, y = GULOU
            places = [("371502", "371502001")] + [("370102", "370102001")] * 2
            for county, township in places:
                await conn.execute(
                    text(
                        "INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom,"
                        " county_code, township_code, reported_at, deadline)"
                        " VALUES ('point', 'JC01', 'explicit', 'general', 'inspection', 'reported',"
                        " ST_SetSRID(ST_MakePoint(:x, :y), 4326), :county, :township,"
                        " now() - interval '100 days', CURRENT_DATE - 30)"
                    ),
                    {"x": x, "y": y, "county": county, "township": township},
                )
        async with AsyncSession(eng) as session:
            body = json.loads(await service.summary(session))
    finally:
        await eng.dispose()
    city = body["city"]
    assert city["code"] == "371500"
    assert (city["found"], city["open"], city["overdue"]) == (1, 1, 1)
    assert city["weekly"]["open"] == [1] * 12
    assert city["by_grade"]["general"]["found"] == 1
    assert sum(c["found"] for c in city["by_category"]) == 1
    assert "370102" not in {u["code"] for u in body["counties"]}
    assert next(u for u in body["counties"] if u["code"] == "371502")["found"] == 1


async def test_the_summary_equals_the_old_computation_under_concurrent_writes(
    app_engine: AsyncEngine, engine: AsyncEngine
) -> None:
    """Four writers as the service (set-wise inserts of every status, status changes, close-outs, soft
    deletes; a third of their transactions rolled back) while a watcher compares, in one repeatable-read
    snapshot at a time, the summary with the old computation: the same text every time (``as_of`` is
    the snapshot's transaction time in both)."""
    places = [GULOU, BOJIQIAO, YANTA, TONGCHENG]
    done = asyncio.Event()
    compared: list[bool] = []
    mismatches: list[str] = []

    async def writer(k: int) -> None:
        rng = random.Random(k)
        for i in range(8):
            async with app_engine.connect() as conn:
                tx = await conn.begin()
                x, y = places[(k + i) % len(places)]
                picked = [rng.choice(STATUSES) for _ in range(rng.randint(3, 12))]
                await conn.execute(INSERT, {"x": x, "y": y, "statuses": picked})
                await conn.execute(
                    text(
                        "UPDATE hazards SET status = :s WHERE id IN (SELECT id FROM hazards"
                        " WHERE deleted_at IS NULL ORDER BY random() LIMIT 2 FOR UPDATE SKIP LOCKED)"
                    ),
                    {"s": rng.choice(STATUSES)},
                )
                await conn.execute(
                    text(
                        "UPDATE hazards SET status = 'closed', closed_at = now() WHERE id IN (SELECT id"
                        " FROM hazards WHERE deleted_at IS NULL AND status = 'rectified'"
                        " ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)"
                    )
                )
                if i % 3 == 1:
                    await conn.execute(
                        text(
                            "UPDATE hazards SET deleted_at = now() WHERE id IN (SELECT id FROM hazards"
                            " WHERE deleted_at IS NULL ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)"
                        )
                    )
                await asyncio.sleep(0)
                if rng.random() < 1 / 3:
                    await tx.rollback()
                else:
                    await tx.commit()

    async def watcher() -> None:
        while not done.is_set():
            async with engine.connect() as conn:
                await conn.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
                now_, before = await _both(conn)
                await conn.execute(text("COMMIT"))
            compared.append(True)
            if now_ != before:
                mismatches.append(f"{now_}\n!=\n{before}")
            await asyncio.sleep(0.01)

    background = asyncio.create_task(watcher())
    try:
        await asyncio.gather(*(writer(k) for k in range(4)))
    finally:
        done.set()
        await background
    assert mismatches == []
    async with engine.connect() as conn:
        now_, before = await _both(conn)
        counts = (
            await conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(DISTINCT status),"
                    " count(*) FILTER (WHERE closed_at IS NOT NULL),"
                    " count(*) FILTER (WHERE deleted_at IS NOT NULL)"
                    " FROM hazards"
                )
            )
        ).one()
    assert now_ == before
    assert len(compared) >= 2
    # the ledger exercised every kind of row
    assert counts[0] > 40 and counts[1] >= 6 and counts[2] > 0 and counts[3] > 0
    body = json.loads(now_)
    weekly = body["city"]["weekly"]
    assert all(sum(weekly[k]) > 0 for k in ("found", "closed", "open", "overdue"))
