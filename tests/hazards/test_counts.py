"""hazard_counts: the live hazards by county, kind and status, kept by the writes' own triggers, exact
under concurrent writers, rollbacks and compactions; the list's number matched for a county or
status filter comes from it."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tests.support.hazards import BOJIQIAO, GULOU, TONGCHENG, YANTA, create, point

Groups = dict[tuple[str, str, str], int]

TRUTH = text(
    "SELECT county_code, kind, status, count(*) FROM hazards WHERE deleted_at IS NULL GROUP BY 1, 2, 3"
)
COUNTED = text(
    "SELECT county_code, kind, status, sum(n) FROM hazard_counts GROUP BY 1, 2, 3 HAVING sum(n) <> 0"
)
INSERT = text(
    "INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom)"
    " SELECT 'point', 'JC01', 'explicit', 'general', 'inspection', s,"
    "        ST_SetSRID(ST_MakePoint(CAST(:x AS float8), CAST(:y AS float8)), 4326)"
    "   FROM unnest(CAST(:statuses AS text[])) s"
)


async def _groups(conn: AsyncConnection, query: Any) -> Groups:
    return {(r[0], r[1], r[2]): int(r[3]) for r in await conn.execute(query)}


async def test_counts_stay_exact_under_concurrent_writes(
    app_engine: AsyncEngine, engine: AsyncEngine
) -> None:
    """Six writers as the service (set-wise inserts, status changes, soft deletes, moves to another
    county, a third of their transactions rolled back) and two compactions at once: at every moment a
    snapshot's sum of deltas is its count of live rows, and so it is at the end."""
    places = [GULOU, BOJIQIAO, YANTA, TONGCHENG]
    statuses = ["reported", "claimed", "closed", "rectifying"]
    done = asyncio.Event()
    mismatches: list[str] = []

    async def writer(k: int) -> None:
        rng = random.Random(k)
        for i in range(10):
            async with app_engine.connect() as conn:
                tx = await conn.begin()
                x, y = places[(k + i) % len(places)]
                picked = [rng.choice(statuses) for _ in range(rng.randint(1, 4))]
                await conn.execute(INSERT, {"x": x, "y": y, "statuses": picked})
                await conn.execute(
                    text(
                        "UPDATE hazards SET status = :s WHERE id IN (SELECT id FROM hazards"
                        " WHERE deleted_at IS NULL ORDER BY random() LIMIT 2 FOR UPDATE SKIP LOCKED)"
                    ),
                    {"s": rng.choice(statuses)},
                )
                if i % 3 == 1:
                    await conn.execute(
                        text(
                            "UPDATE hazards SET deleted_at = now() WHERE id IN (SELECT id FROM hazards"
                            " WHERE deleted_at IS NULL ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)"
                        )
                    )
                if i % 4 == 2:  # moved: the county follows the point (hazards_assign)
                    x2, y2 = places[(k + i + 1) % len(places)]
                    await conn.execute(
                        text(
                            "UPDATE hazards SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326)"
                            " WHERE id IN (SELECT id FROM hazards WHERE deleted_at IS NULL"
                            " ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)"
                        ),
                        {"x": x2, "y": y2},
                    )
                await asyncio.sleep(0)
                if rng.random() < 1 / 3:
                    await tx.rollback()
                else:
                    await tx.commit()

    async def compactor() -> None:
        while not done.is_set():
            async with app_engine.begin() as conn:
                await conn.execute(text("SELECT hazard_counts_compact()"))
            await asyncio.sleep(0.01)

    async def watcher() -> None:
        while not done.is_set():
            async with engine.connect() as conn:
                await conn.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
                truth, counted = await _groups(conn, TRUTH), await _groups(conn, COUNTED)
                await conn.execute(text("COMMIT"))
            if truth != counted:
                mismatches.append(f"{truth} != {counted}")
            await asyncio.sleep(0.01)

    background = [asyncio.create_task(compactor()) for _ in range(2)] + [asyncio.create_task(watcher())]
    try:
        await asyncio.gather(*(writer(k) for k in range(6)))
    finally:
        done.set()
        await asyncio.gather(*background)
    assert mismatches == []
    async with engine.connect() as conn:
        truth = await _groups(conn, TRUTH)
        assert sum(truth.values()) > 20 and {c for c, _, _ in truth} >= {"371502", "371521"}
        assert await _groups(conn, COUNTED) == truth
    # Folded: one row per group.
    async with app_engine.begin() as conn:
        await conn.execute(text("SELECT hazard_counts_compact()"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM hazard_counts"))).scalar_one() == len(truth)
        assert await _groups(conn, COUNTED) == truth


async def test_the_list_counts_a_county_or_status_from_hazard_counts(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    for place in (GULOU, GULOU, GULOU, BOJIQIAO):
        await create(client, "hazards", point(place))
    gone = await create(client, "hazards", point(GULOU))
    assert (
        await client.delete(f"/api/v1/hazards/{gone['id']}", headers={"If-Match": '"1"'})
    ).status_code == 204

    async def matched(**params: str) -> int:
        r = await client.get("/api/v1/hazards", params={"limit": 1, **params})
        assert r.status_code == 200, r.text
        return int(r.json()["numberMatched"])

    assert await matched() == 4
    assert await matched(county="371502") == 3
    assert await matched(county="371502,371521", status="reported") == 4
    assert await matched(status="closed") == 0
    # Proof that these came from hazard_counts: a count it holds that the ledger does not.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO hazard_counts (county_code, kind, status, n)"
                " VALUES ('371502', 'point', 'reported', 1000)"
            )
        )
    assert await matched(county="371502") == 1003
    # Any other filter counts over the ledger, as before.
    assert await matched(county="371502", grade="general") == 3
    async with engine.begin() as conn:
        await conn.execute(text("SELECT hazard_counts_rebuild()"))
    assert await matched(county="371502") == 3


async def test_truncate_empties_the_counts(isolated_db: str) -> None:
    eng = create_async_engine(isolated_db)
    try:
        async with eng.begin() as conn:
            x, y = GULOU
            await conn.execute(INSERT, {"x": x, "y": y, "statuses": ["reported", "closed"]})
            assert len(await _groups(conn, COUNTED)) == 2
            await conn.execute(text("TRUNCATE hazards CASCADE"))
            assert (await conn.execute(text("SELECT count(*) FROM hazard_counts"))).scalar_one() == 0
    finally:
        await eng.dispose()


async def test_the_maintenance_job_folds_the_deltas(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    from app.hazards.jobs import compact_counts

    for place in (GULOU, GULOU, BOJIQIAO):
        await create(client, "hazards", point(place))
    async with engine.connect() as conn:
        truth = await _groups(conn, TRUTH)
        assert (await conn.execute(text("SELECT count(*) FROM hazard_counts"))).scalar_one() == 3
    await compact_counts(timestamp=0)  # what the worker runs every ten minutes
    async with engine.connect() as conn:
        assert (
            (await conn.execute(text("SELECT count(*) FROM hazard_counts"))).scalar_one() == len(truth) == 2
        )
        assert await _groups(conn, COUNTED) == truth
