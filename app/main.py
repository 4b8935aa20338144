"""The FastAPI application: routers, error handlers, request limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app import __version__, apidocs, openapi, problems
from app.accounts.dependencies import current_principal, require
from app.accounts.permissions import Permission
from app.accounts.router import router as accounts_router
from app.admin.webhooks import pages as webhook_pages
from app.basemaps.pages import pages as basemap_pages
from app.basemaps.router import api as basemaps_router
from app.basemaps.router import tiles as basemap_tiles
from app.categories.router import router as categories_router
from app.crashes.router import router as crashes_router
from app.db import dispose_engine
from app.deps import Session
from app.exports.router import router as exports_router
from app.field.router import api as field_api
from app.field.router import pages as field_pages
from app.hazards.router import router as hazards_router
from app.hazards.router import segments_router
from app.health.router import router as health_router
from app.imports.router import router as imports_router
from app.intake.router import router as intake_router
from app.intake.router import segments_router as intake_segments_router
from app.jurisdictions.router import router as jurisdictions_router
from app.ledger.router import router as ledger_router
from app.maps.router import router as map_pages
from app.notifications.preferences_router import router as notification_preferences_router
from app.notifications.router import router as notifications_router
from app.notifications.webhooks.router import router as webhooks_router
from app.ogc.router import router as ogc_router
from app.paths import API_PREFIX
from app.photos.router import photos_router
from app.photos.router import router as photos_hazards_router
from app.photos.router import segments_router as photos_segments_router
from app.photos.upload import body_limit as photo_body_limit
from app.posters.router import router as posters_router
from app.records.preferences_page import pages as notification_pages
from app.records.router import api as search_router
from app.records.router import pages as record_pages
from app.replicas.marker import ReadYourWrites
from app.replicas.routing import dispose_replicas
from app.reports.router import router as reports_router
from app.roads.linear_router import router as linear_router
from app.roads.milepost_router import router as milepost_router
from app.roads.router import router as roads_router
from app.security_headers import SecurityHeaders
from app.settings import get_settings
from app.stats.router import router as stats_router
from app.tiles.router import router as tiles_router
from app.web.router import mount as mount_web
from app.workflow.router import router as workflow_router
from app.workflow.router import segments_router as workflow_segments_router
from app.workflow.router import supervision_router
from app.workjobs.router import router as workjobs_router

log = logging.getLogger(__name__)


class LimitBody:
    """Refuse an oversized body before reading it (the declared length); a chunked body without a
    length is capped where it is read (app.http.read_json_body).

    Plain ASGI rather than ``@app.middleware("http")``: that wraps every response in a stream of
    its own, which cost a small tile request a noticeable share of its time.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit(self, scope: Scope) -> tuple[int, str]:
        """The declared length allowed, and what the refusal says.

        Uploads have their own, larger limits, each enforced again as the body is read: a photo
        (HAZARDMAP_PHOTO_MAX_BYTES) and an import's file, spooled to disk (HAZARDMAP_IMPORT_MAX_BYTES,
        plus a megabyte for the form around it).
        """
        post = scope.get("method") == "POST"
        path: str = scope.get("path", "")
        if post and path.endswith("/photos"):
            return photo_body_limit(), f"a photo must be at most {get_settings().photo_max_bytes} bytes"
        limit = self.max_bytes
        if post and path == f"{API_PREFIX}/imports":
            limit = get_settings().import_max_bytes + 1_048_576
        return limit, f"the request body must be at most {limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length")
            limit, what = self.limit(scope)
            if length is not None and (not length.isdigit() or int(length) > limit):
                request = Request(scope)
                response = problems.problem_response(413, "Payload too large", what, request)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # Background jobs belong to the queue and its workers (app.jobs): a web process starting or
    # stopping never touches them.
    yield
    await dispose_engine()
    await dispose_replicas()


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_production()
    app = FastAPI(
        title="hazardmap",
        version=__version__,
        summary="道路交通安全隐患台账与挂图作战 — road-traffic-safety hazard ledger and maps",
        lifespan=lifespan,
        docs_url=None,  # app.apidocs serves /docs and /redoc with local assets
        redoc_url=None,
    )
    problems.install(app)
    openapi.install(app)

    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes)
    # gzip when the client asks (browsers and GIS clients do): a page of 1,000 features shrinks
    # about tenfold and a busy tile about threefold. Level 1 takes most of that for a fraction of
    # the CPU of the default 9 (bench/README.md, tipg_compare); below 1 kB it is not worth it.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    app.add_middleware(ReadYourWrites)  # which database a request reads (app.replicas)
    app.add_middleware(SecurityHeaders)  # outermost: also on the 413 of LimitBody and on errors

    app.include_router(health_router)
    app.include_router(apidocs.router)
    app.include_router(record_pages)  # /, the record pages, /todo, /search
    app.include_router(map_pages)  # /map, /wall, /field, /ledger
    app.include_router(basemap_pages)  # /admin/basemaps
    app.include_router(webhook_pages)  # /admin/webhooks
    app.include_router(notification_pages)  # /notifications/preferences
    mount_web(app)  # /login, /logout and the static files of every page
    app.include_router(field_pages)  # the field app's service worker and manifest
    # Vector tiles and OGC API – Features sit outside /api/v1, where GIS clients expect them.
    app.include_router(tiles_router, dependencies=[Depends(require(Permission.read))])
    app.include_router(basemap_tiles, dependencies=[Depends(require(Permission.read))])
    app.include_router(ogc_router, dependencies=[Depends(_ogc_guard)])
    app.include_router(accounts_router, prefix=API_PREFIX)
    app.include_router(notifications_router, prefix=API_PREFIX)  # a user's own, read by any user
    app.include_router(notification_preferences_router, prefix=API_PREFIX)  # the same
    for router, permission in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(require(permission))])
    return app


# What a GIS client reads before it has credentials: the OGC landing page and conformance.
OGC_OPEN = frozenset({"/ogc", "/ogc/", "/ogc/conformance"})


async def _ogc_guard(request: Request, session: Session) -> None:
    if request.url.path not in OGC_OPEN:
        (await current_principal(request, session)).require(Permission.read)


openapi.guarded(_ogc_guard, open_paths=OGC_OPEN)


# Order matters where paths overlap: /roads/locate and /roads/snap before /roads/{id}.
# Each with the permission every one of its endpoints needs; writes add their own (app.accounts.permissions).
# `read` is published data (agency keys too); `read_internal` is the ledger, history, crashes (not agency).
API_ROUTERS: list[tuple[APIRouter, Permission]] = [
    (hazards_router, Permission.read),
    (segments_router, Permission.read),
    (intake_router, Permission.read),
    (intake_segments_router, Permission.read),
    (workflow_router, Permission.read),
    (workflow_segments_router, Permission.read),
    (supervision_router, Permission.read_internal),
    (ledger_router, Permission.read_internal),
    (stats_router, Permission.read),
    (categories_router, Permission.read),
    (basemaps_router, Permission.read),
    (jurisdictions_router, Permission.read),
    (linear_router, Permission.read),
    (milepost_router, Permission.read),
    (roads_router, Permission.read),
    (crashes_router, Permission.read_internal),
    (exports_router, Permission.read),
    (photos_hazards_router, Permission.read_internal),
    (photos_segments_router, Permission.read_internal),
    (photos_router, Permission.read_internal),
    (imports_router, Permission.read_internal),
    (field_api, Permission.read_internal),
    (search_router, Permission.read),
    (posters_router, Permission.read),
    (reports_router, Permission.read_internal),
    (webhooks_router, Permission.webhooks_manage),
    (workjobs_router, Permission.read),  # posters', reports' and detection runs' jobs: their owners'
]


app = create_app()
