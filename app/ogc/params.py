"""OGC API query parameters whose rules differ from the ledger API's: limit (clamped, not refused)
and datetime (an RFC 3339 instant or interval, either end open)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated

from fastapi import Depends, Query

from app.deps import Paging
from app.errors import invalid
from app.hazards.service import beijing_if_naive
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
