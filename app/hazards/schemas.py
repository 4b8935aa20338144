"""The shapes of hazards on the wire: what a client sends (validated here) and what it gets back.

Responses are built by PostGIS as text; the response models below exist for the OpenAPI
document and for the tests, which validate answers against them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, LineString, Point
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.clock import day_of
from app.geojson import Link
from app.vocab import Grade, HazardKind, Source, Status, Visibility

Direction = Literal[1, 2, 3]
# The ledger's calendar: a filter's days are Beijing days.


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refuse it here rather than as a database error.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

_DIRECTION_DOC = "1 = decreasing chainage (下行), 2 = increasing (上行), 3 = both (双向)."


# -- what the API answers ------------------------------------------------------------------------
class HazardProperties(BaseModel):
    """One ledger row (台账) as a Feature's properties."""

    id: int
    uid: uuid.UUID = Field(description="Client- or server-generated id; a retried POST with it is a no-op.")
    ledger_no: str = Field(description="隐患编号 <county>-<year>-<serial>.", examples=["371502-2026-0001"])
    kind: HazardKind
    category: str = Field(examples=["XL01"])
    category_name: str = Field(examples=["急弯"])
    visibility: Visibility = Field(description="显性 explicit / 隐性 implicit.")
    grade: Grade = Field(description="一般 general / 较大 significant / 重大 major.")
    source: Source
    description: str
    address: str | None = Field(description="路段位置 as written on site.")
    status: Status
    county: str = Field(examples=["371502"])
    county_name: str = Field(examples=["东昌府区"])
    township: str | None = Field(examples=["371502001"])
    township_name: str | None = Field(examples=["古楼街道办事处"])
    road_code: str | None = Field(examples=["G309"])
    road_name: str | None
    road_group: str | None = Field(description="expressway | trunk | county_township | rural.")
    chainage_m: float | None = Field(description="桩号 in metres (start, for a segment).")
    end_chainage_m: float | None = Field(description="终点桩号 in metres (segments).")
    chainage: str | None = Field(examples=["K516+600", "K516+600-K517+200"])
    direction: Direction | None = Field(description=_DIRECTION_DOC)
    reported_at: datetime
    deadline: date | None = Field(description="整改时限.")
    created_at: datetime
    updated_at: datetime
    duplicate_of: int | None = Field(default=None, description="Status duplicate: the hazard it repeats.")
    duplicates: list[int] | None = Field(
        default=None,
        description="One hazard only (GET /{id} and writes): the reports merged into it as duplicates.",
    )
    version: int = Field(description="Bumped by every change; the ETag.")
    demo: bool = Field(description="Part of the demo data set, not a real ledger row.")


class HazardPointFeature(Feature[Point, HazardProperties]):
    """A hazard point (隐患点)."""


class HazardSegmentFeature(Feature[LineString, HazardProperties]):
    """An accident-prone segment (事故易发多发路段)."""


class _Collection(BaseModel):
    type: Literal["FeatureCollection"]
    numberMatched: int = Field(description="Features matching the filters, over all pages.")
    numberReturned: int
    timeStamp: datetime
    links: list[Link] = Field(description="`self`, and `next`/`prev` with the same filters.")


class HazardPointCollection(_Collection):
    features: list[HazardPointFeature]


class HazardSegmentCollection(_Collection):
    features: list[HazardSegmentFeature]


class HazardEventOut(BaseModel):
    version: int
    action: str = Field(examples=["create", "update", "delete"])
    actor: str | None
    at: datetime
    changes: dict[str, Any] = Field(
        description="For a create, the row as written; otherwise {field: [old, new]}."
    )


class HazardHistory(BaseModel):
    id: int
    ledger_no: str
    events: list[HazardEventOut] = Field(description="Oldest first.")


# -- what a client sends -------------------------------------------------------------------------
_MAX_TEXT = 4000
_MAX_ADDRESS = 500


class HazardCreateProperties(BaseModel):
    """What a client may say about a new hazard; the server assigns everything else."""

    model_config = ConfigDict(extra="forbid")

    category: Text = Field(max_length=8, description="A code from GET /api/v1/categories.", examples=["XL01"])
    visibility: Visibility | None = Field(
        default=None, description="Default: the category's usual visibility."
    )
    # 一般 by default: a field officer records what is there; grading is a reviewer's decision
    # (and the PATCH that records it is in the history).
    grade: Grade = Field(default=Grade.general, description="Default general (一般).")
    source: Source = Field(default=Source.inspection, description="Default inspection (排查发现).")
    description: Text = Field(default="", max_length=_MAX_TEXT)
    address: Text | None = Field(default=None, max_length=_MAX_ADDRESS)
    direction: Direction | None = Field(default=None, description=_DIRECTION_DOC)
    reported_at: datetime | None = Field(
        default=None,
        description="Default now. Without a UTC offset, Beijing time. Decides the ledger year.",
    )
    deadline: date | None = Field(default=None, description="整改时限; not before the report date.")
    uid: uuid.UUID | None = Field(
        default=None,
        description="A client-generated UUID: retrying the POST with it returns the hazard already "
        "created (200) instead of a duplicate; the same uid with other content is a 409.",
    )
    # Read (and removed) before validation by service._locate_by_chainage; here for the docs.
    road: Text | None = Field(
        default=None,
        description="With `chainage` and `geometry: null`: the road code that locates the hazard.",
        examples=["G309"],
    )
    chainage: Text | None = Field(
        default=None,
        description="With `road`: the 桩号 (K516+600 for a point, K516+600-K517+200 for a segment); "
        "the geometry is then taken from the road.",
        examples=["K516+600"],
    )


class HazardPointIn(Feature[Point, HazardCreateProperties]):
    """A new hazard point: a GeoJSON Feature with a Point."""

    model_config = ConfigDict(extra="forbid")


class HazardSegmentIn(Feature[LineString, HazardCreateProperties]):
    """A new accident-prone segment: a GeoJSON Feature with a LineString."""

    model_config = ConfigDict(extra="forbid")


class HazardPatchProperties(BaseModel):
    """The editable properties; ``null`` clears the optional ones (JSON merge patch, RFC 7396)."""

    model_config = ConfigDict(extra="forbid")

    category: Text | None = Field(default=None, max_length=8)
    visibility: Visibility | None = None
    grade: Grade | None = None
    source: Source | None = None
    status: Status | None = Field(
        default=None,
        description="Only the current status (a no-op): changes go through POST …/{id}/transitions.",
    )
    description: Text | None = Field(default=None, max_length=_MAX_TEXT)
    address: Text | None = Field(default=None, max_length=_MAX_ADDRESS)
    direction: Direction | None = None
    reported_at: datetime | None = None
    deadline: date | None = None
    # Where it lies on its road: the geometry is cut from the road again (a point: put on it).
    road: Text | None = Field(
        default=None, description="Move it to this road (code), at its chainage or the one given."
    )
    chainage: Text | None = Field(
        default=None,
        description="New 桩号: K516+600 for a point, K516+600-K517+200 for a segment; the geometry follows.",
    )
    chainage_m: float | None = Field(default=None, description="New (start) chainage in metres.")
    end_chainage_m: float | None = Field(default=None, description="New end chainage in metres (segments).")


# Patch properties that relocate the hazard along its road rather than name a column.
LOCATING = frozenset({"road", "chainage", "chainage_m", "end_chainage_m"})


class HazardPatch(BaseModel):
    """A JSON merge patch of a hazard Feature: its properties, its geometry, or both."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["Feature"] | None = None
    properties: HazardPatchProperties | None = None
    geometry: Point | LineString | None = Field(
        default=None, description="Replaces the geometry; county and township are derived again."
    )


# Properties that exist on the output but that no client sets (named in the 422 a PATCH gets).
READ_ONLY = frozenset(HazardProperties.model_fields) - frozenset(HazardPatchProperties.model_fields)
# Set by POST but fixed afterwards.
CREATE_ONLY = frozenset({"uid"})
# Columns that may not be cleared with null in a merge patch.
REQUIRED = frozenset({"category", "visibility", "grade", "source", "status", "reported_at", *LOCATING})


@dataclass(frozen=True)
class HazardFilter:
    """The list filters, validated against the vocabulary (codes are checked against the database)."""

    county: list[str] | None = None
    township: list[str] | None = None
    status: list[str] | None = None
    road_group: list[str] | None = None
    road: list[str] | None = None
    category: list[str] | None = None
    visibility: list[str] | None = None
    grade: list[str] | None = None
    bbox: tuple[float, float, float, float] | None = None
    updated_since: datetime | None = None
    # An interval of reported_at (OGC API's datetime, or the list's reported_from/reported_to days),
    # either end open.
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    # Open with its deadline passed (in Beijing); under listed supervision (挂牌督办).
    overdue: bool | None = None
    supervised: bool | None = None

    def query(self) -> list[tuple[str, str]]:
        """The filter as query parameters (bbox and updated_since aside), for links to the same
        features elsewhere: the ledger's downloads, the export. Dates are Beijing days."""
        q: list[tuple[str, str]] = []
        for name in ("county", "township", "status", "road_group", "road", "category", "visibility", "grade"):
            values = getattr(self, name)
            if values:
                q.append((name, ",".join(values)))
        for name in ("reported_from", "reported_to"):
            moment = getattr(self, name)
            if moment is not None:
                q.append((name, day_of(moment).isoformat()))
        for name in ("overdue", "supervised"):
            flag = getattr(self, name)
            if flag is not None:
                q.append((name, "true" if flag else "false"))
        return q


# -- the request bodies in the OpenAPI document ---------------------------------------------------
_ON_ROAD = "On a road the service knows, within its chainage (桩号)."
# What the body must satisfy beyond its schema (the database, the city, the other members).
PLACE_RULES = {
    "body": "A Feature with geometry, or geometry null with properties.road and properties.chainage.",
    "properties": "Members that may be set here (not status, which only transitions change).",
    "geometry": "A simple geometry: a segment may not cross itself.",
    "geometry.type": "Point for a hazard, LineString for a segment.",
    "geometry.coordinates": "Inside the city (its border tolerance); a segment's positions distinct.",
    "properties.category": "An active category the service knows (GET /api/v1/categories).",
    "properties.road": _ON_ROAD,
    "properties.chainage": _ON_ROAD,
    "properties.chainage_m": _ON_ROAD,
    "properties.end_chainage_m": _ON_ROAD,
    "id": "Never sent: the server assigns the id (properties.uid is the client's own).",
    "duplicate_of": "Only with on_duplicate=merge: an open hazard of the possible duplicates.",
    "on_duplicate": "merge needs duplicate_of.",
}

POINT_EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [115.9599, 36.4620]},
    "properties": {
        "category": "JC01",
        "grade": "general",
        "description": "平交路口缺警示桩和减速带",
        "address": "古楼街道 东昌路与柳园路交叉口",
        "uid": "4f6c2b9e-1d0a-4c51-9b7e-2a8f3c1d5e60",
    },
}
SEGMENT_EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[116.2512, 36.5821], [116.2581, 36.5850]]},
    "properties": {"category": "XL04", "source": "crash_analysis", "direction": 3},
}
