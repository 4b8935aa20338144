"""Webhook subscriptions (administrators only) and the deliveries of events to them.

``enqueue`` is called with every event, in the transaction of the change that causes it: one
delivery per subscription that takes the event, each a job of the queue, so that a rolled-back change
sends nothing. Never commits.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.errors import Conflict, NotFound, invalid
from app.jobs import repository as jobs
from app.notifications.webhooks import delivery
from app.notifications.webhooks import repository as repo
from app.notifications.webhooks.jobs import deliver
from app.notifications.webhooks.schemas import SubscriptionIn, SubscriptionPatch
from app.notifications.webhooks.sending import send
from app.notifications.webhooks.settings import get_webhook_settings


async def enqueue(
    session: AsyncSession,
    event: str,
    *,
    hazard_id: int | None,
    county_code: str | None,
    detail: str | None = None,
) -> int:
    """Queue the event for every subscription that takes it; the number queued."""
    ids = await repo.enqueue(
        session, event=event, hazard_id=hazard_id, county_code=county_code, detail=detail
    )
    for delivery_id in ids:
        await jobs.defer(session, deliver, delivery_id=delivery_id)
    return len(ids)


async def enqueue_told(session: AsyncSession | AsyncConnection, events: list[str]) -> int:
    """Queue what a periodic job told in this transaction (deadlines, candidates: written set-wise, not
    through ``enqueue``) for the subscriptions that take it; the number queued."""
    ids = await repo.enqueue_told(session, events)
    for delivery_id in ids:
        await jobs.defer(session, deliver, delivery_id=delivery_id)
    return len(ids)


async def listing(session: AsyncSession) -> list[repo.Subscription]:
    return await repo.subscriptions(session)


async def get(session: AsyncSession, subscription_id: int) -> repo.Subscription:
    found = await repo.subscription(session, subscription_id)
    if found is None:
        raise NotFound(detail=f"no webhook with id {subscription_id}")
    return found


async def _check(session: AsyncSession, values: dict[str, Any], *, other_than: int | None = None) -> None:
    if values.get("url") is not None:
        try:
            port = urlsplit(values["url"]).port
        except ValueError:  # beyond 65535
            port = 0
        if port is not None and not 1 <= port <= 65535:
            raise invalid("url", "the port must be from 1 to 65535")
    if "name" in values and await repo.name_taken(session, values["name"], other_than=other_than):
        raise Conflict(detail=f"a webhook is already named {values['name']!r}")
    unknown = await repo.unknown_counties(session, values.get("counties") or [])
    if unknown:
        raise invalid("counties", f"not counties of the city: {', '.join(unknown)}")


def _secret_rule(fmt: str, secret: str | None) -> None:
    if fmt == "json" and not secret:
        raise invalid("secret", "a json webhook is signed: give it a secret")
    if fmt == "wecom" and secret:
        raise invalid(
            "secret", "a 企业微信 robot is not signed (its key is in the url): leave the secret out"
        )


async def create(session: AsyncSession, body: SubscriptionIn) -> repo.Subscription:
    values = body.model_dump()
    _secret_rule(body.format, body.secret)
    await _check(session, values)
    values["events"] = sorted(set(values["events"]))
    values["counties"] = sorted(set(values["counties"]))
    return await get(session, await repo.create(session, values))


async def update(session: AsyncSession, subscription_id: int, body: SubscriptionPatch) -> repo.Subscription:
    current = await get(session, subscription_id)
    values = body.model_dump(exclude_unset=True)
    if not values:
        raise invalid("body", "give at least one member to change")
    for field in ("name", "url", "format", "events", "enabled"):
        if field in values and values[field] is None:
            raise invalid(field, "may not be null")
    fmt = values.get("format", current.format)
    has_secret = bool(values["secret"]) if "secret" in values else current.has_secret
    if fmt == "json" and not has_secret:
        raise invalid("secret", "a json webhook is signed: give it a secret")
    if fmt == "wecom" and has_secret:
        raise invalid(
            "secret", "a 企业微信 robot is not signed (its key is in the url): set the secret to null"
        )
    if values.get("counties") is None and "counties" in values:
        values["counties"] = []
    await _check(session, values, other_than=subscription_id)
    for field in ("events", "counties"):
        if field in values:
            values[field] = sorted(set(values[field]))
    await repo.update(session, subscription_id, values)
    return await get(session, subscription_id)


async def delete(session: AsyncSession, subscription_id: int) -> None:
    if not await repo.delete(session, subscription_id):
        raise NotFound(detail=f"no webhook with id {subscription_id}")


async def test_send(session: AsyncSession, subscription_id: int) -> RowMapping:
    """Send a test message now (one attempt, in this request, bounded by the timeout); it is logged."""
    await get(session, subscription_id)
    delivery_id = await repo.add_test_delivery(session, subscription_id)
    row = await repo.delivery(session, delivery_id)
    assert row is not None
    await repo.begin_attempt(session, delivery_id)
    outcome = await send(row["format"], delivery.request(row), timeout_s=get_webhook_settings().timeout_s)
    state = "delivered" if outcome.delivered else "failed"
    await repo.finish_attempt(session, delivery_id, state=state, status=outcome.status, error=outcome.error)
    [entry] = await repo.log(session, subscription_id=subscription_id, before=delivery_id + 1, limit=1)
    return entry


async def log(
    session: AsyncSession, *, subscription_id: int | None, before: int | None, limit: int
) -> list[RowMapping]:
    return await repo.log(session, subscription_id=subscription_id, before=before, limit=limit)
