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
from app.photos.router import photos_router
from app.photos.router import router as photos_hazards_router
from app.photos.router import segments_router as photos_segments_router
from app.photos.upload import body_limit as photo_body_limit
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
        # Uploads have their own, larger limits, each enforced again as the body is read: a photo
        # (HAZARDMAP_PHOTO_MAX_BYTES) and an import's file, spooled to disk (HAZARDMAP_IMPORT_MAX_BYTES,
        # plus a megabyte for the form around it).
        photo = request.method == "POST" and request.url.path.endswith("/photos")
        upload = request.method == "POST" and request.url.path == f"{API_PREFIX}/imports"
        if photo:
            limit = photo_body_limit()
        elif upload:
            limit = settings.import_max_bytes + 1_048_576
        else:
            limit = settings.max_body_bytes
        if length is not None and (not length.isdigit() or int(length) > limit):
            what = (
                f"a photo must be at most {settings.photo_max_bytes} bytes"
                if photo
                else (f"the request body must be at most {limit} bytes")
            )
            return problems.problem_response(413, "Payload too large", what, request)
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
    photos_hazards_router,
    photos_segments_router,
    photos_router,
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
