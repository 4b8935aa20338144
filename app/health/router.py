from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app import __version__
from app.accounts import service
from app.accounts.permissions import Role
from app.db import session_scope
from app.errors import RETRY_AFTER_S, HazardmapError
from app.health import repository

router = APIRouter(tags=["health"])


async def _admin(session: AsyncSession, request: Request) -> bool:
    """Whether the request comes from a signed-in administrator; any other caller is anonymous here."""
    try:
        if service.credentials(request) is None:
            return False
        principal = await service.authenticate(session, request)
    except HazardmapError:
        return False
    return principal.role is Role.admin


@router.get(
    "/healthz",
    summary="The service and its database",
    responses={503: {"description": "The database does not answer.", "content": {"application/json": {}}}},
)
async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers, 503 (with Retry-After) when it does not.

    The versions of the service, PostgreSQL, PostGIS (with GEOS and PROJ) only to an administrator.
    """
    try:
        async with session_scope() as session:
            await repository.ping(session)
            if not await _admin(session, request):
                return JSONResponse({"status": "ok", "database": {"status": "ok"}})
            row = await repository.versions(session)
    except Exception:  # the point of this endpoint is to report failure, not to raise it
        down = {"status": "unavailable", "database": {"status": "unavailable"}}
        return JSONResponse(down, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    body: dict[str, Any] = {
        "status": "ok",
        "version": __version__,
        "database": {"status": "ok", "postgresql": row[0], "postgis": row[1], "postgis_full": row[2]},
    }
    return JSONResponse(body)
