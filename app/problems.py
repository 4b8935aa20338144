"""The HTTP side of the error hierarchy: every error leaves as application/problem+json."""

from __future__ import annotations

import logging
import socket
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DatabaseUnavailable, FieldError, HazardmapError

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


# What the driver and the pool raise when the database cannot be reached or drops the connection.
UNREACHABLE: tuple[type[Exception], ...] = (
    ConnectionError,  # refused, reset, broken pipe
    socket.gaierror,
    TimeoutError,  # connecting timed out
    PoolTimeout,  # no connection free in the pool in time
    OperationalError,
    InterfaceError,
    asyncpg.exceptions.InterfaceError,  # among them ConnectionDoesNotExistError
    asyncpg.exceptions.PostgresConnectionError,
)
# SQLSTATEs of a passing refusal: connection exceptions (class 08), too many connections,
# shutting down, crashed, starting up (57P01–57P03), serialization failure, deadlock.
TRANSIENT_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03", "40001", "40P01")


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database is out of reach for now."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, UNREACHABLE) or (isinstance(e, DBAPIError) and e.connection_invalidated):
            return True
        sqlstate = getattr(e, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(TRANSIENT_SQLSTATES):
            return True
        e = getattr(e, "orig", None) or e.__cause__ or e.__context__
    return False


def error_response(exc: HazardmapError, request: Request) -> JSONResponse:
    extra = {"errors": [e.as_dict() for e in exc.errors]} if exc.errors else {}
    extra |= exc.extra
    response = problem_response(exc.status, exc.title, exc.detail, request, **extra)
    response.headers.update(exc.headers)
    return response


# What the database's refusals mean to the person who sent the request, by SQLSTATE.
_REFUSALS: dict[str, tuple[int, str]] = {
    "22001": (422, "a text is longer than this field allows; shorten it"),
    "22003": (422, "a number is out of the range this field allows"),
    "22007": (422, "a date or time cannot be read; write it as 2026-03-02 or 2026-03-02T09:30:00+08:00"),
    "22008": (422, "a date or time is out of range; check the year"),
    "22P02": (422, "a value is not of the expected kind (a number, a date, an id)"),
    "23502": (422, "a required value is missing"),
    "23503": (422, "it refers to a record that does not exist"),
    "23505": (409, "a record with these values exists already"),
    "23514": (422, "a value is outside what this field allows"),
    "HM001": (422, "the location is in no county of the city"),
    "HM002": (409, "the claim is signed: its signature fields cannot be changed"),
}
_FIELD_OF_STATE = {"HM001": "geometry.coordinates", "HM002": "claim"}


def refusal(exc: DBAPIError, sqlstate: str) -> tuple[int, FieldError]:
    """The status and the field error for a refusal of the database, from its SQLSTATE and, where
    the driver gives it, the column: no text of the driver's."""
    status, message = _REFUSALS.get(
        sqlstate,
        (422, "the values were refused; check them against the API documentation")
        if sqlstate.startswith(("22", "HM"))
        else (409, "the values conflict with the records kept"),
    )
    driver_error = getattr(getattr(exc, "orig", None), "__cause__", None)
    column = getattr(driver_error, "column_name", None)
    field_name = _FIELD_OF_STATE.get(sqlstate) or (str(column) if column else "body")
    return status, FieldError(field_name, message)


def install(app: FastAPI) -> None:
    @app.exception_handler(HazardmapError)
    async def _domain(request: Request, exc: HazardmapError) -> JSONResponse:
        return error_response(exc, request)

    async def _unreachable(request: Request, exc: Exception) -> JSONResponse:
        """503 with Retry-After for a database out of reach; any other OS error is ours (500)."""
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.error("database unavailable: %s: %s", type(exc).__name__, exc)
        return error_response(DatabaseUnavailable(), request)

    handled: tuple[type[Exception], ...] = (OSError, *UNREACHABLE)
    for unreachable in handled:
        app.add_exception_handler(unreachable, _unreachable)

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

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if database_unavailable(exc):
            return await _unreachable(request, exc)
        # Anything the database refuses that validation did not catch first: the request was wrong
        # in a way we did not foresee, so say so rather than answer 500. It is logged for us to fix.
        log.exception("database refused a request")
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
        if sqlstate.startswith(("22", "23", "HM")):
            # Never the driver's text (it names tables, constraints, the SQL): a sentence to act on.
            status, error = refusal(exc, sqlstate)
            title = "Conflict" if status == 409 else "Invalid input"
            return problem_response(
                status, title, f"{error.field}: {error.message}", request, errors=[error.as_dict()]
            )
        return problem_response(503, "Service unavailable", "the database could not answer", request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem_response(500, "Internal error", "an unexpected error occurred", request)
