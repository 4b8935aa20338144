"""Sending one delivery: its payload from the rows, the request of its format, the state it ends in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import RowMapping

from app import clock
from app.notifications.events import Event
from app.notifications.webhooks import formats
from app.paths import collection_of
from app.settings import get_settings

TEST = "test"


def titles(event: str) -> tuple[str, str]:
    if event == TEST:
        return formats.TEST_ZH, formats.TEST_EN
    try:
        known = Event(event)
    except ValueError:
        return event, event
    return known.zh, known.en


def payload(row: RowMapping) -> formats.Payload:
    """The delivery's payload: ledger number, county, event, level and link; nobody's name."""
    zh, en = titles(row["event"])
    link = None
    if row["hazard_id"] is not None and row["kind"]:
        link = f"{get_settings().base_url}/{collection_of(row['kind'])}/{row['hazard_id']}"
    elif row["event"] == "candidate" and row["county_code"]:  # its county's map with the candidates
        link = f"{get_settings().base_url}/map/{row['county_code']}?layer=candidates"
    created: datetime = row["created_at"]
    return formats.Payload(
        id=row["id"],
        event=row["event"],
        title=zh,
        title_en=en,
        ledger_no=row["ledger_no"],
        kind=row["kind"],
        county_code=row["county_code"],
        county=row["county"],
        # Only a supervision level: whatever else an event may note is not for an outside channel.
        level=row["detail"] if row["detail"] in formats.LEVEL_ZH else None,
        url=link,
        occurred_at=created.astimezone(clock.BEIJING).isoformat(timespec="seconds"),
    )


def request(row: RowMapping) -> formats.Request:
    return formats.build(row["format"], row["url"], row["secret"], payload(row), now=clock.now())


def state_after(outcome: formats.Outcome, *, attempts: int, max_attempts: int) -> str:
    """``delivered``, ``retrying`` (another attempt will follow) or ``failed`` (given up)."""
    if outcome.delivered:
        return "delivered"
    return "retrying" if outcome.retry and attempts < max_attempts else "failed"
