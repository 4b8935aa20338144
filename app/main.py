"""The FastAPI application: routers, error handlers, request limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from app import __version__, problems
from app.db import dispose_engine
from app.health.router import router as health_router
from app.settings import get_settings

API_PREFIX = "/api/v1"


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await dispose_engine()


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
        # a length is capped where it is read (app.hazards.router.read_json_body).
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
    for router in _domain_routers():
        app.include_router(router, prefix=API_PREFIX)
    return app


def _domain_routers() -> list:  # type: ignore[type-arg]
    routers = []
    try:
        from app.hazards.router import router as hazards_router
        from app.hazards.router import segments_router
        from app.jurisdictions.router import router as jurisdictions_router
        from app.roads.router import router as roads_router
    except ImportError:  # pragma: no cover - during the first build only
        return routers
    routers += [hazards_router, segments_router, jurisdictions_router, roads_router]
    return routers


app = create_app()
