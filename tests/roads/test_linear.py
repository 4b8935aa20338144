"""Linear referencing on the fixture roads: pin ↔ road + chainage, stretches cut by chainage."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import InvalidInput, NotFound
from app.roads import linear
from app.roads.chainage import format_chainage
from app.roads.duplicates import find_possible_duplicates
from tests.support.roads import X901_START, FixtureRoad, fixture_roads, geodesic_m

Roads = dict[str, FixtureRoad]
# Metres per degree of latitude near 36° N, good to a few centimetres over tens of metres.
M_PER_DEG_LAT = geodesic_m(115.75, 36.33, 115.75, 36.34) / 0.01
# A road is drawn straight in degrees between its vertices; distances in metres follow the
# great circle, which bows up to 0.3 m from the parallel between X901's vertices 4.5 km apart.
BOW_M = 0.5


@pytest.fixture(scope="module")
async def roads(engine: AsyncEngine) -> AsyncIterator[Roads]:
    """The fixture roads (X901, X902 in two pieces, X903 with a gap), for this module's tests."""
    async for r in fixture_roads(engine):
        yield r


FIRST_LEG_M = geodesic_m(115.74, 36.33, 115.79, 36.33)  # X901 turns north after this


async def test_the_chainage_runs_along_the_road_not_along_degrees(engine: AsyncEngine, roads: Roads) -> None:
    async with engine.connect() as db:
        turn = await linear.snap_to_road(db, 115.79, 36.33)
        end = await linear.snap_to_road(db, 115.79, 36.36)
    assert turn.position is not None and turn.position.road_code == "X901"
    # A fraction of the line in degrees would put the turn some 400 m further on.
    assert turn.position.chainage_m == pytest.approx(X901_START + FIRST_LEG_M, abs=0.5)
    assert end.position is not None
    assert end.position.chainage_m == pytest.approx(roads["X901"].end_m, abs=0.01)


@pytest.mark.parametrize("offset_m", [0.0, 1234.5, 4000.0, 4500.0, 7000.0])
async def test_chainage_round_trip_within_a_metre(engine: AsyncEngine, roads: Roads, offset_m: float) -> None:
    chainage = X901_START + min(offset_m, roads["X901"].length_m)
    async with engine.connect() as db:
        point = await linear.point_at_chainage(db, "X901", chainage)
        back = await linear.snap_to_road(db, point.lon, point.lat)
        again = await linear.point_at_chainage(db, "X901", back.nearest.chainage_m)  # type: ignore[union-attr]
    assert back.snapped and back.position is not None
    assert back.position.road_id == roads["X901"].id
    assert back.position.chainage_m == pytest.approx(chainage, abs=1.0)
    assert back.position.distance_m < BOW_M
    assert geodesic_m(point.lon, point.lat, again.lon, again.lat) < 1.0


async def test_a_pin_beside_the_road_snaps_square_to_it(engine: AsyncEngine, roads: Roads) -> None:
    async with engine.connect() as db:
        on_road = await linear.point_at_chainage(db, "x901", 12_000)
        pin_lat = on_road.lat + 20 / M_PER_DEG_LAT  # 20 m north of the east-west leg
        result = await linear.snap_to_road(db, on_road.lon, pin_lat)
    assert result.snapped
    assert result.position is not None
    assert result.position.road_code == "X901"
    assert result.position.distance_m == pytest.approx(20.0, abs=BOW_M)
    assert result.position.chainage_m == pytest.approx(12_000, abs=0.5)
    assert result.position.chainage == "K12+000"
    assert geodesic_m(result.position.lon, result.position.lat, on_road.lon, on_road.lat) < 0.5
    assert result.message == "snapped to X901 K12+000, 20 m away"


async def test_a_pin_far_from_roads_stays_unsnapped_and_says_so(engine: AsyncEngine, roads: Roads) -> None:
    async with engine.connect() as db:
        on_road = await linear.point_at_chainage(db, "X901", 12_000)
        result = await linear.snap_to_road(db, on_road.lon, on_road.lat - 200 / M_PER_DEG_LAT)
        wider = await linear.snap_to_road(db, on_road.lon, on_road.lat - 200 / M_PER_DEG_LAT, 250)
    assert not result.snapped and result.position is None
    assert result.nearest is not None and result.nearest.road_code == "X901"
    assert result.message == (
        "not snapped: nearest road is 200 m away (X901 K12+000); a pin is snapped within 50 m"
    )
    assert wider.snapped


async def test_chainage_beyond_the_road_is_refused(engine: AsyncEngine, roads: Roads) -> None:
    runs = f"K10+000–{format_chainage(roads['X901'].end_m)}"
    async with engine.connect() as db:
        for chainage in (9_000.0, roads["X901"].end_m + 5):
            with pytest.raises(InvalidInput) as err:
                await linear.point_at_chainage(db, "X901", chainage)
            assert err.value.errors[0].field == "chainage"
            assert err.value.errors[0].message.endswith(f"is beyond road X901, which runs {runs}")
        with pytest.raises(InvalidInput, match="is beyond road X901"):
            await linear.stretch_between(db, "X901", 17_000, 18_500)
        with pytest.raises(NotFound, match="no road with the code 'X999'"):
            await linear.point_at_chainage(db, "X999", 1_000)
        # A hair beyond the end (a label rounds to the metre) is the end.
        end = await linear.point_at_chainage(db, "X901", roads["X901"].end_m + 0.4)
    assert (end.lon, end.lat) == pytest.approx((115.79, 36.36), abs=1e-9)


async def test_the_piece_holding_the_chainage_is_taken(engine: AsyncEngine, roads: Roads) -> None:
    a, b = roads["X902a"], roads["X902b"]
    async with engine.connect() as db:
        first = await linear.point_at_chainage(db, "X902", 1_000)
        second = await linear.point_at_chainage(db, "X902", a.length_m + 1_000)
        across = await linear.stretch_between(db, "X902", 1_000, a.length_m + 1_000)
    assert first.road_id == a.id and second.road_id == b.id
    assert across.road_id == a.id and across.road_ids == [a.id, b.id]
    line = shapely.from_wkt(across.wkt)
    assert line.geom_type == "LineString"
    # One line through the joint, as long as the chainages say, from the first point to the second.
    assert across.length_m == pytest.approx(a.length_m, abs=1.0)
    assert line.coords[0] == pytest.approx((first.lon, first.lat))
    assert line.coords[-1] == pytest.approx((second.lon, second.lat))
    assert across.chainage == f"K1+000-{format_chainage(a.length_m + 1_000)}"


async def test_a_stretch_against_the_chainage_runs_backwards(engine: AsyncEngine, roads: Roads) -> None:
    async with engine.connect() as db:
        forward = await linear.stretch_between(db, "X901", 12_000, 12_500)
        backward = await linear.stretch_between(db, "X901", 12_500, 12_000)
        start = await linear.point_at_chainage(db, "X901", 12_500)
    assert shapely.from_wkt(backward.wkt).equals(shapely.from_wkt(forward.wkt).reverse())
    assert shapely.from_wkt(backward.wkt).coords[0] == pytest.approx((start.lon, start.lat))
    assert forward.length_m == pytest.approx(500, abs=0.05)


async def test_a_road_with_a_gap_keeps_counting_across_it(engine: AsyncEngine, roads: Roads) -> None:
    first_part = geodesic_m(115.74, 36.345, 115.75, 36.345)
    async with engine.connect() as db:
        after_gap = await linear.snap_to_road(db, 115.76, 36.345)
        before_gap = await linear.snap_to_road(db, 115.75, 36.345)
        across = await linear.stretch_between(db, "X903", first_part - 100, first_part + 100)
    assert after_gap.position is not None and before_gap.position is not None
    assert after_gap.position.road_code == before_gap.position.road_code == "X903"
    assert after_gap.position.chainage_m == pytest.approx(first_part, abs=0.5)
    assert before_gap.position.chainage_m == pytest.approx(first_part, abs=0.5)
    # 100 m on either side, and the gap (0.01°) bridged in a straight line.
    gap = geodesic_m(115.75, 36.345, 115.76, 36.345)
    assert across.length_m == pytest.approx(200 + gap, abs=0.5)


# -- the API -----------------------------------------------------------------------------------


async def test_locate_a_point(client: httpx.AsyncClient, roads: Roads) -> None:
    r = await client.get("/api/v1/roads/locate", params={"road": "X901", "chainage": "K12+000"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    feature = r.json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    assert feature["properties"] == {
        "road_id": roads["X901"].id,
        "road_code": "X901",
        "road_name": "X901 测试路",
        "chainage_m": 12_000.0,
        "chainage": "K12+000",
        "carriageway": None,
        "direction": None,
    }
    with_code = await client.get("/api/v1/roads/locate", params={"chainage": "X901 ZK12+000"})
    assert with_code.json()["geometry"] == feature["geometry"]
    assert with_code.json()["properties"]["carriageway"] == "left"


@pytest.mark.parametrize(
    ("chainage", "direction"),
    [
        # X901 runs east from K10+000, turns north at about K14+480.
        ("X901线K12+000处上行", 2),
        ("桩号K12+000(下行)", 1),
        ("X901 K12+000 双向", 3),
        ("X901 K12+000 西向东", 2),
        ("X901 K12+000 由东向西", 1),
        ("X901 K16+000 南向北", 2),
        ("X901 K16+000 北向南", 1),
        ("X901 K12+000-K16+000 西向东", 2),  # the stretch's ends: east and north of each other
    ],
)
async def test_locate_reads_the_direction(
    client: httpx.AsyncClient, roads: Roads, chainage: str, direction: int
) -> None:
    r = await client.get("/api/v1/roads/locate", params={"road": "X901", "chainage": chainage})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["direction"] == direction


async def test_locate_a_stretch(client: httpx.AsyncClient, roads: Roads) -> None:
    r = await client.get("/api/v1/roads/locate", params={"road": "X901", "chainage": "12KM+000M-12KM+500M"})
    assert r.status_code == 200
    feature = r.json()
    assert feature["geometry"]["type"] == "LineString"
    props = feature["properties"]
    assert props["chainage"] == "K12+000-K12+500"
    assert (props["start_chainage_m"], props["end_chainage_m"]) == (12_000, 12_500)
    assert props["length_m"] == pytest.approx(500, abs=0.1)
    assert props["road_ids"] == [roads["X901"].id]


@pytest.mark.parametrize(
    ("params", "status", "field", "message"),
    [
        ({"road": "X901", "chainage": "K30+000"}, 422, "chainage", "K30+000 is beyond road X901"),
        ({"road": "X901", "chainage": "nowhere"}, 422, "chainage", "“nowhere”中的桩号部分“NOWHERE”无法识别"),
        (
            {"chainage": "X901 K12+000 北向南"},
            422,
            "chainage",
            "方向“北向南”与道路 X901 在 K12+000 处的走向不符",
        ),
        ({"chainage": "K12+000"}, 422, "road", "missing: give road=G309"),
        ({"road": "X902", "chainage": "X901 K12+000"}, 422, "chainage", "names road X901, but road=X902"),
        ({"road": "X999", "chainage": "K1+000"}, 404, None, "no road with the code 'X999'"),
    ],
)
async def test_locate_refusals(
    client: httpx.AsyncClient,
    roads: Roads,
    params: dict[str, str],
    status: int,
    field: str | None,
    message: str,
) -> None:
    r = await client.get("/api/v1/roads/locate", params=params)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert message in problem["detail"]
    if field is not None:
        assert problem["errors"][0]["field"] == field


async def test_snap_api(client: httpx.AsyncClient, roads: Roads) -> None:
    located = (
        await client.get("/api/v1/roads/locate", params={"road": "X901", "chainage": "K12+000"})
    ).json()
    lon, lat = located["geometry"]["coordinates"]
    near = await client.get("/api/v1/roads/snap", params={"lon": lon, "lat": lat + 10 / M_PER_DEG_LAT})
    assert near.status_code == 200
    props = near.json()["properties"]
    assert props["snapped"] is True
    assert (props["road_code"], props["chainage"]) == ("X901", "K12+000")
    assert props["distance_m"] == pytest.approx(10, abs=BOW_M)
    assert near.json()["geometry"]["coordinates"] == pytest.approx([lon, lat])

    far_lat = lat - 500 / M_PER_DEG_LAT
    far = await client.get("/api/v1/roads/snap", params={"lon": lon, "lat": far_lat})
    props = far.json()["properties"]
    assert props["snapped"] is False and props["road_code"] is None and props["chainage"] is None
    assert props["message"].startswith("not snapped: nearest road is 500 m away")
    assert far.json()["geometry"]["coordinates"] == [lon, far_lat]

    bad = await client.get("/api/v1/roads/snap", params={"lon": 200, "lat": 36})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lon"


# -- possible duplicates ---------------------------------------------------------------------


async def _hazard(engine: AsyncEngine, road: FixtureRoad, chainage: float, category: str, status: str) -> int:
    async with engine.begin() as conn:
        return int(
            (
                await conn.execute(
                    text(
                        "INSERT INTO hazards (kind, category_code, visibility, grade, source, status,"
                        " road_id, chainage_m, geom)"
                        " SELECT 'point', :category, 'explicit', 'general', 'inspection', :status, r.id, :ch,"
                        " road_point_at(r.measured, :ch)"
                        " FROM roads r WHERE r.id = :road RETURNING id"
                    ),
                    {"category": category, "status": status, "ch": chainage, "road": road.id},
                )
            ).scalar_one()
        )


async def test_possible_duplicates(engine: AsyncEngine, roads: Roads) -> None:
    x901 = roads["X901"]
    open_id = await _hazard(engine, x901, 12_000, "XL01", "reported")
    await _hazard(engine, x901, 12_010, "XL01", "closed")  # closed: not a duplicate any more
    await _hazard(engine, x901, 12_005, "SS01", "claimed")  # another category
    async with engine.connect() as db:
        here = await linear.point_at_chainage(db, "X901", 12_020)
        far = await linear.point_at_chainage(db, "X901", 12_040)
        pin = shapely.Point(here.lon, here.lat)
        found = await find_possible_duplicates(db, pin, "XL01", x901.id)
        assert [(d.id, d.chainage, d.status) for d in found] == [(open_id, "K12+000", "reported")]
        assert found[0].distance_m == pytest.approx(20, abs=0.1)
        assert await find_possible_duplicates(db, shapely.Point(far.lon, far.lat), "XL01", x901.id) == []
        assert await find_possible_duplicates(db, pin, "XL01", roads["X902a"].id) == []
        assert await find_possible_duplicates(db, pin, "XL01", x901.id, exclude_id=open_id) == []
        # A pin on no road is compared with every hazard of its category; EWKT works as well.
        anywhere = await find_possible_duplicates(db, here.ewkt, "XL01", None)
        assert [d.id for d in anywhere] == [open_id]
        wider = await find_possible_duplicates(
            db, shapely.Point(far.lon, far.lat), "XL01", x901.id, distance_m=45
        )
        assert [d.id for d in wider] == [open_id]
