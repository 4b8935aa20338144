"""The GeoJSON side of the API: the response type, the collection envelope, links, list filters.

PostGIS builds the features (``json_agg`` of ``json_build_object``) and hands them over as text;
this module only wraps that text in the envelope (numberMatched, links…) without parsing it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.deps import Paging
from app.errors import invalid
from app.settings import get_settings

GEOJSON = "application/geo+json"

E = TypeVar("E", bound=StrEnum)


class GeoJSONResponse(JSONResponse):
    """GeoJSON (RFC 7946). Routes name it as their response class so that the OpenAPI document
    shows their model under application/geo+json; they return the text PostGIS built as a plain
    Response with this media type, which FastAPI passes through without re-serialising.
    """

    media_type = GEOJSON


def feature_response(feature: str, etag: str, status: int = 200, location: str | None = None) -> Response:
    """One Feature as PostGIS wrote it, with its version as the ETag (not to be cached unchecked)."""
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if location:
        headers["Location"] = location
    return Response(feature, status_code=status, media_type=GEOJSON, headers=headers)


class Link(BaseModel):
    href: str
    rel: str = Field(examples=["next"])
    type: str = GEOJSON
    title: str | None = None


def timestamp() -> str:
    """Now, in UTC, as the collection's ``timeStamp`` (ISO 8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def public_url(request: Request, **replace: int) -> str:
    """The request's own URL under the configured public URL (never the request's Host header, which
    the client chooses), some query values replaced.

    Repeated filters (``status=a&status=b``) are kept as they came.
    """
    url = request.url
    if replace:
        # Replaced values go last, in the order given, so that links read alike page after page.
        url = url.remove_query_params(list(replace)).include_query_params(**replace)
    return get_settings().base_url + url.path + (f"?{url.query}" if url.query else "")


def paging_links(request: Request, page: Paging, matched: int, returned: int) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = [
        {"href": public_url(request), "rel": "self", "type": GEOJSON, "title": "this page"}
    ]
    if page.limit > 0 and page.offset + returned < matched:
        links.append(
            {
                "href": public_url(request, limit=page.limit, offset=page.offset + page.limit),
                "rel": "next",
                "type": GEOJSON,
                "title": "next page",
            }
        )
    if page.offset > 0:
        links.append(
            {
                "href": public_url(request, limit=page.limit, offset=max(0, page.offset - page.limit)),
                "rel": "prev",
                "type": GEOJSON,
                "title": "previous page",
            }
        )
    return links


def collection(features: str, *, matched: int, returned: int, links: list[dict[str, Any]]) -> str:
    """A FeatureCollection around ``features``, the JSON array text PostGIS built."""
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": returned,
            "timeStamp": timestamp(),
            "links": links,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return f'{head[:-1]},"features":{features}}}'


def split_values(values: Iterable[str] | None) -> list[str]:
    """A filter given as repeated parameters, comma lists, or both: ``a&x=b,c`` → [a, b, c]."""
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return list(dict.fromkeys(out))


def enum_values(field: str, values: Iterable[str] | None, vocabulary: type[E]) -> list[str] | None:
    """The values of a filter over a closed vocabulary; an unknown one is an error naming the filter."""
    wanted = split_values(values)
    if not wanted:
        return None
    known = [m.value for m in vocabulary]
    unknown = [v for v in wanted if v not in known]
    if unknown:
        raise invalid(
            field, f"unknown value {', '.join(map(repr, unknown))}; expected one of: {', '.join(known)}"
        )
    return wanted


def codes(values: Iterable[str] | None, field: str = "filter") -> list[str] | None:
    """The values of a filter over codes kept in the database (checked against it later)."""
    wanted = split_values(values)
    if any("\x00" in v for v in wanted):
        raise invalid(field, "must not contain the NUL character (U+0000)")
    return wanted or None
