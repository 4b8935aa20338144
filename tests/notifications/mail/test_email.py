"""Notifications by e-mail through a real SMTP server: sent by the worker's jobs from the outbox
written with the notification, in Chinese with the hazard's link; the user's choices and
jurisdiction respected; retried with back-off; never twice."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import get_engine
from app.notifications import jobs as notification_jobs
from app.notifications.email_jobs import deliver
from tests.support.accounts import OTHER_COUNTY, OWN_COUNTY, auth_headers
from tests.support.hazards import GULOU, create, point
from tests.support.smtp import Mailbox, wait_for
from tests.support.workflow import CLAIM, START, step

RECTIFY = {"action": "rectify", "evidence": "已完成施工"}


async def _deliveries(engine: AsyncEngine, hazard_id: int) -> list[tuple[str, str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT u.login, d.state, d.attempts FROM notification_deliveries d"
                " JOIN notifications n ON n.id = d.notification_id JOIN users u ON u.id = n.user_id"
                " WHERE n.hazard_id = :id ORDER BY u.login, n.id"
            ),
            {"id": hazard_id},
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def _rectified(client: httpx.AsyncClient) -> dict:
    h = await create(client, "hazards", point(GULOU))
    await step(client, h["id"], CLAIM, "county_officer")
    await step(client, h["id"], START, "county_officer")
    await step(client, h["id"], RECTIFY, "county_officer")
    return h


async def test_the_message_arrives_in_chinese_with_the_hazards_link(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    # The second verifier does not want this event by e-mail.
    off = {"events": [{"event": "rectified", "email": False}]}
    r = await client.put("/api/v1/notifications/preferences", json=off, headers=auth_headers("verifier2"))
    assert r.status_code == 200, r.text

    h = await _rectified(client)
    await wait_for(lambda: mailbox.to("verifier@jj.example.cn"), what="the verifier's e-mail")
    await wait_for(lambda: _all_done(engine, h["id"]), what="every delivery ended")
    [message] = mailbox.to("verifier@jj.example.cn")
    ledger_no = h["properties"]["ledger_no"]
    assert message["Subject"] == f"【道路交通安全隐患台账】隐患已整改，待核验：{ledger_no}"
    body = message.get_content()
    assert "隐患已整改，待核验" in body
    assert f"隐患编号：{ledger_no}" in body
    assert f"查看：http://testserver/hazards/{h['id']}" in body
    assert "所在区县：东昌府区" in body
    assert message["Message-ID"].startswith("<hazardmap.n.")
    # By default: created (officer) and claimed (commander) wait for the digest; rectified is e-mailed
    # to the verifier only (the second turned it off: no delivery at all).
    assert await _deliveries(engine, h["id"]) == [("t-verifier", "sent", 1)]
    assert sorted(m["To"] for m in mailbox.messages) == ["verifier@jj.example.cn"]
    assert "电话" not in body and "东昌府民警" not in body  # no person's name: the actor is not named


async def _all_done(engine: AsyncEngine, hazard_id: int) -> bool:
    return all(state in ("sent", "failed", "skipped") for _, state, _ in await _deliveries(engine, hazard_id))


async def test_preferences_off_sends_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    body = {"events": [{"event": e, "email": False} for e in ("rectified", "claimed", "created")]}
    for user in ("verifier", "verifier2", "commander", "county_officer"):
        r = await client.put("/api/v1/notifications/preferences", json=body, headers=auth_headers(user))
        assert r.status_code == 200
    h = await _rectified(client)
    assert await _deliveries(engine, h["id"]) == []
    # Still told in the app: the e-mail is a channel beside the bell, not instead of it.
    async with engine.connect() as conn:
        told = (
            await conn.execute(
                text("SELECT count(*) FROM notifications WHERE hazard_id = :id"), {"id": h["id"]}
            )
        ).scalar_one()
    assert told == 4  # created → officer, claimed → commander, rectified → both verifiers
    assert mailbox.messages == []


async def test_a_refusing_server_is_tried_again_with_backoff_and_a_sent_message_never_twice(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    mailbox.refuse = 1
    h = await _rectified(client)
    await wait_for(lambda: _all_done(engine, h["id"]), limit_s=60, what="the retried deliveries")
    assert mailbox.refused == 1
    deliveries = await _deliveries(engine, h["id"])
    assert sorted(d[1] for d in deliveries) == ["sent", "sent"]
    assert sorted(d[2] for d in deliveries) == [1, 2]  # the refused one took a second attempt
    assert sorted(m["To"] for m in mailbox.messages) == ["verifier2@jj.example.cn", "verifier@jj.example.cn"]
    async with engine.connect() as conn:
        last_error = (
            await conn.execute(text("SELECT last_error FROM notification_deliveries WHERE attempts = 2"))
        ).scalar_one()
    assert "451" in last_error

    # A job run again after the delivery was sent (the queue retrying, a second worker) sends nothing.
    async with engine.connect() as conn:
        ids = (await conn.execute(text("SELECT id FROM notification_deliveries"))).scalars().all()
    for delivery_id in ids:
        assert await deliver(get_engine(), delivery_id) == "done"
    assert len(mailbox.messages) == 2


async def test_a_recipient_no_longer_in_the_county_is_not_mailed(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    h = await create(client, "hazards", point(GULOU))
    # A delivery in the outbox (written as fan-out writes it, without its job, so that this test
    # decides when it is sent), then the verifier moves to another county before the sending.
    async with engine.begin() as conn:
        delivery_id = (
            await conn.execute(
                text(
                    "WITH n AS (INSERT INTO notifications (user_id, event, hazard_id, county_code)"
                    " SELECT id, 'rectified', :h, :own FROM users WHERE login = 't-verifier' RETURNING id)"
                    " INSERT INTO notification_deliveries (notification_id, channel)"
                    " SELECT id, 'email' FROM n RETURNING id"
                ),
                {"h": h["id"], "own": OWN_COUNTY},
            )
        ).scalar_one()
        await conn.execute(
            text(
                "UPDATE user_jurisdictions SET county_code = :other"
                " WHERE user_id = (SELECT id FROM users WHERE login = 't-verifier')"
            ),
            {"other": OTHER_COUNTY},
        )
    try:
        assert await deliver(get_engine(), delivery_id) == "skipped"
        assert await _deliveries(engine, h["id"]) == [("t-verifier", "skipped", 1)]
        assert mailbox.messages == []
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE user_jurisdictions SET county_code = :own"
                    " WHERE user_id = (SELECT id FROM users WHERE login = 't-verifier')"
                ),
                {"own": OWN_COUNTY},
            )
    # Back in the county, the same delivery is not sent later either: it ended.
    assert await deliver(get_engine(), delivery_id) == "done"
    assert mailbox.messages == []


async def test_an_attempt_that_stopped_midway_is_sent_again_under_the_same_message_id(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    # A worker killed after taking the delivery (`sending`, committed) and before recording the
    # server's answer: the next run cannot know whether the server had it, and sends it again, under
    # the Message-ID of the first attempt, so that a mail program shows the message once.
    h = await create(client, "hazards", point(GULOU))
    async with engine.begin() as conn:
        delivery_id = (
            await conn.execute(
                text(
                    "WITH n AS (INSERT INTO notifications (user_id, event, hazard_id, county_code)"
                    " SELECT id, 'rectified', :h, :own FROM users WHERE login = 't-verifier' RETURNING id)"
                    " INSERT INTO notification_deliveries (notification_id, channel, state, attempts)"
                    " SELECT id, 'email', 'sending', 1 FROM n RETURNING id"
                ),
                {"h": h["id"], "own": OWN_COUNTY},
            )
        ).scalar_one()
    assert await deliver(get_engine(), delivery_id) == "sent"
    [message] = mailbox.messages
    assert message["Message-ID"] == f"<hazardmap.n.{delivery_id}@jj.example.cn>"
    assert await _deliveries(engine, h["id"]) == [("t-verifier", "sent", 2)]


async def test_an_overdue_hazard_told_by_the_periodic_job_is_mailed(
    client: httpx.AsyncClient, engine: AsyncEngine, mailbox: Mailbox
) -> None:
    # Told by the deadline job, not by a change: the same outbox, by default by e-mail (overdue asks
    # someone to act), to the county's officer and the command centre. The commander turned the app's
    # channel off for it: the notification is kept already read, the e-mail still goes.
    r = await client.put(
        "/api/v1/notifications/preferences",
        json={"events": [{"event": "overdue", "inapp": False}]},
        headers=auth_headers("commander"),
    )
    assert r.status_code == 200
    h = await create(client, "hazards", point(GULOU, deadline="2026-03-10"))
    await wait_for(lambda: _all_done(engine, h["id"]), what="the creation's e-mails")
    mailbox.clear()
    told = await notification_jobs.tell_deadlines()
    assert told["overdue"] == 2
    await wait_for(lambda: len(mailbox.messages) == 2, what="the overdue e-mails")
    await wait_for(lambda: _all_done(engine, h["id"]), what="the deliveries recorded")
    assert sorted(m["To"] for m in mailbox.messages) == ["commander@jj.example.cn", "officer@jj.example.cn"]
    assert {m["Subject"] for m in mailbox.messages} == {
        f"【道路交通安全隐患台账】隐患已超期：{h['properties']['ledger_no']}"
    }
    async with engine.connect() as conn:
        unread = (
            await conn.execute(
                text(
                    "SELECT u.login, n.read_at IS NULL FROM notifications n JOIN users u ON u.id = n.user_id"
                    " WHERE n.event = 'overdue' ORDER BY u.login"
                )
            )
        ).all()
    assert [tuple(r) for r in unread] == [("t-commander", False), ("t-officer", True)]
