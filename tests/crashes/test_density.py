"""GET /api/v1/crashes/density: crashes counted by PostGIS per square cell of a metric grid."""

from __future__ import annotations

from datetime import datetime

import httpx
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# The grid is square in UTM zone 50N (the metric_srid setting), where Liaocheng lies.
TO_UTM = Transformer.from_crs(4326, 32650, always_xy=True)
TO_WGS84 = Transformer.from_crs(32650, 4326, always_xy=True)

# (x, y in UTM, occurred at, deaths, injuries): two crashes in the cell 400000–401000 × 4030000–4031000,
# one in the cell east of it, one in 2022 in a cell of its own.
CRASHES = [
    (400_250, 4_030_250, "2025-05-01T08:00:00+08:00", 1, 0),
    (400_750, 4_030_900, "2025-06-01T08:00:00+08:00", 0, 2),
    (401_100, 4_030_100, "2025-07-01T08:00:00+08:00", 0, 1),
    (405_500, 4_035_500, "2022-07-01T08:00:00+08:00", 2, 3),
]


async def _crashes(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for x, y, at, deaths, injuries in CRASHES:
            await conn.execute(
                text(
                    "INSERT INTO crashes (occurred_at, geom, deaths, injuries, procedure)"
                    " VALUES (:at,"
                    " ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 32650), 4326), :d, :i, 'ordinary')"
                ),
                {"at": datetime.fromisoformat(at), "x": x, "y": y, "d": deaths, "i": injuries},
            )


def _cell_of(feature: dict) -> tuple[float, float, float, float]:
    """The cell's bounds back in UTM metres, to the metre."""
    ring = feature["geometry"]["coordinates"][0]
    utm = shapely.Polygon([TO_UTM.transform(lon, lat) for lon, lat in ring])
    return tuple(round(v) for v in utm.bounds)  # 6 decimals: ±0.1 m


async def test_cells_count_crashes_deaths_and_injuries(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await _crashes(engine)
    r = await client.get("/api/v1/crashes/density", params={"cell": 1000})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert (body["cell_m"], body["cells"], body["crashes"], body["max_crashes"]) == (1000, 3, 4, 2)
    got = [(_cell_of(f), f["properties"]) for f in body["features"]]
    assert got == [
        (
            (400_000, 4_030_000, 401_000, 4_031_000),
            {"crashes": 2, "fatal_crashes": 1, "deaths": 1, "injuries": 2},
        ),
        (
            (401_000, 4_030_000, 402_000, 4_031_000),
            {"crashes": 1, "fatal_crashes": 0, "deaths": 0, "injuries": 1},
        ),
        (
            (405_000, 4_035_000, 406_000, 4_036_000),
            {"crashes": 1, "fatal_crashes": 1, "deaths": 2, "injuries": 3},
        ),
    ]
    # A 2 km cell holds the first three crashes together.
    wide = (await client.get("/api/v1/crashes/density", params={"cell": 2000})).json()
    assert [(_cell_of(f), f["properties"]["crashes"]) for f in wide["features"]] == [
        ((400_000, 4_030_000, 402_000, 4_032_000), 3),
        ((404_000, 4_034_000, 406_000, 4_036_000), 1),
    ]


async def test_bbox_and_time_window(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await _crashes(engine)
    lon1, lat1 = TO_WGS84.transform(400_000, 4_030_000)
    lon2, lat2 = TO_WGS84.transform(400_900, 4_031_000)
    box = f"{lon1},{lat1},{lon2},{lat2}"
    inside = (await client.get("/api/v1/crashes/density", params={"cell": 1000, "bbox": box})).json()
    assert [f["properties"]["crashes"] for f in inside["features"]] == [2]
    recent = await client.get(
        "/api/v1/crashes/density", params={"cell": 1000, "since": "2024-01-01T00:00:00"}
    )
    assert recent.json()["crashes"] == 3
    before = await client.get("/api/v1/crashes/density", params={"until": "2025-06-01T08:00:00+08:00"})
    assert before.json()["crashes"] == 2


async def test_empty_and_refused(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    empty = (await client.get("/api/v1/crashes/density")).json()
    assert (empty["cells"], empty["max_crashes"], empty["features"]) == (0, 0, [])
    small = await client.get("/api/v1/crashes/density", params={"cell": 50, "bbox": "115.3,35.8,116.6,37.0"})
    assert small.status_code == 422
    assert (
        small.json()["errors"][0]["field"] == "cell" and "too small" in small.json()["errors"][0]["message"]
    )
    tiny = await client.get("/api/v1/crashes/density", params={"cell": 10})
    assert tiny.status_code == 422 and tiny.json()["errors"][0]["field"] == "cell"
    assert (await client.get("/api/v1/crashes/density", params={"cell": "x"})).status_code == 422
