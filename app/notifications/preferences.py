"""What a user receives, per event and channel: the channels, the defaults (a user without rows gets
them), and the effective choice. Pure: no database.

- ``inapp``: the notification centre (the bell). Off: the notification is kept, already read, so
  that the bell never counts it (the e-mail and the digest still read it).
- ``email``: one e-mail per notification, at once (needs an address and a configured SMTP server).
- ``digest``: listed in the daily digest e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.notifications.events import Event


class Channel(StrEnum):
    inapp = "inapp"
    email = "email"
    digest = "digest"


CHANNEL_ZH = {Channel.inapp: "站内通知", Channel.email: "即时邮件", Channel.digest: "每日汇总邮件"}
CHANNEL_EN = {Channel.inapp: "In the app", Channel.email: "E-mail at once", Channel.digest: "Daily digest"}

# E-mail at once only for what asks the user to act soon (a fix awaiting their verification, a
# listing for supervision, a deadline near or missed); everything else waits for the digest. Named by
# value, so that the set also covers events defined later.
EMAIL_BY_DEFAULT = frozenset({"rectified", "listed", "due_soon", "overdue"})


def default(event: Event, channel: Channel) -> bool:
    if channel is Channel.email:
        return event.value in EMAIL_BY_DEFAULT
    return True


def email_default_events() -> list[str]:
    """The events e-mailed at once without a choice of the user's (a parameter of the SQL)."""
    return sorted(e.value for e in Event if default(e, Channel.email))


@dataclass(frozen=True)
class Choice:
    event: Event
    channel: Channel
    enabled: bool


def effective(rows: dict[tuple[str, str], bool]) -> list[Choice]:
    """Every event × channel, the user's stored choice or the default, in the enum's order."""
    return [Choice(e, c, rows.get((e.value, c.value), default(e, c))) for e in Event for c in Channel]
