"""The HTTP side of the error hierarchy: every error leaves as application/problem+json."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import FieldError, HazardmapError

log = logging.getLogger("hazardmap")

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, title: str, detail: str, request: Request, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://hazardmap.invalid/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the application serves at the request's path (HEAD with GET)."""
    from fastapi.routing import iter_route_contexts

    methods: set[str] = set()
    path = request.url.path
    for route in iter_route_contexts(request.app.routes):
        regex, served = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and served and regex.match(path):
            methods |= set(served)
    return sorted(methods)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # FastAPI prefixes with where the value came from (body, query, path, header).
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"query", "path", "header", "cookie"}:
        # A repeated parameter is named, not its n-th value.
        parts = [parts[1], *(p for p in parts[2:] if not p.isdigit())] if len(parts) > 1 else []
    elif parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(HazardmapError)
    async def _domain(request: Request, exc: HazardmapError) -> JSONResponse:
        extra = {"errors": [e.as_dict() for e in exc.errors]} if exc.errors else {}
        extra |= exc.extra
        response = problem_response(exc.status, exc.title, exc.detail, request, **extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(_field_path(e.get("loc", ())), str(e.get("msg", "invalid"))).as_dict()
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        return problem_response(422, "Invalid input", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
        response = problem_response(
            exc.status_code, titles.get(exc.status_code, "HTTP error"), str(exc.detail), request
        )
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            # Starlette names only the methods of the first route that matched the path; a path served
            # by several routes (GET and PATCH apart) allows the methods of them all.
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc)
        return problem_response(503, "Service unavailable", "the database is unavailable", request)

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # Anything the database refuses that validation did not catch first: the request was wrong
        # in a way we did not foresee, so say so rather than answer 500. It is logged for us to fix.
        log.exception("database refused a request")
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
        if sqlstate.startswith(("22", "23", "HM")):
            return problem_response(
                422, "Invalid input", f"the database refused the values: {exc.orig}", request
            )
        return problem_response(503, "Service unavailable", "the database could not answer", request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(500, "Internal error", "an unexpected error occurred", request)
