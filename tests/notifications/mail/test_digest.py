"""The daily digest: one e-mail per user per day, whatever the number of runs, listing the day's
unread notifications and the open items of the user's jurisdiction only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.db import get_engine
from app.jobs.schedule import cron_daily_at
from app.notifications import email_jobs
from app.notifications.email_jobs import deliver_digest, queue_digests
from tests.support.accounts import auth_headers
from tests.support.hazards import BOJIQIAO, GULOU, create, point
from tests.support.smtp import Mailbox, wait_for
from tests.support.workflow import CLAIM, START, step


async def _digests(engine: AsyncEngine) -> list[tuple[str, str, int | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT u.login, g.state, g.items FROM notification_digests g"
                " JOIN users u ON u.id = g.user_id ORDER BY u.login"
            )
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_the_digest_goes_once_per_user_and_day(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    h = await create(client, "hazards", point(GULOU, deadline=str(clock.today() + timedelta(days=2))))
    await step(client, h["id"], CLAIM, "county_officer")
    await step(client, h["id"], START, "county_officer")
    await step(client, h["id"], {"action": "rectify", "evidence": "已完成施工"}, "county_officer")
    # The second verifier read theirs in the app; the commander wants nothing in the digest.
    r = await client.post("/api/v1/notifications/read", headers=auth_headers("verifier2"))
    assert r.status_code == 200
    off = {"events": [{"event": e.value, "digest": False} for e in email_jobs.Event]}
    r = await client.put("/api/v1/notifications/preferences", json=off, headers=auth_headers("commander"))
    assert r.status_code == 200
    await wait_until_mailed(engine)
    mailbox.clear()

    today = clock.today()
    # Two workers running the day's job at once, then a third run: one digest per user.
    first, second = await asyncio.gather(
        queue_digests(get_engine(), today), queue_digests(get_engine(), today)
    )
    assert await queue_digests(get_engine(), today) == []
    assert len(first) + len(second) == 3  # officer, verifier, verifier2 (the commander opted out)
    assert set(first).isdisjoint(second)
    await wait_for(lambda: _all_ended(engine), what="the digests sent")
    assert await _digests(engine) == [
        ("t-officer", "sent", 2),  # created (unread) + the one open item of the county
        ("t-verifier", "sent", 2),  # rectified (unread) + the open item
        ("t-verifier2", "sent", 1),  # read in the app: only the open item
    ]
    assert sorted(m["To"] for m in mailbox.messages) == [
        "officer@jj.example.cn",
        "verifier2@jj.example.cn",
        "verifier@jj.example.cn",
    ]
    [digest] = mailbox.to("verifier@jj.example.cn")
    assert digest["Subject"] == f"【道路交通安全隐患台账】{today:%m月%d日}通知汇总：未读1条，待办1条"
    body = digest.get_content()
    ledger_no = h["properties"]["ledger_no"]
    assert "一、未读通知（1条）" in body and "隐患已整改，待核验" in body
    assert "二、辖区内超期或即将到期的隐患（共1条）" in body and "即将到期" in body
    assert body.count(f"隐患编号：{ledger_no}") == 2
    assert f"查看：http://testserver/hazards/{h['id']}" in body
    assert f"整改时限：{today + timedelta(days=2):%Y-%m-%d}" in body

    # The job for a user run again (a retry, another worker) sends nothing more.
    async with engine.connect() as conn:
        uid = (await conn.execute(text("SELECT id FROM users WHERE login = 't-verifier'"))).scalar_one()
    assert await deliver_digest(get_engine(), uid, today) == "done"
    assert len(mailbox.messages) == 3


async def test_the_digest_lists_only_the_users_jurisdiction(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    # An overdue hazard in another county: the city-wide commander's digest lists it, the county's
    # verifier has nothing to read and gets no digest.
    h = await create(client, "hazards", point(BOJIQIAO, deadline=str(clock.today() - timedelta(days=3))))
    await wait_until_mailed(engine)
    mailbox.clear()
    users = await queue_digests(get_engine(), clock.today())
    assert len(users) == 4  # everyone with an address
    await wait_for(lambda: _all_ended(engine), what="the digests ended")
    states = {login: state for login, state, _ in await _digests(engine)}
    assert states == {
        "t-commander": "sent",
        "t-officer": "skipped",
        "t-verifier": "skipped",
        "t-verifier2": "skipped",
    }
    [digest] = mailbox.messages
    assert digest["To"] == "commander@jj.example.cn"
    body = digest.get_content()
    assert "已超期" in body and f"隐患编号：{h['properties']['ledger_no']}" in body
    assert "所在区县：阳谷县" in body


def test_the_digest_time_is_beijing_time() -> None:
    assert cron_daily_at(8, 0) == "0 0 * * *"  # 08:00 in Beijing is midnight UTC


async def _all_ended(engine: AsyncEngine) -> bool:
    return all(state in ("sent", "skipped", "failed") for _, state, _ in await _digests(engine))


async def wait_until_mailed(engine: AsyncEngine) -> None:
    async def done() -> bool:
        async with engine.connect() as conn:
            return not (
                await conn.execute(
                    text("SELECT count(*) FROM notification_deliveries WHERE state IN ('pending', 'sending')")
                )
            ).scalar_one()

    await wait_for(done, what="the e-mails of the events sent")
