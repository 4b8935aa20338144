"""A small known ledger for the map and statistics tests: roads of each group, hazards in each status.

The roads are the tests' own (codes starting with T), drawn inside 东昌府区 (371502), so a road-group
switch on the county map hides a known number of features. A few hazards lie in 阳谷县 (371521) to
show that a county map and a county's counts leave other counties out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.vocab import OPEN_STATUSES

COUNTY = "371502"  # 东昌府区
OTHER_COUNTY = "371521"  # 阳谷县

# (code, class, WKT) — straight lines through the middle of 东昌府区.
ROADS = [
    ("TG01", "expressway", "LINESTRING(115.90 36.52, 116.05 36.52)"),
    ("TS01", "provincial", "LINESTRING(115.90 36.47, 116.05 36.47)"),
    ("TX01", "county", "LINESTRING(115.93 36.44, 116.02 36.44)"),
    ("TC01", "village", "LINESTRING(115.95 36.48, 115.95 36.53)"),
]
ROAD_GROUP = {"TG01": "expressway", "TS01": "trunk", "TX01": "county_township", "TC01": "rural"}

# Points off every road, per county.
LOOSE = {COUNTY: (116.10, 36.40), OTHER_COUNTY: (115.88, 36.12)}

# Overdue is judged against the date in Beijing, whatever the machine's time zone.
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
PAST = TODAY - timedelta(days=3)
FUTURE = TODAY + timedelta(days=30)


@dataclass(frozen=True)
class Row:
    county: str
    road: str | None  # a fixture road code, or None for a hazard on no road
    at: float  # where along the road (0..1), or an offset step off it
    status: str
    grade: str = "general"
    category: str = "XL01"
    visibility: str = "explicit"
    deadline: date | None = FUTURE
    segment_to: float | None = None  # a segment from `at` to here along the road
    supervision: str | None = None  # 挂牌督办 level: city or county

    @property
    def kind(self) -> str:
        return "segment" if self.segment_to is not None else "point"

    @property
    def road_group(self) -> str | None:
        return ROAD_GROUP[self.road] if self.road else None


LEDGER: list[Row] = [
    # 高速公路: 3 open, 1 closed
    Row(COUNTY, "TG01", 0.10, "reported", grade="major", category="LC02", supervision="city"),
    Row(COUNTY, "TG01", 0.30, "claimed", category="LC02"),
    Row(COUNTY, "TG01", 0.50, "rectifying", grade="significant"),
    Row(COUNTY, "TG01", 0.70, "closed"),
    # 普通国省道: 2 open points, 1 open segment, 2 closed, 1 rejected (long overdue, still not overdue)
    Row(COUNTY, "TS01", 0.10, "rectified", category="JC01"),
    Row(COUNTY, "TS01", 0.30, "reported", category="JC01", visibility="implicit"),
    Row(COUNTY, "TS01", 0.55, "claimed", grade="major", segment_to=0.75),
    Row(COUNTY, "TS01", 0.80, "closed", deadline=PAST, supervision="county"),  # fixed, not yet delisted
    Row(COUNTY, "TS01", 0.90, "closed"),
    Row(COUNTY, "TS01", 0.95, "rejected", deadline=PAST),
    # 县乡道: 2 open (one overdue), 1 closed
    Row(COUNTY, "TX01", 0.20, "reported", deadline=PAST, category="SS01", supervision="county"),
    Row(COUNTY, "TX01", 0.50, "claimed", category="SS01", visibility="implicit"),
    Row(COUNTY, "TX01", 0.80, "closed", category="SS01"),
    # 农村道路: 1 open, 1 closed
    Row(COUNTY, "TC01", 0.30, "reported", grade="significant", category="HJ01", visibility="implicit"),
    Row(COUNTY, "TC01", 0.70, "closed", category="HJ01"),
    # on no road: 1 open (overdue), 1 closed
    Row(COUNTY, None, 0, "rectifying", deadline=PAST),
    Row(COUNTY, None, 1, "closed"),
    # another county: 2 open, 1 closed
    Row(OTHER_COUNTY, None, 0, "reported"),
    Row(OTHER_COUNTY, None, 1, "claimed", deadline=PAST, supervision="city"),
    Row(OTHER_COUNTY, None, 2, "closed"),
]

OPEN = {s.value for s in OPEN_STATUSES}


def expected(rows: list[Row], county: str | None = None) -> dict[str, int]:
    """The counts the statistics must give for a county (or the city when None)."""
    mine = [r for r in rows if county is None or r.county == county]
    found = len(mine)
    closed = sum(r.status == "closed" for r in mine)
    rejected = sum(r.status == "rejected" for r in mine)
    return {
        "found": found,
        "open": sum(r.status in OPEN for r in mine),
        "closed": closed,
        "rejected": rejected,
        "overdue": sum(r.status in OPEN and r.deadline is not None and r.deadline < TODAY for r in mine),
        "supervised": sum(r.supervision is not None for r in mine),
    }


def by_road_group(rows: list[Row], county: str | None = None) -> Counter[str]:
    return Counter(r.road_group or "none" for r in rows if county is None or r.county == county)


async def insert_roads(conn: AsyncConnection) -> dict[str, int]:
    ids = {}
    for code, road_class, wkt in ROADS:
        ids[code] = (
            await conn.execute(
                text(
                    "INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, schematic)"
                    " SELECT :code, :name, :class, 1000, ST_Length(g::geography), g, true"
                    " FROM ST_GeomFromText(:wkt, 4326) AS g RETURNING id"
                ),
                {"code": code, "name": f"测试路 {code}", "class": road_class, "wkt": wkt},
            )
        ).scalar_one()
    return ids


async def delete_roads(conn: AsyncConnection) -> None:
    await conn.execute(text("DELETE FROM roads WHERE code = ANY(:codes)"), {"codes": [r[0] for r in ROADS]})


async def insert_ledger(conn: AsyncConnection, road_ids: dict[str, int], rows: list[Row] = LEDGER) -> None:
    """Insert through the ledger triggers, which assign the county, township and ledger number."""
    for r in rows:
        if r.road is None:
            lon, lat = LOOSE[r.county]
            geom_sql = "ST_SetSRID(ST_MakePoint(:lon + 0.01 * CAST(:at AS float8), :lat), 4326)"
            params = {"lon": lon, "lat": lat}
        elif r.segment_to is None:
            geom_sql = (
                "(SELECT ST_LineInterpolatePoint(geom, CAST(:at AS float8)) FROM roads WHERE id = :road_id)"
            )
            params = {}
        else:
            geom_sql = (
                "(SELECT ST_LineSubstring(geom, CAST(:at AS float8), CAST(:to AS float8))"
                " FROM roads WHERE id = :road_id)"
            )
            params = {"to": r.segment_to}
        county = (
            await conn.execute(
                text(
                    "INSERT INTO hazards (kind, category_code, visibility, grade, source, description,"
                    " status, road_id, chainage_m, deadline, geom, created_by, supervision_level)"
                    f" VALUES (:kind, :category, :visibility, :grade, 'inspection', :description, :status,"
                    f" :road_id, 1000 + 10000 * CAST(:at AS float8), :deadline, {geom_sql}, 'tests',"
                    " :supervision)"
                    " RETURNING county_code"
                ),
                {
                    "kind": r.kind,
                    "category": r.category,
                    "visibility": r.visibility,
                    "grade": r.grade,
                    "description": f"测试隐患 {r.road or '无路'} {r.at}",
                    "status": r.status,
                    "road_id": road_ids[r.road] if r.road else None,
                    "at": r.at,
                    "deadline": r.deadline,
                    "supervision": r.supervision,
                    **params,
                },
            )
        ).scalar_one()
        assert county == r.county, f"fixture hazard {r} fell in {county}, not {r.county}"
