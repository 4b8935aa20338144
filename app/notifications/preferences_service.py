"""A user's choices of what they receive, and their e-mail address. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts
from app.accounts.permissions import Principal
from app.errors import Forbidden
from app.notifications import mail_repository as repo
from app.notifications.mail_settings import get_mail_settings
from app.notifications.preferences import Channel, effective
from app.notifications.preferences_schemas import EventChoice, Preferences, PreferencesIn


def _user(principal: Principal) -> None:
    if principal.kind != "user":
        raise Forbidden(detail="notification preferences belong to users; an API key has none")


async def read(session: AsyncSession, principal: Principal, lang: str = "zh") -> Preferences:
    _user(principal)
    chosen = {
        (c.event, c.channel): c.enabled for c in effective(await repo.preferences(session, principal.id))
    }
    settings = get_mail_settings()
    return Preferences(
        email=await accounts.email_of(session, principal.id),
        email_available=settings.enabled,
        digest_at=settings.digest_at,
        events=[
            EventChoice(
                event=e,
                title=e.en if lang == "en" else e.zh,
                inapp=chosen[(e, Channel.inapp)],
                email=chosen[(e, Channel.email)],
                digest=chosen[(e, Channel.digest)],
            )
            for e in dict.fromkeys(event for event, _ in chosen)
        ],
    )


async def update(session: AsyncSession, principal: Principal, body: PreferencesIn) -> None:
    _user(principal)
    if "email" in body.model_fields_set:
        await accounts.set_email(session, principal.id, body.email)
    choices = [
        (item.event.value, channel.value, value)
        for item in body.events
        for channel in Channel
        if (value := getattr(item, channel.value)) is not None
    ]
    await repo.put_preferences(session, principal.id, choices)
