"""E-mails of notifications and of the daily digest: their text (Chinese, the users' language) and
their sending through the configured SMTP server.

aiosmtplib sends: the worker's jobs are coroutines on one event loop, and an SMTP conversation is
mostly waiting on the network, so an asyncio client sends without holding a thread (stdlib
``smtplib`` would block the loop, or need a thread per message); it is maintained, typed, and
speaks STARTTLS, implicit TLS and AUTH.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from app.notifications.events import Event
from app.notifications.mail_repository import Item
from app.notifications.mail_settings import MailSettings
from app.paths import collection_of

SERVICE_ZH = "道路交通安全隐患台账"
LEVEL_ZH = {"city": "市级挂牌督办", "county": "县级挂牌督办"}
PREFERENCES_PATH = "/notifications/preferences"


class SendFailed(Exception):
    """The server did not take the message (refused, unreachable, timed out)."""


def record_url(base_url: str, item: Item) -> str | None:
    """The hazard's record page; for an accident-prone candidate, its county's map with the candidates."""
    if item.hazard_id is not None and item.kind is not None:
        return f"{base_url}/{collection_of(item.kind)}/{item.hazard_id}"
    if item.event == Event.candidate.value and item.county_code:
        return f"{base_url}/map/{item.county_code}?layer=candidates"
    return None


def _title(event: str | None) -> str:
    try:
        return Event(event).zh if event else "待办隐患"
    except ValueError:  # an event this version does not know
        return str(event)


def _lines(item: Item, base_url: str) -> list[str]:
    lines = [f"隐患编号：{item.ledger_no}"] if item.ledger_no else []
    if item.county_name:
        lines.append(f"所在区县：{item.county_name}")
    if item.address:
        lines.append(f"路段位置：{item.address}")
    if item.due:
        lines.append(f"整改时限：{item.due:%Y-%m-%d}")
    if item.detail in LEVEL_ZH:
        lines.append(f"督办级别：{LEVEL_ZH[item.detail]}")
    url = record_url(base_url, item)
    if url:
        lines.append(f"查看：{url}")
    return lines


def _footer(base_url: str) -> list[str]:
    return [
        "",
        "——",
        f"{SERVICE_ZH}（系统自动发送，请勿回复）",
        f"通知设置（可关闭此类邮件）：{base_url}{PREFERENCES_PATH}",
    ]


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    message_id: str


def notification_email(to: str, item: Item, base_url: str, message_id: str) -> Outgoing:
    title = _title(item.event)
    body = [title, "", *_lines(item, base_url), *_footer(base_url)]
    subject = f"【{SERVICE_ZH}】{title}：{item.ledger_no}" if item.ledger_no else f"【{SERVICE_ZH}】{title}"
    return Outgoing(to, subject, "\n".join(body) + "\n", message_id)


def digest_email(
    to: str,
    day: date,
    unread: list[Item],
    open_items: list[Item],
    open_total: int,
    base_url: str,
    message_id: str,
) -> Outgoing:
    body = [f"{day:%Y年%m月%d日} 通知汇总", ""]
    if unread:
        body += [f"一、未读通知（{len(unread)}条）", ""]
        for n, item in enumerate(unread, 1):
            body.append(f"{n}. {_title(item.event)}")
            body += [f"   {line}" for line in _lines(item, base_url)]
            body.append("")
    if open_items:
        head = "二、" if unread else "一、"
        body += [f"{head}辖区内超期或即将到期的隐患（共{open_total}条）", ""]
        for n, item in enumerate(open_items, 1):
            body.append(f"{n}. {'已超期' if item.overdue else '即将到期'}")
            body += [f"   {line}" for line in _lines(item, base_url)]
            body.append("")
        if open_total > len(open_items):
            body += [f"另有 {open_total - len(open_items)} 条，见我的待办：{base_url}/todo", ""]
    body += _footer(base_url)
    subject = f"【{SERVICE_ZH}】{day:%m月%d日}通知汇总：未读{len(unread)}条，待办{open_total}条"
    return Outgoing(to, subject, "\n".join(body) + "\n", message_id)


def message_id(settings: MailSettings, kind: str, key: str) -> str:
    """The same Message-ID on every attempt of one e-mail: should a message go out twice (a worker
    stopped after the server took it, before recording it), mail programs show it once."""
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "hazardmap.invalid"
    return f"<hazardmap.{kind}.{key}@{domain}>"


def build(settings: MailSettings, out: Outgoing) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = out.to
    msg["Subject"] = out.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = out.message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg.set_content(out.body, charset="utf-8")
    return msg


async def send(settings: MailSettings, out: Outgoing) -> None:
    """Hand the message to the SMTP server; SendFailed when it did not take it."""
    implicit_tls = settings.smtp_port == 465
    try:
        await aiosmtplib.send(
            build(settings, out),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password.get_secret_value() or None,
            use_tls=implicit_tls,
            start_tls=settings.smtp_starttls and not implicit_tls,
            timeout=settings.smtp_timeout_s,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SendFailed(str(exc) or type(exc).__name__) from exc
