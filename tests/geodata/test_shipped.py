"""The shipped geodata set, as ``load_shipped`` put it into the test template."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.geodata.shipped import ROADS_FILE, load_shipped
from app.vocab import ROAD_GROUP_OF_CLASS, RoadClass, RoadGroup

COUNTIES = ["371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"]


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


def shipped_roads() -> list[dict[str, Any]]:
    with ROADS_FILE.open(encoding="utf-8") as f:
        features: list[dict[str, Any]] = json.load(f)["features"]
    return features


async def test_counts_per_level(template_engine: AsyncEngine) -> None:
    got = await rows(template_engine, "SELECT level, count(*) FROM jurisdictions GROUP BY level")
    assert dict(got) == {"city": 1, "county": 8, "zone": 3, "township": 136}


async def test_city_and_counties(template_engine: AsyncEngine) -> None:
    got = await rows(
        template_engine,
        """SELECT code, name, level, parent_code, ST_GeometryType(geom), ST_IsValid(geom), centre IS NULL
             FROM jurisdictions WHERE level IN ('city', 'county') ORDER BY code""",
    )
    assert [r[0] for r in got] == ["371500", *COUNTIES]
    assert got[0][1:4] == ("聊城市", "city", None)
    assert all(r[2] == "county" and r[3] == "371500" for r in got[1:])
    assert all(r[4] == "ST_MultiPolygon" and r[5] and r[6] for r in got)
    names = {r[0]: r[1] for r in got}
    assert names["371503"] == "茌平区"
    assert not await rows(
        template_engine, "SELECT 1 FROM jurisdictions WHERE code LIKE '371523%' AND level <> 'township'"
    )


async def test_outlines_are_wgs84_not_gcj02(template_engine: AsyncEngine) -> None:
    # The Amap outline's westmost vertex is at 115.2714° in GCJ-02; ~0.0058° less in WGS84.
    ((xmin, xmax),) = await rows(
        template_engine, "SELECT ST_XMin(geom), ST_XMax(geom) FROM jurisdictions WHERE code = '371500'"
    )
    assert 115.2650 < xmin < 115.2660
    assert 116.5435 < xmax < 116.5445


async def test_zones(template_engine: AsyncEngine) -> None:
    got = await rows(
        template_engine,
        "SELECT code, name, parent_code, geom IS NULL, centre IS NULL FROM jurisdictions "
        "WHERE level = 'zone' ORDER BY code",
    )
    assert got == [
        ("Z371501", "聊城经济技术开发区", "371500", True, True),
        ("Z371502", "聊城高新技术产业开发区", "371500", True, True),
        ("Z371503", "江北水城旅游度假区", "371500", True, True),
    ]


async def test_townships(template_engine: AsyncEngine) -> None:
    got = await rows(
        template_engine,
        """SELECT parent_code, count(*), count(centre), count(geom)
             FROM jurisdictions WHERE level = 'township' GROUP BY parent_code ORDER BY parent_code""",
    )
    per_county = {r[0]: r[1] for r in got}
    assert per_county == {
        "371502": 24, "371503": 14, "371521": 18, "371522": 24,
        "371524": 10, "371525": 18, "371526": 12, "371581": 16,
    }  # fmt: skip
    assert sum(r[2] for r in got) == 109  # 27 have no point in the source
    assert sum(r[3] for r in got) == 0  # no township outlines are published


async def test_township_centre_is_our_conversion(template_engine: AsyncEngine) -> None:
    # 古楼街道: GCJ-02 115.965473,36.462002; the shared file's WGS84 is 115.959865,36.461981.
    ((d,),) = await rows(
        template_engine,
        """SELECT ST_Distance(centre::geography,
                              ST_SetSRID(ST_MakePoint(115.959865, 36.461981), 4326)::geography)
             FROM jurisdictions WHERE code = '371502001'""",
    )
    assert d < 0.2


async def test_every_township_seat_lies_in_its_county(template_engine: AsyncEngine) -> None:
    ((inside, total),) = await rows(
        template_engine,
        """SELECT count(*) FILTER (WHERE ST_Covers(c.geom, t.centre)), count(*)
             FROM jurisdictions t JOIN jurisdictions c ON c.code = t.parent_code
            WHERE t.level = 'township' AND t.centre IS NOT NULL""",
    )
    assert (inside, total) == (109, 109)


async def test_roads_count_and_marks(template_engine: AsyncEngine) -> None:
    ((n, schematic, no_length),) = await rows(
        template_engine,
        "SELECT count(*), count(*) FILTER (WHERE schematic), count(*) FILTER (WHERE NOT length_m > 0) "
        "FROM roads",
    )
    assert n == len(shipped_roads()) == 203
    assert schematic == n
    assert no_length == 0


async def test_roads_stay_inside_the_city(template_engine: AsyncEngine) -> None:
    ((outside,),) = await rows(
        template_engine,
        "SELECT count(*) FROM roads r, jurisdictions c "
        "WHERE c.code = '371500' AND NOT ST_Covers(c.geom, r.geom)",
    )
    assert outside == 0


async def test_length_is_geodesic(template_engine: AsyncEngine) -> None:
    ((worst,),) = await rows(
        template_engine, "SELECT max(abs(length_m - ST_Length(geom::geography, true))) FROM roads"
    )
    assert worst < 0.01


async def test_every_county_has_every_road_group(template_engine: AsyncEngine) -> None:
    got = await rows(
        template_engine,
        """SELECT c.code, r.layer_group, count(*)
             FROM roads r JOIN jurisdictions c
               ON c.level = 'county' AND ST_Covers(c.geom, ST_LineInterpolatePoint(r.geom, 0.5))
            GROUP BY 1, 2""",
    )
    in_db = {(r[0], r[1]): r[2] for r in got}
    assert {county for county, _ in in_db} == set(COUNTIES)
    for county in COUNTIES:
        assert {g for c, g in in_db if c == county} == set(RoadGroup.codes()), county
    # The file's own county property agrees with the spatial join, road for road.
    in_file = Counter(
        (f["properties"]["county"], ROAD_GROUP_OF_CLASS[RoadClass(f["properties"]["class"])].value)
        for f in shipped_roads()
    )
    assert in_db == dict(in_file)
    assert sum(in_db.values()) == 203


async def test_g309_k516_600_is_in_chiping_near_the_seat(template_engine: AsyncEngine) -> None:
    got = await rows(
        template_engine,
        """SELECT c.code,
                  ST_Distance(
                      ST_LineInterpolatePoint(r.geom, (516600 - r.start_chainage_m) / r.length_m)::geography,
                      t.centre::geography)
             FROM roads r
             JOIN jurisdictions c
               ON c.level = 'county' AND ST_Covers(c.geom, ST_LineInterpolatePoint(r.geom, 0.5))
             JOIN jurisdictions t ON t.code = '371523002'
            WHERE r.code = 'G309' AND r.start_chainage_m <= 516600
              AND r.start_chainage_m + r.length_m >= 517200""",
    )
    assert len(got) == 1
    county, distance_to_seat = got[0]
    assert county == "371503"
    assert distance_to_seat < 2000


async def test_load_is_one_transaction(iso_engine: AsyncEngine) -> None:
    """A load that fails part-way (here on the last township) leaves nothing behind."""
    async with iso_engine.begin() as conn:
        await conn.execute(text("UPDATE jurisdictions SET parent_code = NULL WHERE code = '371581112'"))
        await conn.execute(text("DELETE FROM roads"))
        for level in ("township", "zone", "county", "city"):
            await conn.execute(
                text("DELETE FROM jurisdictions WHERE level = :level AND code <> '371581112'"),
                {"level": level},
            )
    try:
        await load_shipped(iso_engine)
    except Exception as exc:
        assert "duplicate key" in str(exc)
    else:
        raise AssertionError("the load must fail on the township that is already there")
    got = await rows(iso_engine, "SELECT (SELECT count(*) FROM jurisdictions), (SELECT count(*) FROM roads)")
    assert got == [(1, 0)]
