"""The FastAPI application: routers, error handlers, request limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request, Response

from app import __version__, problems
from app.accounts.permissions import Permission, current_principal, require
from app.accounts.router import router as accounts_router
from app.categories.router import router as categories_router
from app.crashes.router import router as crashes_router
from app.db import dispose_engine
from app.deps import Session
from app.exports.router import router as exports_router
from app.hazards.router import router as hazards_router
from app.hazards.router import segments_router
from app.health.router import router as health_router
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


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await dispose_engine()


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_production()
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
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return problems.problem_response(
                413,
                "Payload too large",
                f"the request body must be at most {settings.max_body_bytes} bytes",
                request,
            )
        return await call_next(request)

    app.include_router(health_router)
    mount_maps(app)  # the pages: /map, /wall, /field and their static files
    # Vector tiles and OGC API – Features sit outside /api/v1, where GIS clients expect them.
    app.include_router(tiles_router, dependencies=[Depends(require(Permission.read))])
    app.include_router(ogc_router, dependencies=[Depends(_ogc_guard)])
    app.include_router(accounts_router, prefix=API_PREFIX)
    for router, permission in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(require(permission))])
    return app


# What a GIS client reads before it has credentials: the OGC landing page and conformance.
OGC_OPEN = frozenset({"/ogc", "/ogc/", "/ogc/conformance"})


async def _ogc_guard(request: Request, session: Session) -> None:
    if request.url.path not in OGC_OPEN:
        (await current_principal(request, session)).require(Permission.read)


# Order matters where paths overlap: /roads/locate and /roads/snap before /roads/{id}.
# Each with the permission every one of its endpoints needs; writes add their own (app.accounts.permissions).
# `read` is published data (agency keys too); `read_internal` is the ledger, history, crashes (not agency).
API_ROUTERS: list[tuple[APIRouter, Permission]] = [
    (hazards_router, Permission.read),
    (segments_router, Permission.read),
    (workflow_router, Permission.read),
    (workflow_segments_router, Permission.read),
    (supervision_router, Permission.read_internal),
    (ledger_router, Permission.read_internal),
    (stats_router, Permission.read),
    (categories_router, Permission.read),
    (jurisdictions_router, Permission.read),
    (linear_router, Permission.read),
    (roads_router, Permission.read),
    (crashes_router, Permission.read_internal),
    (exports_router, Permission.read),
]


app = create_app()
