"""HTTP details the routers share: reading a JSON body safely, and entity tags (ETag, If-Match).

A body is read here rather than by FastAPI so that it can be refused cleanly: the wrong media
type (415), too large even when chunked (413), not JSON (400), or JSON with NaN/Infinity, which
Python's json module would otherwise accept (422, naming the member).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Request
from pydantic import BeforeValidator

from app.errors import (
    BadRequest,
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
)
from app.settings import get_settings

JSON_TYPES = ("application/json", "application/geo+json")
MERGE_PATCH_TYPES = (*JSON_TYPES, "application/merge-patch+json")


_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?")


def _iso_instant(value: Any) -> Any:
    # Pydantic would read a number (or a numeric string) as seconds since 1970: not what a date means here.
    if not isinstance(value, datetime) and not (isinstance(value, str) and _ISO_INSTANT.fullmatch(value)):
        raise ValueError("expected an ISO 8601 date-time such as 2026-03-01T08:00:00+08:00")
    return value


# A date-time given as ISO 8601 text (a query parameter or a JSON member), never as a number.
Instant = Annotated[datetime, BeforeValidator(_iso_instant)]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    # As for Instant: pydantic would read 0 as 1970-01-01.
    if not isinstance(value, date) and not (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        raise ValueError("expected a day as YYYY-MM-DD, such as 2026-03-01")
    return value


# A day given as YYYY-MM-DD text, never as a number.
Day = Annotated[date, BeforeValidator(_iso_day)]


def _form_bool(value: Any) -> Any:
    # Pydantic alone reads 0/1, yes/no, on/off as booleans too; a form here says true or false.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("expected true or false")


# A boolean form field: true or false.
FormBool = Annotated[bool, BeforeValidator(_form_bool)]


class _NonFinite:
    """Stands for a NaN, Infinity or overflowing number until the body has been searched for it."""

    def __init__(self, token: str) -> None:
        self.token = token


def _parse_float(token: str) -> float | _NonFinite:
    value = float(token)
    return value if value - value == 0 else _NonFinite(token)  # 1e999 parses to inf


Loc = tuple[str | int, ...]


def _find_non_finite(value: Any) -> tuple[Loc, str] | None:
    # Depth-first in document order, without recursion: a body may nest as deep as json allows.
    stack: list[tuple[Loc, Any]] = [((), value)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, _NonFinite):
            return path, node.token
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))
    return None


def field_path(loc: Loc | list[Any]) -> tuple[str, str]:
    """A location as (field, where): ``geometry.coordinates`` and ``[1][0]`` for its indices."""
    names = [str(p) for p in loc if not isinstance(p, int)]
    indices = "".join(f"[{p}]" for p in loc if isinstance(p, int))
    return ".".join(names) or "body", indices


def parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            detail="the body is not UTF-8 text",
            errors=[FieldError("body", f"invalid UTF-8 at byte {exc.start}")],
        ) from exc
    if not text.strip():
        raise BadRequest("the body is empty; send a JSON document", errors=[FieldError("body", "empty")])
    try:
        value = json.loads(text, parse_constant=_NonFinite, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise BadRequest(f"the body is not JSON: {message}", [FieldError("body", message)]) from exc
    except RecursionError as exc:
        message = "nested too deeply"
        raise BadRequest(f"the body is not usable JSON: {message}", [FieldError("body", message)]) from exc
    found = _find_non_finite(value)
    if found:
        loc, token = found
        field, where = field_path(loc)
        at = f" at {where}" if where else ""
        message = f"{token}{at} is not a number JSON allows; send a finite number"
        raise InvalidInput(detail=f"{field}: {message}", errors=[FieldError(field, message)])
    return value


async def read_json_body(request: Request, accept: tuple[str, ...] = JSON_TYPES) -> Any:
    """The request's JSON body, refused with a problem if it is not acceptable JSON."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in accept:
        listed = ", ".join(accept)
        raise UnsupportedMediaType(
            detail=f"send the body as {' or '.join(accept)}, not {media_type or 'no content type'}",
            headers={"Accept-Patch" if "application/merge-patch+json" in accept else "Accept-Post": listed},
        )
    limit = get_settings().max_body_bytes
    # The middleware refused a declared Content-Length over the limit; a chunked body has none,
    # so count while reading and stop at the limit.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(detail=f"the request body must be at most {limit} bytes")
        chunks.append(chunk)
    return parse_json(b"".join(chunks))


# -- entity tags ---------------------------------------------------------------------------------
_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str, name: str) -> list[tuple[bool, str]] | None:
    """(weak, opaque) pairs of an If-Match / If-None-Match value; None for ``*``."""
    if header.strip() == "*":
        return None
    tags, pos = [], 0
    while pos < len(header):
        m = _TAG.match(header, pos)
        if not m or m.end() == pos:
            raise BadRequest(
                detail=f'{name}: expected entity tags such as "3" (with the quotes), got {header!r}',
                errors=[FieldError(name, 'expected entity tags such as "3", with the quotes')],
            )
        tags.append((bool(m.group(1)), m.group(2)))
        pos = m.end()
    return tags


def check_if_match(header: str | None, version: int) -> None:
    """A change must name the version it was made from: 428 without If-Match, 412 when stale."""
    current = etag(version)
    if header is None or not header.strip():
        raise PreconditionRequired(
            detail=f"send If-Match with the hazard's ETag (now {current}) so that a change made "
            "meanwhile by someone else is not overwritten",
            errors=[FieldError("If-Match", "required")],
            headers={"ETag": current},
        )
    tags = _tags(header, "If-Match")
    # Strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    if tags is not None and not any(not weak and f'"{opaque}"' == current for weak, opaque in tags):
        raise PreconditionFailed(
            detail=f"the hazard has changed: it is at {current}, not {header.strip()}; "
            "fetch it again and reapply the change",
            errors=[FieldError("If-Match", f"stale; the current ETag is {current}")],
            headers={"ETag": current},
        )


def none_match(header: str | None, version: int) -> bool:
    """True when If-None-Match names the current version (weak comparison): answer 304."""
    return none_match_tag(header, etag(version))


def none_match_tag(header: str | None, current: str) -> bool:
    """True when If-None-Match names ``current`` (a quoted entity tag; weak comparison)."""
    if header is None or not header.strip():
        return False
    try:
        tags = _tags(header, "If-None-Match")
    except BadRequest:
        return False  # an unreadable validator is ignored, and the full answer sent
    return tags is None or any(f'"{opaque}"' == current for _, opaque in tags)
