"""The administrator's webhook page (/admin/webhooks): the subscriptions, a form to add one, a test
send per subscription, and the delivery log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app import clock
from app.accounts.permissions import Permission
from app.deps import Session
from app.notifications.events import Event
from app.notifications.webhooks import delivery, formats, service, words
from app.notifications.webhooks import repository as repo
from app.paths import API_PREFIX
from app.web import i18n
from app.web.access import page_access
from app.web.templating import render, with_account

pages = APIRouter(include_in_schema=False)

LOG_ROWS = 100


@pages.get("/admin/webhooks", response_class=HTMLResponse)
async def webhooks_page(request: Request, session: Session) -> Response:
    principal = await page_access(request, session, Permission.webhooks_manage)
    if isinstance(principal, Response):
        return principal
    lang, chosen = i18n.pick_lang(request)
    i = 0 if lang == "zh" else 1
    root = request.scope.get("root_path", "")
    counties = await repo.counties(session)
    county_names = dict(counties)
    events = [(e.value, delivery.titles(e.value)[i]) for e in Event]
    event_names = {**dict(events), delivery.TEST: delivery.titles(delivery.TEST)[i]}
    order = {e.value: n for n, e in enumerate(Event)}
    format_names = words.pick(words.FORMATS, lang)
    state_names = words.pick(words.STATES, lang)
    subscriptions = [
        {
            "id": s.id,
            "name": s.name,
            "url": formats.mask_url(s.url),
            "format": format_names.get(s.format, s.format),
            "events": [
                event_names.get(e, e) for e in sorted(s.events, key=lambda e: order.get(e, len(order)))
            ],
            "counties": [county_names.get(c, c) for c in s.counties],
            "has_secret": s.has_secret,
            "enabled": s.enabled,
        }
        for s in await service.listing(session)
    ]
    log = [
        {
            **row,
            "time": row["created_at"].astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
            "event_name": event_names.get(row["event"], row["event"]),
            "state_name": state_names.get(row["state"], row["state"]),
        }
        for row in await service.log(session, subscription_id=None, before=None, limit=LOG_ROWS)
    ]
    w = words.pick(words.WORDS, lang)
    config = {"page": "webhooks", "root": root, "api": f"{root}{API_PREFIX}/webhooks", "words": w}
    context = {
        "w": w,
        "subscriptions": subscriptions,
        "log": log,
        "events": events,
        "counties": counties,
        "formats": list(format_names.items()),
        "config": config,
    }
    return render(request, "webhooks.html", lang, chosen, await with_account(session, principal, context))
