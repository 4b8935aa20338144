"""What a webhook sends: the payload of an event and the request of each format. Pure: no database,
no network.

A payload names the event, the hazard by its ledger number, the county, the supervision level and
the link to the hazard's record page: never a person (no name, telephone, login or e-mail), for a
webhook is a channel an agency may read.

- ``json``: the payload as JSON, signed: ``X-Hazardmap-Signature: t=<unix seconds>,v1=<hex>`` where
  ``v1`` is HMAC-SHA256 with the subscription's secret over ``<t>.<body bytes>``.
- ``wecom``: a 企业微信 group robot's ``markdown`` message (the robot's key is in its URL).
- ``dingtalk``: a 钉钉 group robot's ``markdown`` message; with a secret (加签), ``timestamp`` (ms) and
  ``sign`` = base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")) are added to the URL's query.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import httpx

SIGNATURE_HEADER = "X-Hazardmap-Signature"
LEVEL_ZH = {"city": "市级", "county": "县级"}
LEVEL_EN = {"city": "city", "county": "county"}
TEST_ZH = "测试消息：webhook 配置正确"
TEST_EN = "Test message: the webhook is set up"
# The robots' answer codes worth a retry: system busy, too many messages.
ROBOT_RETRYABLE = {-1, 45009, 130101}


@dataclass(frozen=True)
class Payload:
    """What one delivery says; every member may be read by anyone the receiver shows it to."""

    id: int  # the delivery's id: a receiver that sees it twice (a retry after a lost answer) may drop it
    event: str
    title: str
    title_en: str
    ledger_no: str | None
    kind: str | None
    county_code: str | None
    county: str | None
    level: str | None  # the supervision level of a listing: city or county
    url: str | None  # the hazard's record page
    occurred_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Request:
    url: str
    headers: dict[str, str]
    body: bytes


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Hazardmap-Signature`` value of a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance_s: int = 300) -> bool:
    """What a receiver does (documented in the README): the signature matches and is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - timestamp) <= tolerance_s and hmac.compare_digest(expected, parts.get("v1", ""))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's 加签: base64 of HMAC-SHA256(secret, "<timestamp>\\n<secret>")."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _lines(p: Payload) -> list[tuple[str, str]]:
    lines = []
    if p.ledger_no:
        lines.append(("隐患编号", p.ledger_no))
    if p.county:
        lines.append(("区县", p.county))
    if p.level:
        lines.append(("督办级别", LEVEL_ZH.get(p.level, p.level)))
    lines.append(("时间", p.occurred_at[:16].replace("T", " ")))
    return lines


def markdown_wecom(p: Payload) -> str:
    text = [f"**{p.title}**"] + [f'> {k}：<font color="comment">{v}</font>' for k, v in _lines(p)]
    if p.url:
        text.append(f"[查看详情]({p.url})")
    return "\n".join(text)


def markdown_dingtalk(p: Payload) -> str:
    text = [f"#### {p.title}"] + [f"- {k}：{v}" for k, v in _lines(p)]
    if p.url:
        text.append(f"\n[查看详情]({p.url})")
    return "\n".join(text)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def build(fmt: str, url: str, secret: str | None, payload: Payload, *, now: datetime) -> Request:
    """The request that carries ``payload`` to a subscription of format ``fmt``."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "hazardmap-webhooks"}
    if fmt == "wecom":
        body = _json({"msgtype": "markdown", "markdown": {"content": markdown_wecom(payload)}})
        return Request(url, headers, body)
    if fmt == "dingtalk":
        body = _json(
            {"msgtype": "markdown", "markdown": {"title": payload.title, "text": markdown_dingtalk(payload)}}
        )
        if secret:
            ms = int(now.timestamp() * 1000)
            url = str(
                httpx.URL(url).copy_merge_params({"timestamp": str(ms), "sign": dingtalk_sign(secret, ms)})
            )
        return Request(url, headers, body)
    body = _json(payload.as_dict())
    headers["X-Hazardmap-Event"] = payload.event
    headers["X-Hazardmap-Delivery"] = str(payload.id)
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, int(now.timestamp()), body)
    return Request(url, headers, body)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool  # worth another attempt (5xx, a timeout, a busy robot)
    status: int | None
    error: str | None


def judge(fmt: str, status: int, body: bytes) -> Outcome:
    """What the receiver's answer means: a robot answers 200 with its own ``errcode``."""
    if status >= 500 or status == 429:
        return Outcome(False, True, status, f"HTTP {status}: {_snippet(body)}")
    if not 200 <= status < 300:
        return Outcome(False, False, status, f"HTTP {status}: {_snippet(body)}")
    if fmt in ("wecom", "dingtalk"):
        try:
            answer = json.loads(body)
            code = int(answer.get("errcode", 0))
        except (ValueError, TypeError, AttributeError):
            return Outcome(False, False, status, f"not a robot's answer: {_snippet(body)}")
        if code != 0:
            message = f"errcode {code}: {str(answer.get('errmsg', ''))[:200]}"
            return Outcome(False, code in ROBOT_RETRYABLE, status, message)
    return Outcome(True, False, status, None)


def _snippet(body: bytes, limit: int = 200) -> str:
    return body[:limit].decode("utf-8", "replace").strip()


def mask_url(url: str) -> str:
    """A subscription's URL as shown: a robot's key or token in the query is a secret too."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url.split("?", 1)[0] + ("?***" if "?" in url else "")
    if not parsed.query:
        return url
    masked = httpx.QueryParams({k: "***" for k in parsed.params})
    return str(parsed.copy_with(query=str(masked).encode()))
