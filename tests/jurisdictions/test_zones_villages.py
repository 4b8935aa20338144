"""Development zones (开发区) and villages (行政村): a hazard belongs to its county and its zone, and
reaches its village (主体在县、管理在乡、延伸到村); listed and filtered by either, shown on its record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.coords import Crs
from app.geodata.boundaries import BoundaryImportOptions, import_boundaries
from app.vocab import JurisdictionLevel
from tests.support.geodata import all_rows, feature, write_geojson
from tests.support.hazards import create, point

# Inside 东昌府区; the test zone is a 0.02° square around IN_ZONE, the village 300 m east of it.
IN_ZONE = (115.995, 36.435)
OUTSIDE = (115.90, 36.40)
ZONE = "Z371501"
VILLAGE = "371502999901"
SQUARE = (
    f"POLYGON(({IN_ZONE[0] - 0.01} {IN_ZONE[1] - 0.01}, {IN_ZONE[0] + 0.01} {IN_ZONE[1] - 0.01},"
    f" {IN_ZONE[0] + 0.01} {IN_ZONE[1] + 0.01}, {IN_ZONE[0] - 0.01} {IN_ZONE[1] + 0.01},"
    f" {IN_ZONE[0] - 0.01} {IN_ZONE[1] - 0.01}))"
)


@pytest.fixture
async def iso_engine(isolated_db: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(isolated_db, poolclass=NullPool)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="module")
async def zone_and_village(engine: AsyncEngine) -> AsyncIterator[str]:
    """The zone's outline and a village point, on the shared test database; undone afterwards."""
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE jurisdictions SET geom = ST_Multi(ST_GeomFromText(:wkt, 4326)) WHERE code = :code"),
            {"wkt": SQUARE, "code": ZONE},
        )
        township = (
            await conn.execute(
                text("SELECT township_code FROM hazard_place(ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                {"x": IN_ZONE[0], "y": IN_ZONE[1]},
            )
        ).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO jurisdictions (code, name, level, parent_code, centre)"
                " VALUES (:code, '测试村', 'village', :township, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"code": VILLAGE, "township": township, "x": IN_ZONE[0] + 0.0033, "y": IN_ZONE[1]},
        )
    yield township
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE hazard_events, hazards, ledger_counters RESTART IDENTITY CASCADE"))
        await conn.execute(text("DELETE FROM jurisdictions WHERE code = :code"), {"code": VILLAGE})
        await conn.execute(text("UPDATE jurisdictions SET geom = NULL WHERE code = :code"), {"code": ZONE})


async def test_a_hazard_in_a_zone_belongs_to_its_county_and_the_zone(
    client: httpx.AsyncClient, zone_and_village: str
) -> None:
    inside = await create(client, "hazards", point(IN_ZONE))
    outside = await create(client, "hazards", point(OUTSIDE))
    p = inside["properties"]
    assert (p["county"], p["township"], p["zone"], p["zone_name"]) == (
        "371502",
        zone_and_village,
        ZONE,
        "聊城经济技术开发区",
    )
    assert (p["village"], p["village_name"]) == (VILLAGE, "测试村")
    q = outside["properties"]
    assert (q["county"], q["zone"], q["village"]) == ("371502", None, None)
    by_zone = await client.get("/api/v1/hazards", params={"zone": ZONE})
    assert [f["id"] for f in by_zone.json()["features"]] == [inside["id"]]
    by_village = await client.get("/api/v1/hazards", params={"village": VILLAGE})
    assert [f["id"] for f in by_village.json()["features"]] == [inside["id"]]
    by_county = await client.get("/api/v1/hazards", params={"county": "371502"})
    assert {f["id"] for f in by_county.json()["features"]} == {inside["id"], outside["id"]}


async def test_moving_a_hazard_out_of_the_zone_clears_it(
    client: httpx.AsyncClient, zone_and_village: str
) -> None:
    made = await create(client, "hazards", point(IN_ZONE))
    r = await client.patch(
        f"/api/v1/hazards/{made['id']}",
        json={"geometry": {"type": "Point", "coordinates": list(OUTSIDE)}},
        headers={
            "If-Match": f'"{made["properties"]["version"]}"',
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert r.status_code == 200, r.text
    assert (r.json()["properties"]["zone"], r.json()["properties"]["village"]) == (None, None)


async def test_the_record_page_names_zone_and_village(
    client: httpx.AsyncClient, zone_and_village: str
) -> None:
    made = await create(client, "hazards", point(IN_ZONE))
    page = await client.get(f"/hazards/{made['id']}")
    assert page.status_code == 200
    assert "<dt>开发区</dt><dd>聊城经济技术开发区</dd>" in page.text
    assert "<dt>行政村</dt><dd>测试村</dd>" in page.text


async def test_importing_a_zone_outline_places_the_hazards_already_there(
    iso_engine: AsyncEngine, tmp_path: Path
) -> None:
    async with iso_engine.begin() as conn:
        hazard = (
            await conn.execute(
                text(
                    "INSERT INTO hazards (kind, category_code, visibility, grade, source, status, geom)"
                    " VALUES ('point', 'JC01', 'explicit', 'general', 'inspection', 'reported',"
                    " ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"
                ),
                {"x": IN_ZONE[0], "y": IN_ZONE[1]},
            )
        ).scalar_one()
    x, y = IN_ZONE
    square = [
        [
            [x - 0.01, y - 0.01],
            [x + 0.01, y - 0.01],
            [x + 0.01, y + 0.01],
            [x - 0.01, y + 0.01],
            [x - 0.01, y - 0.01],
        ]
    ]
    path = write_geojson(
        tmp_path / "zones.geojson",
        [feature({"type": "Polygon", "coordinates": square}, code=ZONE, name="聊城经济技术开发区")],
    )
    options = BoundaryImportOptions(
        level=JurisdictionLevel.zone, code_field="code", name_field="name", parent="371500", crs=Crs.wgs84
    )
    report = await import_boundaries(iso_engine, path, options)
    assert report.details == {"inserted": 0, "updated": 1, "hazards placed in a zone or village again": 1}
    rows = await all_rows(iso_engine, "SELECT zone_code, county_code FROM hazards WHERE id = :id", id=hazard)
    assert [(r.zone_code, r.county_code) for r in rows] == [(ZONE, "371502")]
    events = await all_rows(
        iso_engine, "SELECT actor, changes FROM hazard_events WHERE hazard_id = :id ORDER BY id", id=hazard
    )
    assert events[-1].actor == "import:zones.geojson"
    assert events[-1].changes["zone_code"] == [None, ZONE]
