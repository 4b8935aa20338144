"""/api/v1/notifications: the signed-in user's own notifications (a user only ever sees theirs)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from app.accounts.dependencies import CurrentPrincipal
from app.deps import Session
from app.errors import Forbidden
from app.notifications import service
from app.notifications.schemas import MarkedRead, NotificationList, NotificationOut, UnreadCount
from app.openapi import problems

router = APIRouter(prefix="/notifications", tags=["notifications (通知)"])


def _user(principal: CurrentPrincipal) -> None:
    if principal.kind != "user":
        raise Forbidden(detail="notifications belong to users; an API key has none")


@router.get("", summary="My notifications, newest first", responses=problems(401, 403, 422))
async def listing(
    session: Session,
    principal: CurrentPrincipal,
    unread: Annotated[bool, Query(description="only the unread")] = False,
    before: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="page on: the smallest id of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> NotificationList:
    _user(principal)
    items = await service.listing(session, principal, unread=unread, before=before, limit=limit, lang=lang)
    return NotificationList(
        unread=await service.unread_count(session, principal),
        items=[NotificationOut(**asdict(i)) for i in items],
    )


@router.get("/unread", summary="How many of my notifications are unread", responses=problems(401, 403))
async def unread(session: Session, principal: CurrentPrincipal) -> UnreadCount:
    _user(principal)
    return UnreadCount(unread=await service.unread_count(session, principal))


@router.post("/{id}/read", summary="Mark one notification read", responses=problems(401, 403, 404, 422))
async def mark_read(
    session: Session, principal: CurrentPrincipal, notification_id: Annotated[int, Path(alias="id", ge=1)]
) -> MarkedRead:
    _user(principal)
    await service.mark_read(session, principal, notification_id)
    return MarkedRead(marked=1)


@router.post("/read", summary="Mark all my notifications read", responses=problems(401, 403))
async def mark_all_read(session: Session, principal: CurrentPrincipal) -> MarkedRead:
    _user(principal)
    return MarkedRead(marked=await service.mark_all_read(session, principal))
