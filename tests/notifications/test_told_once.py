"""The events of periodic jobs and detection runs: deadline near, overdue, a new candidate — each
told once per user and hazard (and due day) or stretch, however many runs, at once or one after another."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from unittest.mock import ANY

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.cluster import APP_ROLE, Cluster
from app.crashes import detection
from app.jobs import repository as queue_repo
from app.jobs.queue import queue
from app.notifications import jobs, service
from tests.support.accounts import OTHER_COUNTY, OWN_COUNTY, auth_headers
from tests.support.databases import TEST_DB
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point
from tests.support.jobs import in_process_worker, wait_until_idle
from tests.support.roads import FixtureRoad, add_crash
from tests.support.workflow import CLAIM, beijing_today, step

UNTIL = datetime(2026, 6, 1, tzinfo=timezone(timedelta(hours=8)))


async def _told(engine: AsyncEngine) -> list[tuple[str, str, int | None, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT n.event, u.login, n.hazard_id, n.detail FROM notifications n"
                " JOIN users u ON u.id = n.user_id WHERE n.event IN ('due_soon', 'overdue')"
                " ORDER BY n.event, u.login, n.hazard_id"
            )
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]


async def _set_deadline(engine: AsyncEngine, hazard_id: int, days_from_today: int) -> str:
    day = beijing_today() + timedelta(days=days_from_today)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE hazards SET deadline = :d WHERE id = :id"), {"d": day, "id": hazard_id}
        )
    return day.isoformat()


async def _ledger(client: httpx.AsyncClient) -> dict[str, int]:
    """Hazards reported in March 2026: an unclaimed one is overdue (claim within 7 days)."""
    ids = {}
    for name, where in (("late", GULOU), ("soon", LIUYUAN), ("later", GULOU), ("elsewhere", BOJIQIAO)):
        ids[name] = (await create(client, "hazards", point(where)))["id"]
    for name in ("soon", "later"):
        await step(client, ids[name], CLAIM, "county_officer")
    return ids


async def test_deadlines_are_told_once_per_hazard_and_day(
    client: httpx.AsyncClient, engine: AsyncEngine, app_engine: AsyncEngine
) -> None:
    ids = await _ledger(client)
    soon = await _set_deadline(engine, ids["soon"], 2)
    await _set_deadline(engine, ids["later"], 30)
    async with engine.connect() as conn:
        due = (
            await conn.execute(
                text("SELECT hazard_due(status, reported_at, deadline, 7) FROM hazards WHERE id = :id"),
                {"id": ids["late"]},
            )
        ).scalar_one()

    assert await jobs.tell_deadlines() == {"due_soon": 1, "overdue": 3}
    # The county's officer hears of both in 东昌府区; the commander of every overdue one, in any county.
    assert await _told(engine) == [
        ("due_soon", "t-officer", ids["soon"], soon),
        ("overdue", "t-commander", ids["late"], due.isoformat()),
        ("overdue", "t-commander", ids["elsewhere"], due.isoformat()),
        ("overdue", "t-officer", ids["late"], due.isoformat()),
    ]
    # Again: nobody is told twice.
    assert await jobs.tell_deadlines() == {"due_soon": 0, "overdue": 0}

    # A deadline moved is a new day: told again; the day passed, it is overdue.
    moved = await _set_deadline(engine, ids["soon"], 1)
    assert await jobs.tell_deadlines() == {"due_soon": 1, "overdue": 0}
    passed = await _set_deadline(engine, ids["soon"], -1)
    assert await jobs.tell_deadlines() == {"due_soon": 0, "overdue": 2}
    told = await _told(engine)
    assert ("due_soon", "t-officer", ids["soon"], moved) in told
    assert ("overdue", "t-officer", ids["soon"], passed) in told

    # The officer's centre says so, with the day and the record page.
    listed = (await client.get("/api/v1/notifications", headers=auth_headers("county_officer"))).json()
    newest = listed["items"][0]
    assert (newest["event"], newest["title"], newest["detail"], newest["url"], newest["category"]) == (
        "overdue",
        "隐患已超期",
        passed,
        f"/hazards/{ids['soon']}",
        "平交路口缺“三必上”",
    )
    page = await client.get("/notifications", headers=auth_headers("county_officer"))
    ledger_no = listed["items"][0]["ledger_no"]
    assert f"{ledger_no} · 平交路口缺“三必上” · 东昌府区 · 期限：{passed}，已超期" in page.text


async def test_two_runs_at_once_tell_nobody_twice(client: httpx.AsyncClient, app_engine: AsyncEngine) -> None:
    """Two workers' runs overlap: the second's insert waits on the first's unique keys, then skips them."""
    await _ledger(client)
    first = AsyncSession(app_engine)
    second = AsyncSession(app_engine)
    try:
        await first.begin()
        told_first = await service.record_deadlines(first)  # not committed yet
        await second.begin()
        # The second run's snapshot cannot see the first's rows: it must find them by the unique key.
        racing = asyncio.create_task(service.record_deadlines(second))
        done, _ = await asyncio.wait({racing}, timeout=1.0)
        assert not done, "the second run should wait for the first's keys"
        await first.commit()
        told_second = await asyncio.wait_for(racing, timeout=30)
        await second.commit()
    finally:
        await first.close()
        await second.close()
    assert told_first == {"due_soon": 0, "overdue": 3}
    assert told_second == {"due_soon": 0, "overdue": 0}
    async with app_engine.connect() as conn:
        keys = (
            await conn.execute(
                text(
                    "SELECT count(*), count(DISTINCT (user_id, once_key)) FROM notifications"
                    " WHERE event = 'overdue'"
                )
            )
        ).one()
    assert tuple(keys) == (3, 3)


async def test_two_jobs_of_a_real_worker_at_once_tell_nobody_twice(
    client: httpx.AsyncClient, engine: AsyncEngine, cluster: Cluster
) -> None:
    """The queue's task, twice at once (two jobs, a worker running two at a time): told once."""
    ids = await _ledger(client)
    async with engine.begin() as conn:
        job_ids = [  # distinct queueing locks, so that both are queued
            await queue_repo.defer(conn, jobs.deadlines, queueing_lock=lock, timestamp=0)
            for lock in ("first", "second")
        ]
    try:
        async with in_process_worker(cluster.url(TEST_DB, APP_ROLE), concurrency=2):
            deadline = asyncio.get_running_loop().time() + 60
            while True:
                async with engine.connect() as conn:
                    states = (
                        await conn.execute(
                            text("SELECT status FROM procrastinate_jobs WHERE id = ANY(:ids)"),
                            {"ids": job_ids},
                        )
                    ).scalars()
                    ended = sorted(str(s) for s in states if s in ("succeeded", "failed"))
                if len(ended) == 2:
                    break
                assert asyncio.get_running_loop().time() < deadline, "the two jobs did not end"
                await asyncio.sleep(0.05)
    finally:
        await wait_until_idle(engine)
    assert ended == ["succeeded", "succeeded"]
    assert await _told(engine) == [
        ("overdue", "t-commander", ids["late"], ANY),
        ("overdue", "t-commander", ids["elsewhere"], ANY),
        ("overdue", "t-officer", ids["late"], ANY),
    ]


def test_the_deadline_job_is_a_periodic_task_of_every_worker() -> None:
    task = queue.tasks["notifications.deadlines"]
    assert task.queue == "notifications"
    schedules = [p for p in queue.periodic_registry.periodic_tasks.values() if p.task is task]
    assert [p.cron for p in schedules] == ["*/30 * * * *"]


async def test_a_new_candidate_is_told_once_to_the_county_and_the_command_room(
    engine: AsyncEngine, roads: dict[str, FixtureRoad], client: httpx.AsyncClient
) -> None:
    x901 = roads["X901"]  # in 东昌府区, the officer's county
    for ch in (11_000, 11_020, 11_040, 11_060, 11_080):  # five ordinary crashes: a point at K11+040
        await add_crash(engine, x901, ch, injuries=1)
    params = detection.detection_params(until=UNTIL)
    for _ in range(2):  # the same stretch found again by a second run is a new row, but no news
        async with engine.begin() as conn:
            await detection.run_detection(conn, params)
    query = (
        "SELECT u.login, n.county_code, n.candidate_id, n.once_key, n.hazard_id FROM notifications n"
        " JOIN users u ON u.id = n.user_id WHERE n.event = 'candidate' ORDER BY n.id, u.login"
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(text(query))).all()
        pending = (
            await conn.execute(text("SELECT id FROM accident_prone_candidates WHERE status = 'candidate'"))
        ).scalar_one()
    # The second run replaced the candidate's row: the notifications lost it, not its county.
    key = "candidate:X901:point:10890:11190"
    assert [tuple(r) for r in rows] == [
        ("t-commander", OWN_COUNTY, None, key, None),
        ("t-officer", OWN_COUNTY, None, key, None),
    ]
    officer = (await client.get("/api/v1/notifications", headers=auth_headers("county_officer"))).json()
    assert [(i["event"], i["title"], i["url"]) for i in officer["items"]] == [
        ("candidate", "发现事故多发点段候选", f"/map/{OWN_COUNTY}?layer=candidates")
    ]

    # A stretch in another county: the command room hears of it, linked to the candidate on its map.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE accident_prone_candidates SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),"
                " start_chainage_m = 20000, end_chainage_m = 20300 WHERE id = :id"
            ),
            {"lon": BOJIQIAO[0], "lat": BOJIQIAO[1], "id": pending},
        )
        assert await service.record_candidates(conn) == 1
    commander = (await client.get("/api/v1/notifications", headers=auth_headers("commander"))).json()
    newest = commander["items"][0]
    assert (newest["candidate_id"], newest["hazard_id"], newest["county_code"], newest["url"]) == (
        pending,
        None,
        OTHER_COUNTY,
        f"/map/{OTHER_COUNTY}?layer=candidates#16/{BOJIQIAO[1]:.5f}/{BOJIQIAO[0]:.5f}",
    )
