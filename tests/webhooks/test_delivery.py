"""Events reach the subscribed receivers through the queue: signed, retried, logged, without personal data."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.crashes import detection
from app.notifications import jobs as notification_jobs
from app.notifications.webhooks.formats import verify
from tests.support.accounts import OTHER_COUNTY, TEST_USERS
from tests.support.hazards import BOJIQIAO, GULOU, LIUYUAN, create, point
from tests.support.roads import FixtureRoad, add_crash
from tests.support.workflow import CLAIM, beijing_today, step, transition
from tests.webhooks.receiver import Receiver

SECRET = "s3cret-for-tests"


async def subscribe(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    body = {"name": "指挥中心", "format": "json", "events": ["created", "claimed", "listed"], **body}
    r = await client.post("/api/v1/webhooks", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def deliveries(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT * FROM webhook_deliveries ORDER BY id"))
        return [dict(r) for r in rows.mappings()]


async def settled(engine: AsyncEngine, n: int, limit_s: float = 60) -> list[dict[str, Any]]:
    """The deliveries once ``n`` of them have ended (delivered or failed)."""
    deadline = time.monotonic() + limit_s
    while True:
        rows = await deliveries(engine)
        if sum(r["state"] in ("delivered", "failed") for r in rows) >= n:
            return rows
        assert time.monotonic() < deadline, f"not settled after {limit_s} s: {rows}"
        await asyncio.sleep(0.05)


async def test_a_json_delivery_is_signed_retried_after_a_500_and_logged(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver
) -> None:
    sub = await subscribe(client, url=hook.url, secret=SECRET)
    hook.answers = [500]  # the first attempt fails; the queue tries again after its back-off
    h = await create(client, "hazards", point(GULOU))

    [d] = await settled(engine, 1)
    first, second = await hook.wait_for(2)
    assert first.body == second.body  # the same delivery, sent again
    payload = second.json()
    assert payload == {
        "id": d["id"],
        "event": "created",
        "title": "辖区新增隐患",
        "title_en": "New hazard in your jurisdiction",
        "ledger_no": h["properties"]["ledger_no"],
        "kind": "point",
        "county_code": "371502",
        "county": "东昌府区",
        "level": None,
        "url": f"http://testserver/hazards/{h['id']}",
        "occurred_at": payload["occurred_at"],
    }
    assert payload["occurred_at"].endswith("+08:00")
    for got in (first, second):
        assert got.headers["x-hazardmap-event"] == "created"
        assert got.headers["x-hazardmap-delivery"] == str(d["id"])
        # The receiver's check, as the README shows it: HMAC-SHA256 over "<t>.<body>".
        signature = dict(p.split("=", 1) for p in got.headers["x-hazardmap-signature"].split(","))
        expected = hmac.new(SECRET.encode(), f"{signature['t']}.".encode() + got.body, hashlib.sha256)
        assert hmac.compare_digest(signature["v1"], expected.hexdigest())
        assert verify(SECRET, got.headers["x-hazardmap-signature"], got.body, now=int(time.time()))
    assert not verify(
        "another-secret", second.headers["x-hazardmap-signature"], second.body, now=int(time.time())
    )

    log = (await client.get(f"/api/v1/webhook-deliveries?subscription={sub['id']}")).json()
    assert [(e["event"], e["state"], e["attempts"], e["last_status"], e["last_error"]) for e in log] == [
        ("created", "delivered", 2, 200, None)
    ]
    assert log[0]["ledger_no"] == h["properties"]["ledger_no"]


async def test_no_personal_data_reaches_a_webhook(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver
) -> None:
    """Who reported, claimed (name, post, unit) or listed a hazard is never sent; nor a telephone."""
    await subscribe(client, url=hook.url, secret=SECRET)
    h = await create(client, "hazards", point(GULOU, description="张三家门口，电话13800138000"))
    await step(client, h["id"], CLAIM, "county_officer")
    await step(client, h["id"], {"action": "list", "level": "city", "reason": "久拖未改"}, "commander")
    await settled(engine, 3)
    got = await hook.wait_for(3)
    assert [g.json()["event"] for g in got] == ["created", "claimed", "listed"]
    assert got[2].json()["level"] == "city"
    people = {u.login for u in TEST_USERS.values()} | {u.name for u in TEST_USERS.values()}
    people |= {CLAIM["name"], CLAIM["post"], CLAIM["unit"], "13800138000", "张三", "门口"}
    for g in got:
        sent = g.body.decode()
        assert not [p for p in people if p in sent], sent
        assert set(g.json()) == {
            "id",
            "event",
            "title",
            "title_en",
            "ledger_no",
            "kind",
            "county_code",
            "county",
            "level",
            "url",
            "occurred_at",
        }


async def test_robots_get_their_markdown_and_dingtalk_its_signature(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver
) -> None:
    hook.body = b'{"errcode":0,"errmsg":"ok"}'
    await subscribe(
        client, name="企业微信群", url=f"{hook.url}/wecom?key=abc", format="wecom", events=["created"]
    )
    ding_secret = "SEC0123456789abcdef"
    await subscribe(
        client,
        name="钉钉群",
        url=f"{hook.url}/ding?access_token=xyz",
        format="dingtalk",
        secret=ding_secret,
        events=["created"],
    )
    h = await create(client, "hazards", point(GULOU))
    await settled(engine, 2)
    got = {g.path: g for g in await hook.wait_for(2)}
    ledger_no = h["properties"]["ledger_no"]

    wecom = got["/hook/wecom"]
    assert wecom.query == {"key": "abc"}
    body = wecom.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**辖区新增隐患**\n")
    assert f'> 隐患编号：<font color="comment">{ledger_no}</font>' in content
    assert '> 区县：<font color="comment">东昌府区</font>' in content
    assert content.endswith(f"[查看详情](http://testserver/hazards/{h['id']})")

    ding = got["/hook/ding"]
    assert ding.query["access_token"] == "xyz"
    stamp = ding.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(ding_secret.encode(), f"{stamp}\n{ding_secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert ding.query["sign"] == expected
    assert abs(int(stamp) / 1000 - time.time()) < 60
    body = ding.json()
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "辖区新增隐患"
    assert f"- 隐患编号：{ledger_no}" in body["markdown"]["text"]
    assert [r["state"] for r in await deliveries(engine)] == ["delivered", "delivered"]


async def test_a_robots_refusal_is_logged_and_not_retried(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver
) -> None:
    hook.body = b'{"errcode":93000,"errmsg":"invalid webhook url"}'
    await subscribe(client, url=f"{hook.url}?key=bad", format="wecom", events=["created"])
    await create(client, "hazards", point(GULOU))
    [d] = await settled(engine, 1)
    assert (d["state"], d["attempts"], d["last_status"], d["last_error"]) == (
        "failed",
        1,
        200,
        "errcode 93000: invalid webhook url",
    )
    assert len(hook.received) == 1


async def test_given_up_after_the_set_attempts_and_a_4xx_at_once(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAZARDMAP_WEBHOOKS_ATTEMPTS", "2")
    await subscribe(client, url=hook.url, secret=SECRET, events=["created"])
    hook.answers = [503, 503]
    await create(client, "hazards", point(GULOU))
    [d] = await settled(engine, 1)
    assert (d["state"], d["attempts"], d["last_status"]) == ("failed", 2, 503)
    assert d["last_error"] == "HTTP 503: receiver says no"
    assert len(hook.received) == 2

    hook.answers = [404]
    await create(client, "hazards", point(GULOU))
    rows = await settled(engine, 2)
    assert (rows[1]["state"], rows[1]["attempts"], rows[1]["last_status"]) == ("failed", 1, 404)
    assert len(hook.received) == 3


async def test_only_subscribed_events_counties_and_committed_changes(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver
) -> None:
    await subscribe(client, name="阳谷", url=hook.url, secret=SECRET, counties=[OTHER_COUNTY])
    await subscribe(client, name="停用", url=hook.url, secret=SECRET, enabled=False)
    await subscribe(client, name="只要认领", url=hook.url, secret=SECRET, events=["claimed"])
    h = await create(client, "hazards", point(GULOU))  # 东昌府区: not 阳谷; "created" not taken by the third
    current = await client.get(f"/api/v1/hazards/{h['id']}")
    refused = await transition(
        client, h["id"], current.headers["ETag"], {**CLAIM, "post": ""}, "county_officer"
    )
    assert refused.status_code == 422  # rolled back: nothing queued
    assert await deliveries(engine) == []
    await step(client, h["id"], CLAIM, "county_officer")
    [d] = await settled(engine, 1)
    assert d["event"] == "claimed"
    [got] = await hook.wait_for(1)
    assert got.json()["event"] == "claimed"


async def test_a_slow_receiver_is_cut_off_at_the_timeout(
    client: httpx.AsyncClient, hook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAZARDMAP_WEBHOOKS_TIMEOUT_S", "0.5")
    sub = await subscribe(client, url=hook.url, secret=SECRET)
    hook.delay_s = 3
    started = time.monotonic()
    r = await client.post(f"/api/v1/webhooks/{sub['id']}/test")
    assert time.monotonic() - started < 2.5
    assert r.status_code == 200
    entry = r.json()
    assert (entry["event"], entry["state"], entry["attempts"], entry["last_status"], entry["last_error"]) == (
        "test",
        "failed",
        1,
        None,
        "no answer within 0.5 s",
    )
    await hook.wait_for(1)


async def test_test_send_delivers_a_signed_test_message(client: httpx.AsyncClient, hook: Receiver) -> None:
    sub = await subscribe(client, url=hook.url, secret=SECRET)
    r = await client.post(f"/api/v1/webhooks/{sub['id']}/test")
    entry = r.json()
    assert (entry["event"], entry["state"], entry["attempts"], entry["last_status"]) == (
        "test",
        "delivered",
        1,
        200,
    )
    [got] = hook.received
    body = got.json()
    assert (body["event"], body["title"], body["ledger_no"], body["url"]) == (
        "test",
        "测试消息：webhook 配置正确",
        None,
        None,
    )
    assert verify(SECRET, got.headers["x-hazardmap-signature"], got.body, now=int(time.time()))
    assert json.loads(got.body)["id"] == entry["id"]


async def test_deadline_events_go_out_once_per_subscription_however_often_told(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver
) -> None:
    await subscribe(client, url=hook.url, secret=SECRET, events=["due_soon", "overdue"], counties=["371502"])
    late = await create(client, "hazards", point(GULOU))  # reported in March 2026, never claimed: overdue
    soon = await create(client, "hazards", point(LIUYUAN))
    await step(client, soon["id"], CLAIM, "county_officer")
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE hazards SET deadline = :d WHERE id = :id"),
            {"d": beijing_today() + timedelta(days=2), "id": soon["id"]},
        )
    await create(client, "hazards", point(BOJIQIAO))  # overdue too, but in 阳谷县: not subscribed

    # Two runs at once and one after: the notifications are told once, and so are the webhooks.
    await asyncio.gather(notification_jobs.tell_deadlines(), notification_jobs.tell_deadlines())
    await notification_jobs.tell_deadlines()
    rows = await settled(engine, 2)
    assert sorted((r["event"], r["hazard_id"], r["state"]) for r in rows) == [
        ("due_soon", soon["id"], "delivered"),
        ("overdue", late["id"], "delivered"),
    ]
    got = sorted((g.json() for g in await hook.wait_for(2)), key=lambda p: p["event"])
    assert [(p["event"], p["title"], p["ledger_no"], p["level"]) for p in got] == [
        ("due_soon", "隐患整改期限将至", soon["properties"]["ledger_no"], None),
        ("overdue", "隐患已超期", late["properties"]["ledger_no"], None),
    ]
    assert len(hook.received) == 2


async def test_a_new_candidate_goes_out_once_with_its_county_map(
    client: httpx.AsyncClient, engine: AsyncEngine, hook: Receiver, roads: dict[str, FixtureRoad]
) -> None:
    await subscribe(client, url=hook.url, secret=SECRET, events=["candidate"])
    x901 = roads["X901"]  # in 东昌府区
    for ch in (11_000, 11_020, 11_040, 11_060, 11_080):  # five crashes: a candidate point at K11+040
        await add_crash(engine, x901, ch, injuries=1)
    params = detection.detection_params(until=datetime(2026, 6, 1, tzinfo=timezone(timedelta(hours=8))))
    for _ in range(2):  # found again by a second run: no news
        async with engine.begin() as conn:
            await detection.run_detection(conn, params)
    [d] = await settled(engine, 1)
    assert (d["event"], d["state"], d["once_key"]) == (
        "candidate",
        "delivered",
        "candidate:X901:point:10890:11190",
    )
    [got] = await hook.wait_for(1)
    payload = got.json()
    assert (payload["event"], payload["title"], payload["county"], payload["ledger_no"], payload["url"]) == (
        "candidate",
        "发现事故多发点段候选",
        "东昌府区",
        None,
        "http://testserver/map/371502?layer=candidates",
    )
