"""A hazard given as road code + 桩号 instead of a geometry: located on the road by PostGIS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.hazards import BEIJING_2026
from tests.support.roads import geodesic_m


def by_chainage(road: str | None, chainage: str, **properties: Any) -> dict[str, Any]:
    props = {"category": "JC01", "reported_at": BEIJING_2026, "chainage": chainage, **properties}
    if road is not None:
        props["road"] = road
    return {"type": "Feature", "geometry": None, "properties": props}


async def test_point_from_road_and_chainage(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    # G9309 runs from (115.95, 36.46) at K516+000 to (115.99, 36.46), posted 3000 m long:
    # K517+500 is half-way along it.
    r = await client.post("/api/v1/hazards", json=by_chainage("G9309", "K517+500"))
    assert r.status_code == 201, r.text
    body = r.json()
    lon, lat = body["geometry"]["coordinates"]
    assert lon == pytest.approx(115.97, abs=1e-4) and lat == pytest.approx(36.46, abs=1e-6)
    props = body["properties"]
    assert (props["road_code"], props["chainage_m"], props["chainage"]) == ("G9309", 517500, "K517+500")
    assert props["county"] == "371502"


async def test_road_code_in_front_of_the_chainage(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    r = await client.post("/api/v1/hazards", json=by_chainage(None, "G9309 516KM+600M"))
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["chainage"] == "K516+600"


async def test_segment_cut_from_the_road(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    r = await client.post("/api/v1/segments", json=by_chainage("G9309", "K516+600-K517+200"))
    assert r.status_code == 201, r.text
    body = r.json()
    coords = body["geometry"]["coordinates"]
    assert coords[0][0] == pytest.approx(115.958, abs=1e-4)
    assert coords[-1][0] == pytest.approx(115.966, abs=1e-4)
    props = body["properties"]
    assert (props["chainage_m"], props["end_chainage_m"]) == (516600, 517200)
    assert props["chainage"] == "K516+600-K517+200"


@pytest.mark.parametrize(
    ("path", "chainage", "direction"),
    [
        ("hazards", "G9309线K516+600处", None),
        ("hazards", "G9309测试国道K516+600(下行)", 1),
        ("hazards", "桩号K516+600上行", 2),
        ("hazards", "G9309 K516+600 西向东", 2),
        ("hazards", "G9309 K516+600 东向西", 1),
        ("segments", "G9309线K516+600-K517+200 双向", 3),
    ],
)
async def test_a_place_as_written_in_a_notice(
    client: httpx.AsyncClient, api_roads: dict[str, int], path: str, chainage: str, direction: int | None
) -> None:
    """Road code (and name), 桩号, place and direction words read out of one text."""
    road = None if chainage.startswith("G9309") else "G9309"
    r = await client.post(f"/api/v1/{path}", json=by_chainage(road, chainage))
    assert r.status_code == 201, r.text
    props = r.json()["properties"]
    assert (props["road_code"], props["chainage_m"], props["direction"]) == ("G9309", 516_600, direction)


async def test_a_new_chainage_with_a_direction_sets_it(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    feature = await _segment(client, "K516+600-K517+200")
    r = await _patch(client, feature, {"properties": {"chainage": "K516+800-K517+200 由东向西"}})
    assert r.status_code == 200, r.text
    assert (r.json()["properties"]["chainage_m"], r.json()["properties"]["direction"]) == (516_800, 1)


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("hazards", by_chainage("G9309", "K520+000"), "properties.chainage", "K520+000"),
        ("hazards", by_chainage("G9309", "K516+600-K517+200"), "properties.chainage", "range"),
        ("segments", by_chainage("G9309", "K516+600"), "properties.chainage", "start and an end"),
        ("hazards", by_chainage("G9309", "somewhere"), "properties.chainage", "桩号部分“SOMEWHERE”无法识别"),
        ("hazards", by_chainage(None, "Q9309线K516+600"), "properties.chainage", "道路编号“Q9309”无法识别"),
        ("hazards", by_chainage(None, "G9309线K516+600处东边"), "properties.chainage", "“处东边”无法识别"),
        # G9309 runs east: a heading across it says neither 上行 nor 下行.
        ("hazards", by_chainage(None, "G9309 K516+600 北向南"), "properties.chainage", "走向不符"),
        (
            "hazards",
            by_chainage(None, "G9309 K516+600 上行", direction=1),
            "properties.direction",
            "与桩号“G9309 K516+600 上行”中的方向不符",
        ),
        ("hazards", by_chainage(None, "K516+600"), "properties.road", "road code"),
        (
            "hazards",
            {
                **by_chainage("G9309", "K516+600"),
                "geometry": {"type": "Point", "coordinates": [115.96, 36.46]},
            },
            "geometry",
            "not both",
        ),
    ],
)
async def test_refused_and_nothing_written(
    client: httpx.AsyncClient,
    api_roads: dict[str, int],
    path: str,
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    r = await client.post(f"/api/v1/{path}", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert words in errors[0]["message"]
    listed = (await client.get(f"/api/v1/{path}")).json()
    assert listed["numberMatched"] == 0


# -- PATCH: the geometry and the chainage stay in step ----------------------------------------------
# G9309 is 0.04° of longitude posted as 3000 m: one metre of chainage is this many degrees.
DEG_PER_CHAINAGE_M = 0.04 / 3000


def lon_at(chainage_m: float) -> float:
    return 115.95 + (chainage_m - 516000) * DEG_PER_CHAINAGE_M


async def _segment(client: httpx.AsyncClient, chainage: str) -> dict[str, Any]:
    r = await client.post("/api/v1/segments", json=by_chainage("G9309", chainage, category="XL04"))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _patch(
    client: httpx.AsyncClient, feature: dict[str, Any], body: dict[str, Any], path: str = "segments"
) -> httpx.Response:
    url = f"/api/v1/{path}/{feature['id']}"
    etag = (await client.get(url)).headers["ETag"]
    return await client.patch(
        url, json=body, headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"}
    )


async def _stored(engine: AsyncEngine, hazard_id: int) -> tuple[float, float, float, int]:
    """The stored line's length in metres, its end longitudes, and its number of vertices."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT ST_Length(geom::geography), ST_X(ST_StartPoint(geom)), ST_X(ST_EndPoint(geom)),"
                    " ST_NPoints(geom) FROM hazards WHERE id = :id"
                ),
                {"id": hazard_id},
            )
        ).one()
    return (row[0], row[1], row[2], row[3])


async def test_a_new_end_chainage_recuts_the_segment(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    seg = await _segment(client, "K516+600-K517+200")
    r = await _patch(client, seg, {"properties": {"end_chainage_m": 517800}})
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert (props["chainage_m"], props["end_chainage_m"], props["chainage"]) == (
        516600,
        517800,
        "K516+600-K517+800",
    )
    length, west, east, _ = await _stored(engine, seg["id"])
    assert west == pytest.approx(lon_at(516600), abs=1e-7)
    assert east == pytest.approx(lon_at(517800), abs=1e-7)
    # 1200 m of chainage on a road whose 3000 m are drawn 0.04° long.
    assert length == pytest.approx(geodesic_m(lon_at(516600), 36.46, lon_at(517800), 36.46), abs=0.01)
    assert length == pytest.approx(1200 * geodesic_m(115.95, 36.46, 115.99, 36.46) / 3000, abs=0.01)
    # One change, one event: the chainage and the line it was cut to.
    events = (await client.get(f"/api/v1/segments/{seg['id']}/history")).json()["events"]
    assert len(events) == 2 and {"geom", "end_chainage_m"} <= set(events[1]["changes"])
    assert "chainage_m" not in events[1]["changes"]


async def test_a_new_chainage_range_and_another_road(
    client: httpx.AsyncClient, engine: AsyncEngine, api_roads: dict[str, int]
) -> None:
    seg = await _segment(client, "K516+600-K517+200")
    r = await _patch(client, seg, {"properties": {"chainage": "K517+500-K517+000"}})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["chainage"] == "K517+000-K517+500"
    length, west, east, _ = await _stored(engine, seg["id"])
    assert (west, east) == (pytest.approx(lon_at(517000), abs=1e-7), pytest.approx(lon_at(517500), abs=1e-7))
    assert length == pytest.approx(500 * geodesic_m(115.95, 36.46, 115.99, 36.46) / 3000, abs=0.01)

    # Y9001: (115.96, 36.42) at K0+000 to (115.99, 36.43), posted 2000 m.
    r = await _patch(client, seg, {"properties": {"road": "Y9001", "chainage": "K0+500-K1+500"}})
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert (props["road_code"], props["chainage"]) == ("Y9001", "K0+500-K1+500")
    length, west, east, _ = await _stored(engine, seg["id"])
    assert (west, east) == (pytest.approx(115.9675, abs=1e-7), pytest.approx(115.9825, abs=1e-7))
    y9001 = geodesic_m(115.96, 36.42, 115.99, 36.43)
    assert length == pytest.approx(y9001 / 2, abs=0.05)


async def test_a_moved_line_gets_its_chainage_again(
    client: httpx.AsyncClient, api_roads: dict[str, int]
) -> None:
    seg = await _segment(client, "K516+600-K517+200")
    moved = {"geometry": {"coordinates": [[lon_at(516750), 36.46], [lon_at(517500), 36.46]]}}
    r = await _patch(client, seg, moved)
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert (props["road_code"], props["chainage_m"], props["end_chainage_m"]) == ("G9309", 516750, 517500)
    assert props["chainage"] == "K516+750-K517+500"


async def test_a_point_moved_by_its_chainage(client: httpx.AsyncClient, api_roads: dict[str, int]) -> None:
    r = await client.post("/api/v1/hazards", json=by_chainage("G9309", "K516+600"))
    r = await _patch(client, r.json(), {"properties": {"chainage_m": 517500}}, path="hazards")
    assert r.status_code == 200, r.text
    lon, lat = r.json()["geometry"]["coordinates"]
    assert (lon, lat) == (pytest.approx(115.97, abs=1e-7), pytest.approx(36.46, abs=1e-7))
    assert r.json()["properties"]["chainage"] == "K517+500"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"properties": {"end_chainage_m": 519500}},
            "properties.end_chainage_m",
            "K519+500 is beyond road G9309, which runs K516+000–K519+000",
        ),
        (
            {"properties": {"chainage_m": 515000}},
            "properties.chainage_m",
            "K515+000 is beyond road G9309",
        ),
        (
            {"properties": {"chainage": "K518+000-K520+000"}},
            "properties.chainage",
            "K520+000 is beyond road G9309",
        ),
        (
            {"properties": {"road": "Y9001"}},
            "properties.chainage_m",
            "beyond road Y9001, which runs K0+000–K2+000",
        ),
        ({"properties": {"end_chainage_m": 516500}}, "properties.end_chainage_m", "beyond the start"),
        ({"properties": {"chainage": "K517+000"}}, "properties.chainage", "a start and an end"),
        ({"properties": {"road": None}}, "properties.road", "cannot be removed"),
        (
            {
                "properties": {"chainage_m": 516700},
                "geometry": {"coordinates": [[115.96, 36.46], [115.97, 36.46]]},
            },
            "geometry",
            "not both",
        ),
    ],
)
async def test_a_chainage_the_road_does_not_reach_is_refused(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    api_roads: dict[str, int],
    body: dict[str, Any],
    field: str,
    words: str,
) -> None:
    seg = await _segment(client, "K516+600-K517+200")
    before = await _stored(engine, seg["id"])
    r = await _patch(client, seg, body)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert words in errors[0]["message"]
    assert (await client.get(f"/api/v1/segments/{seg['id']}")).json()["properties"]["version"] == 1
    assert await _stored(engine, seg["id"]) == before
