"""The formats without a network: answers judged, URLs masked, what a payload may say."""

from __future__ import annotations

from datetime import UTC, datetime

from app.notifications.webhooks.formats import Payload, build, judge, mask_url, sign, verify

PAYLOAD = Payload(
    id=7,
    event="listed",
    title="隐患已挂牌督办",
    title_en="Hazard listed for supervision",
    ledger_no="371502-2026-0001",
    kind="point",
    county_code="371502",
    county="东昌府区",
    level="city",
    url="http://x/hazards/1",
    occurred_at="2026-12-07T05:56:21+08:00",
)


def test_answers_are_judged() -> None:
    assert judge("json", 204, b"").delivered and judge("json", 200, b"whatever").delivered
    assert (judge("json", 502, b"bad gateway").retry, judge("json", 429, b"").retry) == (True, True)
    assert (judge("json", 410, b"gone").retry, judge("json", 410, b"gone").error) == (False, "HTTP 410: gone")
    assert judge("wecom", 200, b'{"errcode":0,"errmsg":"ok"}').delivered
    assert judge("dingtalk", 200, b'{"errcode":130101,"errmsg":"send too fast"}').retry
    refused = judge("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}')
    assert (refused.delivered, refused.retry, refused.error) == (
        False,
        False,
        "errcode 310000: sign not match",
    )
    assert judge("wecom", 200, b"<html>").error == "not a robot's answer: <html>"


def test_robot_keys_are_masked() -> None:
    assert mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=%2A%2A%2A"
    )
    assert mask_url("https://example.com/hook") == "https://example.com/hook"


def test_the_signature_and_its_check() -> None:
    body = b'{"a":1}'
    header = sign("k" * 16, 1_800_000_000, body)
    assert verify("k" * 16, header, body, now=1_800_000_100)
    assert not verify("k" * 16, header, body + b" ", now=1_800_000_100)  # another body
    assert not verify("k" * 16, header, body, now=1_800_001_000)  # too old: a replay
    assert not verify("k" * 16, "v1=abc", body, now=1_800_000_000)


def test_robot_messages_in_chinese() -> None:
    now = datetime(2026, 12, 6, 21, 56, tzinfo=UTC)
    ding = build("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", None, PAYLOAD, now=now)
    assert ding.url == "https://oapi.dingtalk.com/robot/send?access_token=t"  # no secret: not signed
    assert "- 督办级别：市级" in ding.body.decode()
    wecom = build("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", None, PAYLOAD, now=now)
    assert '> 时间：<font color=\\"comment\\">2026-12-07 05:56</font>' in wecom.body.decode()
