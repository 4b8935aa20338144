"""The FastAPI application: routers, error handlers, request limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

from app import __version__, problems
from app.categories.router import router as categories_router
from app.crashes.router import router as crashes_router
from app.db import dispose_engine, get_engine
from app.exports.router import router as exports_router
from app.hazards.router import router as hazards_router
from app.hazards.router import segments_router
from app.health.router import router as health_router
from app.imports.router import router as imports_router
from app.jurisdictions.router import router as jurisdictions_router
from app.ledger.router import router as ledger_router
from app.maps.router import mount as mount_maps
from app.ogc.router import router as ogc_router
from app.roads.linear_router import router as linear_router
from app.roads.router import router as roads_router
from app.settings import get_settings
from app.stats.router import router as stats_router
from app.tiles.router import router as tiles_router
from app.workflow.router import router as workflow_router
from app.workflow.router import segments_router as workflow_segments_router
from app.workflow.router import supervision_router

API_PREFIX = "/api/v1"
log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await _fail_abandoned_imports()
    yield
    await dispose_engine()


async def _fail_abandoned_imports() -> None:
    """An import job left running by a process that died will never finish: say so."""
    from sqlalchemy.exc import DBAPIError

    from app.imports.repository import fail_abandoned

    try:
        failed = await fail_abandoned(get_engine())
    except (DBAPIError, OSError) as exc:  # the service starts without its database, as /healthz reports
        log.warning("could not check for abandoned import jobs: %s", exc)
        return
    if failed:
        log.warning("marked %d abandoned import job(s) failed", failed)


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="hazardmap",
        version=__version__,
        summary="道路交通安全隐患台账与挂图作战 — road-traffic-safety hazard ledger and maps",
        lifespan=lifespan,
    )
    problems.install(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Refuse an oversized body before reading it (the declared length); a chunked body without
        # a length is capped where it is read (app.http.read_json_body).
        length = request.headers.get("content-length")
        # An import's upload has its own, larger limit (the file is spooled to disk as it is read);
        # the form around the file is allowed a megabyte.
        limit = (
            settings.import_max_bytes + 1_048_576
            if request.url.path == f"{API_PREFIX}/imports"
            else settings.max_body_bytes
        )
        if length is not None and (not length.isdigit() or int(length) > limit):
            return problems.problem_response(
                413, "Payload too large", f"the request body must be at most {limit} bytes", request
            )
        return await call_next(request)

    app.include_router(health_router)
    mount_maps(app)  # the pages: /map, /wall, /field and their static files
    # Vector tiles and OGC API – Features sit outside /api/v1, where GIS clients expect them.
    app.include_router(tiles_router)
    app.include_router(ogc_router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return app


# Order matters where paths overlap: /roads/locate and /roads/snap before /roads/{id}.
API_ROUTERS: list[APIRouter] = [
    hazards_router,
    segments_router,
    workflow_router,
    workflow_segments_router,
    supervision_router,
    ledger_router,
    stats_router,
    categories_router,
    jurisdictions_router,
    linear_router,
    roads_router,
    crashes_router,
    exports_router,
    imports_router,
]


app = create_app()
