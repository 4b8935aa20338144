"""OGC API query parameters whose rules differ from the ledger API's: limit (clamped, not refused)
and datetime (an RFC 3339 instant or interval, either end open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import Depends, Query

from app.clock import beijing_if_naive
from app.deps import Paging
from app.errors import invalid
from app.ogc import cql2
from app.ogc import crs as ogc_crs
from app.ogc.cql2 import FilterLang
from app.ogc.crs import OgcCrs
from app.ogc.queryables import Queryable
from app.openapi import rule
from app.settings import get_settings

DEFAULT_LIMIT = 10  # the OGC API's usual default


def _paging(
    limit: Annotated[
        int,
        Query(ge=1, description="Features per page; a larger value than the maximum is lowered to it."),
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000, description="Features to skip.")] = 0,
) -> Paging:
    # Part 1 (/req/core/fc-limit-response-1): answer at most the maximum rather than refuse.
    return Paging(limit=min(limit, get_settings().page_limit_max), offset=offset)


OgcPage = Annotated[Paging, Depends(_paging)]


@dataclass(frozen=True)
class Interval:
    start: datetime | None
    end: datetime | None


def _end(value: str, *, start: bool) -> datetime | None:
    if value in ("", ".."):
        return None
    try:
        if "T" not in value and "t" not in value:
            # A date is the whole day, in Beijing time (the ledger's day).
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time.min if start else time.max)
        else:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise invalid(
            "datetime", f"{value!r} is not an RFC 3339 date-time or date (e.g. 2026-03-02T09:30:00+08:00)"
        ) from exc
    return beijing_if_naive(moment)


def _datetime(
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime",
            description="When the hazard was reported: an instant, a date, or an interval a/b with "
            "'..' for an open end (RFC 3339; without an offset, Beijing time).",
            examples=["2026-03-01T00:00:00+08:00/.."],
            json_schema_extra=rule("An RFC 3339 date-time or date, or an interval of them with '..' open."),
        ),
    ] = None,
) -> Interval | None:
    if datetime_ is None or not datetime_.strip():
        return None
    value = datetime_.strip()
    if "/" in value:
        first, _, last = value.partition("/")
        interval = Interval(_end(first, start=True), _end(last, start=False))
        if interval.start is None and interval.end is None and (first, last) != ("..", ".."):
            raise invalid("datetime", "an interval needs at least one end, or '../..'")
        if interval.start and interval.end and interval.start > interval.end:
            raise invalid("datetime", "the interval's start is after its end")
        return interval
    if value == "..":
        raise invalid("datetime", "'..' is only allowed as an end of an interval")
    return Interval(_end(value, start=True), _end(value, start=False))


DateTime = Annotated[Interval | None, Depends(_datetime)]


@dataclass(frozen=True)
class Selection:
    """What Parts 2 and 3 add to every items request: the answer's CRS, a box in its own CRS, and
    a CQL2 filter (in ``filter-crs``)."""

    crs: OgcCrs
    bbox: tuple[float, float, float, float] | None
    filter: str | None
    filter_lang: FilterLang
    filter_crs: OgcCrs

    def where(self, queryables: dict[str, Queryable]) -> tuple[str, dict[str, Any]] | None:
        if self.filter is None:
            return None
        return cql2.where(self.filter, self.filter_lang, queryables, self.filter_crs)


_CRS_RULE = rule("One of: " + ", ".join(c.uri for c in ogc_crs.SUPPORTED) + ".")


def _selection(
    crs: Annotated[
        str | None,
        Query(
            description="The CRS of the answer's coordinates (one of the collection's `crs`).",
            json_schema_extra=_CRS_RULE,
        ),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat in CRS84; in the axis order of `bbox-crs` if given.",
            json_schema_extra=rule("Four (or six) numbers, min not above max, in range for the CRS."),
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description="The CRS of `bbox`.", json_schema_extra=_CRS_RULE)
    ] = None,
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            description="A CQL2 filter over the collection's queryables, e.g. "
            "`grade = 'major' AND S_INTERSECTS(geometry, POLYGON((115.9 36.4, 116.1 36.4, 116.1 36.5, "
            "115.9 36.4)))`.",
            json_schema_extra=rule("CQL2 over the queryables, within the depth and length limits."),
        ),
    ] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="cql2-text (default) or cql2-json.",
            json_schema_extra=rule("cql2-text or cql2-json."),
        ),
    ] = None,
    filter_crs: Annotated[
        str | None,
        Query(
            alias="filter-crs",
            description="The CRS of the filter's geometries (CRS84 by default).",
            json_schema_extra=_CRS_RULE,
        ),
    ] = None,
) -> Selection:
    box_crs = ogc_crs.parse("bbox-crs", bbox_crs)
    lang = filter_lang.strip().lower() if filter_lang else FilterLang.text.value
    if lang not in {v.value for v in FilterLang}:
        raise ogc_crs.bad("filter-lang", f"{filter_lang!r} is not supported; use cql2-text or cql2-json")
    text_ = filter_.strip() if filter_ else None
    return Selection(
        crs=ogc_crs.parse("crs", crs),
        bbox=ogc_crs.bbox("bbox", bbox, box_crs),
        filter=text_ or None,
        filter_lang=FilterLang(lang),
        filter_crs=ogc_crs.parse("filter-crs", filter_crs),
    )


Select = Annotated[Selection, Depends(_selection)]
