"""/api/v1/notifications/preferences: what the signed-in user receives, on which channel, and their
e-mail address."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.accounts.dependencies import CurrentPrincipal
from app.deps import Session
from app.notifications import preferences_service as service
from app.notifications.preferences_schemas import Preferences, PreferencesIn
from app.openapi import problems, rules

router = APIRouter(prefix="/notifications/preferences", tags=["notifications (通知)"])

Lang = Annotated[Literal["zh", "en"], Query()]


@router.get("", summary="What I receive, per event and channel", responses=problems(401, 403, 422))
async def read(session: Session, principal: CurrentPrincipal, lang: Lang = "zh") -> Preferences:
    """Permission: any signed-in user (an API key has no preferences: 403). Without a choice of the
    user's, the defaults: everything in the app and in the digest; e-mail at once for what asks them
    to act (awaiting verification, listed, deadline near or missed)."""
    return await service.read(session, principal, lang)


@router.put(
    "",
    summary="Choose what I receive, and my e-mail address",
    responses=problems(401, 403, 422),
    openapi_extra=rules(email="An e-mail address (name@domain), or null / empty to remove it."),
)
async def update(
    session: Session, principal: CurrentPrincipal, body: PreferencesIn, lang: Lang = "zh"
) -> Preferences:
    """Permission: any signed-in user, for themselves. Only what is given changes."""
    await service.update(session, principal, body)
    return await service.read(session, principal, lang)
