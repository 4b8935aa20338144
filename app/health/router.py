from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app import __version__
from app.db import get_engine

router = APIRouter(tags=["health"])

VERSIONS = "SELECT current_setting('server_version'), postgis_lib_version(), postgis_full_version()"


@router.get(
    "/healthz",
    summary="The service and its database",
    responses={503: {"description": "The database does not answer.", "content": {"application/json": {}}}},
)
async def healthz() -> JSONResponse:
    """200 with the PostgreSQL and PostGIS versions when the database answers, 503 when it does not."""
    body: dict[str, Any] = {"status": "ok", "version": __version__}
    try:
        async with get_engine().connect() as conn:
            row = (await conn.execute(text(VERSIONS))).one()
        body["database"] = {"status": "ok", "postgresql": row[0], "postgis": row[1], "postgis_full": row[2]}
        return JSONResponse(body)
    except Exception as exc:  # the point of this endpoint is to report failure, not to raise it
        body["status"] = "unavailable"
        body["database"] = {"status": "unavailable", "error": type(exc).__name__}
        return JSONResponse(body, status_code=503)
