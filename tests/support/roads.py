"""Fixture roads with known geometry and start chainage, in a corner of 东昌府区 with no shipped road.

- ``X901``: an L, 0.05° east along 36.33° N then 0.03° north; starts at K10+000. The turn tells a
  chainage measured along the road from a fraction of the line in degrees.
- ``X902``: two pieces end to end, the second starting where the first ends (chainage and place).
- ``X903``: one MultiLineString with a gap of 0.01°; the chainage runs on across the gap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

GEOD = Geod(ellps="WGS84")


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@dataclass(frozen=True)
class FixtureRoad:
    id: int
    code: str
    start_m: float
    length_m: float

    @property
    def end_m(self) -> float:
        return self.start_m + self.length_m


# Apart from other tests' fixture roads, which their own teardown removes by source.
SOURCE = "test fixture: linear referencing"
X901_WKT = "LINESTRING(115.74 36.33, 115.79 36.33, 115.79 36.36)"
X901_START = 10_000.0
X902_A_WKT = "LINESTRING(115.74 36.35, 115.76 36.35)"
X902_B_WKT = "LINESTRING(115.76 36.35, 115.78 36.35)"
X903_WKT = "MULTILINESTRING((115.74 36.345, 115.75 36.345), (115.76 36.345, 115.77 36.345))"

_INSERT = text(
    """
    INSERT INTO roads (code, name, road_class, start_chainage_m, length_m, geom, schematic, source)
    SELECT :code, :name, 'county', :start, ST_Length(g::geography), g, false, :source
      FROM ST_GeomFromText(:wkt, 4326) AS g
    RETURNING id, length_m
    """
)


async def insert_road(engine: AsyncEngine, code: str, wkt: str, start: float) -> FixtureRoad:
    params = {"code": code, "name": f"{code} 测试路", "wkt": wkt, "start": start, "source": SOURCE}
    async with engine.begin() as conn:
        row = (await conn.execute(_INSERT, params)).one()
    return FixtureRoad(row.id, code, start, row.length_m)


async def fixture_roads(engine: AsyncEngine) -> AsyncIterator[dict[str, FixtureRoad]]:
    roads = {"X901": await insert_road(engine, "X901", X901_WKT, X901_START)}
    a = await insert_road(engine, "X902", X902_A_WKT, 0.0)
    roads["X902a"] = a
    roads["X902b"] = await insert_road(engine, "X902", X902_B_WKT, a.length_m)
    roads["X903"] = await insert_road(engine, "X903", X903_WKT, 0.0)
    yield roads
    async with engine.begin() as conn:
        # The harness empties crashes, candidates and hazards after each test; these go last.
        await conn.execute(text("DELETE FROM roads WHERE source = :source"), {"source": SOURCE})


async def add_crash(
    engine: AsyncEngine,
    road: FixtureRoad,
    chainage_m: float,
    *,
    at: str = "2025-05-01T08:00:00+08:00",
    deaths: int = 0,
    injuries: int = 0,
    procedure: str = "ordinary",
) -> int:
    """A crash at a chainage of a fixture road, placed where the database puts that chainage."""
    async with engine.begin() as conn:
        return int(
            (
                await conn.execute(
                    text(
                        "INSERT INTO crashes (occurred_at, geom, road_id, chainage_m, snap_distance_m,"
                        " deaths, injuries, procedure)"
                        " SELECT :at,"
                        " road_point_at(road_measured(r.geom, r.start_chainage_m, r.length_m), :ch),"
                        " r.id, :ch, 0, :deaths, :injuries, :procedure FROM roads r WHERE r.id = :road"
                        " RETURNING id"
                    ),
                    {
                        "at": datetime.fromisoformat(at),
                        "ch": chainage_m,
                        "deaths": deaths,
                        "injuries": injuries,
                        "procedure": procedure,
                        "road": road.id,
                    },
                )
            ).scalar_one()
        )
