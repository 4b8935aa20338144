"""The hazard list's public parameters: the filters every listing of hazards shares (the API's lists,
tiles, exports, OGC, stats, posters, the ledger and the map pages), the hazard id in a path and If-Match.

Routers take them from here, never from one another.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Header, Path, Query

from app.clock import beijing_if_naive, day_end, day_start
from app.deps import BBox
from app.errors import invalid
from app.geojson import codes, enum_values, split_values
from app.hazards.schemas import HazardFilter
from app.http import Day, Instant
from app.openapi import KNOWN_CODES, listing
from app.vocab import OPEN_STATUSES, Grade, RoadGroup, Status, Visibility

__all__ = ["NO_ROAD", "OPEN", "Filters", "HazardId", "IfMatch", "filters"]

Csv = "One or several: repeat the parameter or separate values with commas."


# What the filters' shorthands stand for: `open` is every open status; `none` the hazards on no known road.
OPEN = "open"
NO_ROAD = "none"


def _with_shorthand(field: str, values: list[str] | None, known: list[str], shorthand: str) -> list[str]:
    wanted = split_values(values)
    unknown = [v for v in wanted if v not in known and v != shorthand]
    if unknown:
        choices = ", ".join([shorthand, *known] if shorthand == OPEN else [*known, shorthand])
        raise invalid(field, f"unknown value {', '.join(map(repr, unknown))}; expected one of: {choices}")
    return wanted


def _statuses(values: list[str] | None) -> list[str] | None:
    wanted = _with_shorthand("status", values, Status.codes(), OPEN)
    expanded = [s.value for s in OPEN_STATUSES] if OPEN in wanted else []
    return list(dict.fromkeys([*expanded, *(v for v in wanted if v != OPEN)])) or None


def _road_groups(values: list[str] | None) -> list[str] | None:
    return _with_shorthand("road_group", values, RoadGroup.codes(), NO_ROAD) or None


def _day(value: date | None, end: bool) -> datetime | None:
    if value is None:
        return None
    return day_end(value) if end else day_start(value)


def filters(
    bbox: BBox,
    county: Annotated[
        list[str] | None,
        Query(
            description=f"County code (adcode), e.g. 371502. {Csv}",
            examples=["371502"],
            json_schema_extra=KNOWN_CODES,
        ),
    ] = None,
    township: Annotated[
        list[str] | None, Query(description=f"Township code (9 digits). {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    zone: Annotated[
        list[str] | None,
        Query(
            description=f"Development zone (开发区) code, e.g. Z371501. {Csv}", json_schema_extra=KNOWN_CODES
        ),
    ] = None,
    village: Annotated[
        list[str] | None, Query(description=f"Village code (12 digits). {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing([*Status.codes(), "open"]),
            description=f"{', '.join(Status.codes())}; `open` for every open status. {Csv}",
            examples=["reported,claimed"],
        ),
    ] = None,
    road_group: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing([*RoadGroup.codes(), "none"]),
            description=f"The road layer, via the hazard's road: {', '.join(RoadGroup.codes())}; "
            f"`none` for hazards on no known road. {Csv}",
        ),
    ] = None,
    road: Annotated[
        list[str] | None, Query(description=f"Road code, e.g. G309. {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    category: Annotated[
        list[str] | None, Query(description=f"Category code, e.g. XL01. {Csv}", json_schema_extra=KNOWN_CODES)
    ] = None,
    visibility: Annotated[
        list[str] | None,
        Query(
            json_schema_extra=listing(Visibility.codes()),
            description=f"{', '.join(Visibility.codes())}. {Csv}",
        ),
    ] = None,
    grade: Annotated[
        list[str] | None,
        Query(json_schema_extra=listing(Grade.codes()), description=f"{', '.join(Grade.codes())}. {Csv}"),
    ] = None,
    updated_since: Annotated[
        Instant | None,
        Query(
            description="Changed at or after this instant (ISO 8601; without an offset, Beijing time).",
            examples=["2026-03-01T00:00:00+08:00"],
        ),
    ] = None,
    reported_from: Annotated[
        Day | None,
        Query(description="Reported on or after this day (Beijing), YYYY-MM-DD.", examples=["2026-01-01"]),
    ] = None,
    reported_to: Annotated[
        Day | None,
        Query(description="Reported on or before this day (Beijing), YYYY-MM-DD.", examples=["2026-06-30"]),
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(
            description="true: open, and past its 整改时限 (Beijing day) or not claimed within "
            "HAZARDMAP_CLAIM_WITHIN_DAYS of its report; false: not overdue."
        ),
    ] = None,
    supervised: Annotated[
        bool | None, Query(description="true: under listed supervision (挂牌督办); false: not.")
    ] = None,
) -> HazardFilter:
    if reported_from and reported_to and reported_from > reported_to:
        raise invalid("reported_to", f"{reported_to} lies before reported_from {reported_from}")
    return HazardFilter(
        county=codes(county, "county"),
        township=codes(township, "township"),
        zone=codes(zone, "zone"),
        village=codes(village, "village"),
        status=_statuses(status),
        road_group=_road_groups(road_group),
        road=codes(road, "road"),
        category=codes(category, "category"),
        visibility=enum_values("visibility", visibility, Visibility),
        grade=enum_values("grade", grade, Grade),
        bbox=bbox,
        updated_since=beijing_if_naive(updated_since),
        reported_from=_day(reported_from, end=False),
        reported_to=_day(reported_to, end=True),
        overdue=overdue,
        supervised=supervised,
    )


Filters = Annotated[HazardFilter, Depends(filters)]
HazardId = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1, description="The hazard's id.")]
IfMatch = Annotated[str | None, Header(description='The ETag the change is made from, e.g. "3". Required.')]
